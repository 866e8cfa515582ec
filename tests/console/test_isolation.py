"""A front-desk user of one clinic can neither see nor act on another clinic's data, in HTML or JSON."""
from __future__ import annotations

from sqlmodel import Session, select

from agent.store.models import Conversation, Draft, Handoff, Referral
from tests.console.conftest import client


def _clinic_b_records(env) -> dict[str, int]:  # noqa: ANN001
    held = env.patient("b", first_name="Bella")
    env.says(held, "purple monkey dishwasher")
    referrer = env.patient("b", first_name="Bianca")
    env.says(referrer, "my sister Dana 415-555-0134 wants to come")
    with Session(env.engine) as s:
        return {
            "draft": s.exec(select(Draft.id)).one(),
            "handoff": s.exec(select(Handoff.id)).one(),
            "referral": s.exec(select(Referral.id)).one(),
            "conversation": s.exec(select(Conversation.id).where(Conversation.patient_id == held)).one(),
        }


def test_front_desk_of_a_sees_none_of_clinic_b(env, as_user):  # noqa: ANN001
    ids = _clinic_b_records(env)
    mine = env.patient("a", first_name="Amy")
    env.says(mine, "purple monkey dishwasher")
    c, _ = as_user("front_desk@a")

    for path in ("/console/inbox", "/console/inbox/list", "/console/drafts", "/console/referrals",
                 "/console/conversations", "/console/dashboard"):
        page = c.get(path)
        assert page.status_code == 200
        assert "Bella" not in page.text and "Bianca" not in page.text and "Dana" not in page.text, path
    assert "Amy" in c.get("/console/drafts").text
    assert c.get("/console/pulse").json() == {"urgent_open": 0, "open": 0, "claimed": 0, "pending_drafts": 1,
                                              "new_referrals": 0}
    for path in (f"/console/handoffs/{ids['handoff']}", f"/console/conversations/{ids['conversation']}"):
        assert c.get(path).status_code == 404  # missing, not forbidden: nothing leaks that it exists

    assert c.get("/api/drafts").json()[0]["patient"]["first_name"] == "Amy"
    assert len(c.get("/api/drafts").json()) == 1
    assert c.get("/api/handoffs").json() == [] and c.get("/api/referrals").json() == []
    for path in (f"/api/drafts/{ids['draft']}", f"/api/handoffs/{ids['handoff']}",
                 f"/api/conversations/{ids['conversation']}"):
        assert c.get(path).status_code == 404
    dashboard = c.get("/api/dashboard").json()
    assert dashboard["clinic_id"] == env.clinics["a"]
    assert next(k for k in dashboard["kpis"] if k["key"] == "introductions")["total"]["value"] == 0


def test_front_desk_of_a_cannot_act_on_clinic_b(env, as_user):  # noqa: ANN001
    ids = _clinic_b_records(env)
    c, csrf = as_user("front_desk@a")
    form = {"csrf_token": csrf}
    assert c.post(f"/console/drafts/{ids['draft']}/approve", data=form).status_code == 404
    assert c.post(f"/console/drafts/{ids['draft']}/edit", data={**form, "body": "hello"}).status_code == 404
    assert c.post(f"/console/drafts/{ids['draft']}/reject", data=form).status_code == 404
    assert c.post(f"/console/handoffs/{ids['handoff']}/claim", data=form).status_code == 404
    assert c.post(f"/console/handoffs/{ids['handoff']}/reply", data={**form, "body": "hi"}).status_code == 404
    assert c.post(f"/console/handoffs/{ids['handoff']}/resolve",
                  data={**form, "outcome": "answered"}).status_code == 404
    assert c.post(f"/console/referrals/{ids['referral']}/status",
                  data={**form, "status": "contacted"}).status_code == 404

    h = {"X-CSRF-Token": csrf}
    assert c.post(f"/api/drafts/{ids['draft']}/approve", headers=h).status_code == 404
    assert c.post(f"/api/handoffs/{ids['handoff']}/claim", headers=h).status_code == 404
    assert c.post(f"/api/handoffs/{ids['handoff']}/reply", headers=h, json={"body": "hi"}).status_code == 404
    assert c.patch(f"/api/referrals/{ids['referral']}", headers=h, json={"status": "contacted"}).status_code == 404

    with Session(env.engine) as s:  # nothing moved
        assert s.get(Draft, ids["draft"]).status == "pending"
        assert s.get(Handoff, ids["handoff"]).status == "open"
        assert s.get(Referral, ids["referral"]).status == "new"
    assert not [e for e in env.audit() if e.actor.startswith("staff:")
                and e.action not in ("staff.login",)]


def test_api_keys_are_scoped_to_their_clinic(env):  # noqa: ANN001
    ids = _clinic_b_records(env)
    with client(env) as c:
        a_key = {"X-API-Key": env.keys["a"]}
        assert c.get("/api/drafts", headers=a_key).json() == []
        assert c.get(f"/api/handoffs/{ids['handoff']}", headers=a_key).status_code == 404
        b_key = {"X-API-Key": env.keys["b"]}
        assert len(c.get("/api/drafts", headers=b_key).json()) == 1
        assert c.get("/api/me", headers=b_key).json()["via"] == "clinic_key"
        assert c.get("/api/drafts", headers={"X-API-Key": "ag_not-a-key"}).status_code == 401
