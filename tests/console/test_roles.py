"""What each role may do (agent/staff/roles.py), enforced the same way in the console and the JSON API."""
from __future__ import annotations

import pytest

from agent.staff.roles import PERMISSIONS, QUEUES, Permission, StaffRole
from agent.types import Queue
from tests.console.conftest import client


def test_the_matrix_is_what_the_docs_say():
    assert QUEUES[StaffRole.FRONT_DESK] == {Queue.FRONT_DESK}
    assert QUEUES[StaffRole.CLINICAL] == {Queue.CLINICAL, Queue.FRONT_DESK}
    assert QUEUES[StaffRole.MANAGER] == QUEUES[StaffRole.ADMIN] == set(Queue)
    assert Permission.OVERRIDE_PHI not in PERMISSIONS[StaffRole.FRONT_DESK]
    assert Permission.UPDATE_REFERRALS not in PERMISSIONS[StaffRole.CLINICAL]
    assert Permission.MANAGE_STAFF in PERMISSIONS[StaffRole.ADMIN]
    assert Permission.MANAGE_STAFF not in PERMISSIONS[StaffRole.MANAGER]


def test_front_desk_cannot_claim_an_urgent_clinical_handoff_but_clinical_can(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "my lip went white")
    fd, fd_csrf = as_user("front_desk@a")
    page = fd.get("/console/handoffs/1")
    assert "URGENT" in page.text and "does not work the clinical queue" in page.text  # seen, not workable
    assert fd.post("/console/handoffs/1/claim", data={"csrf_token": fd_csrf}).status_code == 403
    assert fd.post("/api/handoffs/1/claim", headers={"X-CSRF-Token": fd_csrf}).status_code == 403
    nurse, n_csrf = as_user("clinical@a")
    claimed = nurse.post("/console/handoffs/1/claim", data={"csrf_token": n_csrf}, follow_redirects=False)
    assert claimed.status_code == 303


def test_resolving_asks_for_an_outcome_and_proposes_none(env, as_user):  # noqa: ANN001
    """A red-flag handoff resolved in a hurry must not be recorded as "Booked consult" by default."""
    pid = env.patient()
    env.says(pid, "my lip went white")
    nurse, csrf = as_user("clinical@a")
    nurse.post("/console/handoffs/1/claim", data={"csrf_token": csrf})
    page = nurse.get("/console/handoffs/1").text
    assert '<option value="" disabled selected>Choose an outcome</option>' in page
    assert "selected>Booked consult" not in page
    refused = nurse.post("/console/handoffs/1/resolve", data={"csrf_token": csrf, "outcome": ""})
    assert refused.status_code == 422
    done = nurse.post("/console/handoffs/1/resolve", data={"csrf_token": csrf, "outcome": "answered"},
                      follow_redirects=False)
    assert done.status_code == 303


def test_a_colleague_cannot_take_a_claimed_handoff_but_a_manager_can(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "my sister Dana 415-555-0134 wants to come")
    fd, fd_csrf = as_user("front_desk@a")
    assert fd.post("/api/handoffs/1/claim", headers={"X-CSRF-Token": fd_csrf}).status_code == 200
    nurse, n_csrf = as_user("clinical@a")
    assert nurse.post("/api/handoffs/1/claim", headers={"X-CSRF-Token": n_csrf}).status_code == 409
    boss, b_csrf = as_user("manager@a")
    taken = boss.post("/api/handoffs/1/claim", headers={"X-CSRF-Token": b_csrf}).json()
    assert taken["claimed_by"] == env.staff["manager@a"]


def test_only_authorised_roles_override_phi(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "purple monkey dishwasher")
    fd, csrf = as_user("front_desk@a")
    r = fd.post("/api/drafts/1/edit", headers={"X-CSRF-Token": csrf},
                json={"body": "Your Botox should settle soon, Maya.", "override_phi": True})
    assert r.status_code == 403
    r = fd.post("/api/drafts/1/edit", headers={"X-CSRF-Token": csrf},
                json={"body": "Your Botox should settle soon, Maya."})
    assert r.status_code == 422 and r.json()["needs_override"] is True


@pytest.mark.parametrize("who, allowed", [("front_desk@a", True), ("clinical@a", False), ("manager@a", True)])
def test_referral_updates_by_role(env, as_user, who, allowed):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "my sister Dana 415-555-0134 wants to come")
    c, csrf = as_user(who)
    r = c.patch("/api/referrals/1", headers={"X-CSRF-Token": csrf}, json={"status": "contacted"})
    assert r.status_code == (200 if allowed else 403)


def test_audit_log_and_staff_pages_are_for_managers_and_admins(env, as_user):  # noqa: ANN001
    fd, _ = as_user("front_desk@a")
    assert fd.get("/console/audit").status_code == 403
    assert fd.get("/api/audit").status_code == 403
    assert fd.get("/console/staff").status_code == 403
    boss, _ = as_user("manager@a")
    assert boss.get("/console/audit").status_code == 200
    assert boss.get("/console/staff").status_code == 403
    admin, _ = as_user("admin@a")
    assert admin.get("/console/staff").status_code == 200


def test_the_clinic_key_reads_but_never_writes(env):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "purple monkey dishwasher")
    with client(env) as c:
        key = {"X-API-Key": env.keys["a"]}
        assert len(c.get("/api/drafts", headers=key).json()) == 1
        r = c.post("/api/drafts/1/approve", headers=key)
        assert r.status_code == 403 and "read-only" in r.json()["detail"]
        assert c.post("/api/drafts/1/reject", headers=key).status_code == 403


def test_a_personal_staff_key_acts_as_that_person(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "my lip went white")
    admin, csrf = as_user("admin@a")
    issued = admin.post(f"/api/staff/{env.staff['clinical@a']}/api-key", headers={"X-CSRF-Token": csrf})
    assert issued.status_code == 201
    key = {"X-API-Key": issued.json()["api_key"]}
    with client(env) as c:
        me = c.get("/api/me", headers=key).json()
        assert me["role"] == "clinical" and me["via"] == "staff_key"
        claimed = c.post("/api/handoffs/1/claim", headers=key).json()  # no CSRF: a header key is no ambient cookie
    assert claimed["claimed_by"] == env.staff["clinical@a"]
    assert env.audit("handoff.claimed")[-1].actor == f"staff:{env.staff['clinical@a']}"


def test_a_stale_held_reply_is_confirmed_before_it_goes_as_it_is(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "purple monkey dishwasher")
    env.says(pid, "hello?? anyone there")  # the thread moved on after the reply was held
    admin, csrf = as_user("admin@a")
    page = admin.get("/console/drafts").text
    assert "Approve and send anyway" in page and 'name="confirm_stale" value="true"' in page
    assert "newer message(s) since this reply was held" in page
    h = {"X-CSRF-Token": csrf}
    stale = admin.post("/api/drafts/1/approve", headers=h, json={})
    assert stale.status_code == 409 and "newer message" in stale.json()["detail"]
    sent = admin.post("/api/drafts/1/approve", headers=h, json={"confirm_stale": True})
    assert sent.status_code == 200 and sent.json()["sent"]
