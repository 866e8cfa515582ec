"""Item 5: a claimed handoff is its claimer's. Only they reply in it and resolve it; a manager or admin
takes it over first (a claim, audited with whom it was taken from), and then it is theirs.

Before, the claim was checked on "claim" only: any colleague whose role works the queue could text the
patient in, or close, a conversation someone else had claimed.
"""
from __future__ import annotations

import pytest
from sqlmodel import Session

from agent.engine import handoffs as engine_handoffs
from agent.engine.handoffs import HandoffStateError
from agent.store.models import Handoff
from agent.types import HandoffOutcome
from tests.console.conftest import as_user, env  # noqa: F401 - fixtures

BOOKING = "can I book my next one for early May?"  # a front-desk handoff; clinical works that queue too
REPLY = {"body": "Hi Maya, Tuesday at 3 works."}
RESOLVE = {"outcome": "booked_treatment"}


@pytest.fixture
def claimed(env, as_user):  # noqa: ANN001, ANN201
    """Handoff 1, claimed by the front desk; returns the front desk's client and CSRF token."""
    env.says(env.patient(), BOOKING)
    fd, csrf = as_user("front_desk@a")
    assert fd.post("/api/handoffs/1/claim", headers={"X-CSRF-Token": csrf}).json()["status"] == "claimed"
    return fd, csrf


def test_a_colleague_cannot_reply_in_or_resolve_a_claimed_handoff(env, as_user, claimed):  # noqa: ANN001
    nurse, csrf = as_user("clinical@a")
    h = {"X-CSRF-Token": csrf}
    assert nurse.post("/api/handoffs/1/reply", headers=h, json=REPLY).status_code == 409
    assert nurse.post("/api/handoffs/1/resolve", headers=h, json=RESOLVE).status_code == 409
    assert nurse.post("/api/handoffs/1/claim", headers=h).status_code == 409
    form = {"csrf_token": csrf}
    assert nurse.post("/console/handoffs/1/reply", data={**form, **REPLY}).status_code == 409
    assert nurse.post("/console/handoffs/1/resolve", data={**form, **RESOLVE}).status_code == 409
    assert [e.action for e in env.audit() if e.action in ("handoff.replied", "handoff.resolved")] == []
    item = nurse.get("/api/handoffs/1").json()
    assert item["claimed_by"] == env.staff["front_desk@a"] and item["can_act"] is False
    page = nurse.get("/console/handoffs/1").text
    assert "only they can reply or resolve it" in page and 'action="/console/handoffs/1/reply"' not in page
    assert 'action="/console/handoffs/1/resolve"' not in page and "Take over" not in page


def test_the_claimer_still_works_it(env, claimed):  # noqa: ANN001
    fd, csrf = claimed
    assert fd.get("/api/handoffs/1").json()["can_act"] is True
    assert fd.post("/api/handoffs/1/reply", headers={"X-CSRF-Token": csrf}, json=REPLY).json()["sent"] is True
    assert fd.post("/api/handoffs/1/resolve", headers={"X-CSRF-Token": csrf}, json=RESOLVE).status_code == 200


@pytest.mark.parametrize("boss", ["manager@a", "admin@a"])
def test_a_manager_or_admin_takes_it_over_first(env, as_user, claimed, boss):  # noqa: ANN001
    fd, fd_csrf = claimed
    c, csrf = as_user(boss)
    h = {"X-CSRF-Token": csrf}
    assert c.post("/api/handoffs/1/reply", headers=h, json=REPLY).status_code == 409  # not theirs yet
    assert c.post("/api/handoffs/1/resolve", headers=h, json=RESOLVE).status_code == 409
    assert "Take over" in c.get("/console/handoffs/1").text
    taken = c.post("/api/handoffs/1/claim", headers=h).json()
    assert taken["claimed_by"] == env.staff[boss] and taken["can_act"] is True
    took = [e for e in env.audit("handoff.claimed") if e.actor == f"staff:{env.staff[boss]}"]
    assert took[-1].data == {"taken_from": env.staff["front_desk@a"]}
    # Now it is the boss's, and the front desk is the colleague.
    assert fd.post("/api/handoffs/1/reply", headers={"X-CSRF-Token": fd_csrf}, json=REPLY).status_code == 409
    assert c.post("/api/handoffs/1/reply", headers=h, json=REPLY).json()["sent"] is True
    assert c.post("/api/handoffs/1/resolve", headers=h, json=RESOLVE).status_code == 200


def test_the_engine_refuses_to_resolve_for_anyone_but_the_claimer(env):  # noqa: ANN001
    env.says(env.patient(), BOOKING)
    fd, nurse = env.staff["front_desk@a"], env.staff["clinical@a"]
    with Session(env.engine) as s:
        handoff = s.get(Handoff, 1)
        engine_handoffs.claim(s, handoff, fd, env.clock.now())
        with pytest.raises(HandoffStateError, match="claimed"):
            engine_handoffs.resolve(s, handoff, HandoffOutcome.ANSWERED, nurse, env.clock.now())
        with pytest.raises(HandoffStateError, match="claimed"):
            engine_handoffs.claim(s, handoff, nurse, env.clock.now())
        engine_handoffs.resolve(s, handoff, HandoffOutcome.ANSWERED, fd, env.clock.now())


def test_an_unclaimed_handoff_is_anyones_in_the_queue(env, as_user):  # noqa: ANN001
    env.says(env.patient(), BOOKING)
    nurse, csrf = as_user("clinical@a")
    assert nurse.post("/api/handoffs/1/reply", headers={"X-CSRF-Token": csrf}, json=REPLY).json()["sent"] is True
    assert nurse.get("/api/handoffs/1").json()["claimed_by"] == env.staff["clinical@a"]  # replying claimed it
