"""Issue 14, done when: a patient names a friend by text (the engine's own path); another friend signs up
through the patient's code page; the friend's visit arrives by CSV; the referral reaches treated, the
reward becomes due, its webhook fires exactly once, and the funnel counts it once."""
from __future__ import annotations

import json
from datetime import timedelta

import respx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.store.models import Referral
from agent.store.referral_models import Reward
from agent.types import ReferralSource, ReferralStatus, RewardStatus
from agent.worker import Worker
from tests.referrals.conftest import fill_friend_page
from tests.referrals.test_webhooks import HOOK, set_hook, verify


def test_the_referral_loop_closes_end_to_end(env, as_user):
    set_hook(as_user)
    maya = env.patient(first_name="Maya")  # her results check-in went out
    env.says(maya, "Honestly loving it!")  # the agent's reply carries the referral ask
    env.says(maya, "My sister Dana 415-555-0134 keeps asking where I go")
    desk, csrf = as_user("front_desk@a")
    code = desk.post(f"/api/patients/{maya}/referral-code", headers={"X-CSRF-Token": csrf}).json()["code"]
    with TestClient(env.app) as browser:
        assert fill_friend_page(browser, env, code, first_name="Jo", phone="(415) 555-7001").status_code == 303
    with Session(env.engine) as session:
        by_name = {r.name: r for r in session.exec(select(Referral))}
    assert by_name["Dana"].source == ReferralSource.CONVERSATION and by_name["Jo"].source == ReferralSource.FRIEND_PAGE
    assert {r.referrer_id for r in by_name.values()} == {maya}

    env.clock.advance(timedelta(minutes=30))  # the front desk texts Jo back half an hour later
    jo = by_name["Jo"]
    assert desk.patch(f"/api/referrals/{jo.id}", json={"status": "contacted"},
                      headers={"X-CSRF-Token": csrf}).status_code == 200

    csv_text = ("external_id,phone,first_name,visit_type,occurred_at,status\n"
                "pms-201,415-555-7001,Jo,dermal_filler,2026-03-10T09:30,completed\n"
                "pms-202,415.555.0134,Dana,consultation,2026-03-24T10:00,booked\n")
    env.clock.advance(timedelta(days=1))
    for _ in range(2):  # the practice system sends yesterday's export twice: nothing counts twice
        imported = _import(env, csv_text)
        assert imported.errors == []
    with Session(env.engine) as session:
        referrals = {r.name: r for r in session.exec(select(Referral))}
        [reward] = session.exec(select(Reward)).all()
    assert referrals["Jo"].status == ReferralStatus.TREATED
    assert referrals["Dana"].status == ReferralStatus.CONSULT_BOOKED
    assert (reward.referral_id, reward.referrer_id, reward.status) == (jo.id, maya, RewardStatus.DUE)

    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(HOOK).respond(200)
        worker = Worker(env.agent)
        worker.step()
        worker.step()
    events = [verify(call.request) for call in route.calls]
    types = [e["type"] for e in events]
    assert types.count("reward.due") == 1
    assert types.count("referral.created") == 2
    [due] = [e for e in events if e["type"] == "reward.due"]
    assert due["data"] == {"reward_id": reward.id, "referral_id": jo.id, "referrer_patient_id": maya,
                           "status": "due", "credit_cents": 5000}
    jo_moves = [e["data"]["status"] for e in events
                if e["type"] == "referral.status_changed" and e["data"]["referral_id"] == jo.id]
    assert jo_moves == ["contacted", "treated"]
    assert len({e["id"] for e in events}) == len(events)  # every event its own id
    assert not any(word in json.dumps(events) for word in ("Dana", "Jo\"", "555", "filler"))

    desk, csrf = as_user("front_desk@a")  # a day later: a new console session
    funnel = desk.get("/api/funnel").json()
    total = funnel["total"]
    assert (total["asks"], total["introductions"], total["contacted"], total["booked"], total["treated"],
            total["rewarded"], total["flagged"]) == (1, 2, 2, 2, 1, 0, 0)
    assert total["median_minutes_to_contact"] is not None
    by_type = {row["key"]: row for row in desk.get("/api/funnel?by=visit_type").json()["rows"]}
    assert by_type["neuromodulator"]["treated"] == 1 and by_type["neuromodulator"]["introductions"] == 2

    issued = desk.post(f"/api/rewards/{reward.id}/issue", headers={"X-CSRF-Token": csrf}).json()
    assert issued["status"] == "issued"
    assert desk.get("/api/funnel").json()["total"]["rewarded"] == 1


def _import(env, text: str):  # noqa: ANN001, ANN202
    from agent.outreach.csv_import import import_csv_file

    return import_csv_file(env.engine, env.clinics["a"], text.encode(), env.agent.policies, env.clock.now())
