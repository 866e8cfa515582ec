"""Every staff action lands in the audit log, attributed to the person, with PHI-free data."""
from __future__ import annotations

import json

from sqlmodel import Session, select

from agent.store.models import Draft
from tests.console.conftest import PASSWORD


def test_every_staff_action_is_audited_without_phi(env, as_user):  # noqa: ANN001
    first = env.patient(first_name="Maya", treatment="Juvederm lips")
    env.says(first, "purple monkey dishwasher")
    second = env.patient(first_name="Jordan", treatment="Juvederm lips")
    env.says(second, "hmm what about the thing")
    urgent = env.patient(first_name="Priya", treatment="Juvederm lips")
    env.says(urgent, "my lip went white")
    referrer = env.patient(first_name="Sam")
    env.says(referrer, "my sister Dana 415-555-0134 wants to come")
    with Session(env.engine) as s:
        d1, d2 = s.exec(select(Draft.id).order_by(Draft.id)).all()

    admin, csrf = as_user("admin@a")
    h = {"X-CSRF-Token": csrf}
    phi_text = "Jordan, your Juvederm lips look great?"
    assert admin.post(f"/api/drafts/{d2}/edit", headers=h, json={"body": phi_text}).status_code == 422
    assert admin.post(f"/api/drafts/{d2}/edit", headers=h, json={"body": phi_text, "override_phi": True}).json()["sent"]
    assert admin.post(f"/api/drafts/{d1}/reject", headers=h).status_code == 200
    assert admin.post("/api/handoffs/1/claim", headers=h).status_code == 200
    reply = admin.post("/api/handoffs/1/reply", headers=h, json={"body": "Priya, calling you right now."})
    assert reply.json()["sent"]
    assert admin.post("/api/handoffs/1/resolve", headers=h, json={"outcome": "answered"}).status_code == 200
    assert admin.patch("/api/referrals/1", headers=h, json={"status": "consult_booked"}).status_code == 200
    made = admin.post("/api/staff", headers=h, json={"email": "new@a.test", "name": "New Person",
                                                     "role": "front_desk", "password": PASSWORD})
    assert made.status_code == 201 and "password_hash" not in made.json()
    assert admin.post(f"/api/staff/{made.json()['id']}/api-key", headers=h).status_code == 201
    admin.post("/console/logout", data={"csrf_token": csrf})

    me = f"staff:{env.staff['admin@a']}"
    mine = [e for e in env.audit() if e.actor == me]
    actions = [e.action for e in mine]
    for expected in ("staff.login", "draft.send_refused", "draft.approved", "draft.rejected", "handoff.claimed",
                     "handoff.replied", "handoff.resolved", "referral.status_changed", "staff.created",
                     "staff.api_key_issued", "staff.logout"):
        assert expected in actions, expected
    assert all(e.clinic_id == env.clinics["a"] for e in mine)
    approved = next(e for e in mine if e.action == "draft.approved")
    assert approved.data["overridden"] == ["phi"] and approved.data["edited"] is True
    changed = next(e for e in mine if e.action == "referral.status_changed")
    assert changed.data == {"from": "new", "to": "consult_booked"}

    dump = json.dumps([e.data for e in env.audit()]).lower()
    for secret in ("maya", "jordan", "priya", "dana", "juvederm", "lips", "415", "0134", "calling you",
                   "new@a.test", "ag_", "ags_"):
        assert secret not in dump, secret


def test_the_audit_page_lists_it(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "purple monkey dishwasher")
    admin, csrf = as_user("admin@a")
    admin.post("/console/drafts/1/reject", data={"csrf_token": csrf})
    page = admin.get("/console/audit").text
    assert "draft.rejected" in page and "staff.login" in page
    assert "<td>Admin A</td>" in page and f"staff:{env.staff['admin@a']}" not in page  # people, not ids
    api = admin.get("/api/audit").json()
    assert api[0]["action"] == "draft.rejected" and api[0]["actor"] == f"staff:{env.staff['admin@a']}"
