"""Attribution and rewards: a visit arriving by API or CSV advances the open referral it belongs to (phone
first, then referrer code + first name), flags self-referrals and people who were already patients, and
makes the referrer's reward due at the policy's milestone, within the yearly cap; staff issue it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.outreach.csv_import import import_csv
from agent.outreach.profiles import load_profile
from agent.policy.schema import RewardPolicy
from agent.referrals.rewards import reward_if_due
from agent.store.db import session_scope
from agent.store.models import Clinic, Patient, Referral, Touch, Visit
from agent.store.referral_models import Reward
from agent.types import ReferralFlag, ReferralStatus, RewardStatus
from tests.referrals.conftest import fill_friend_page, make_code

FRIEND = "+14155557001"


def visit(external_id: str, phone: str = "(415) 555-7001", first_name: str = "Jo", **extra: object) -> dict:
    return {"external_id": external_id, "visit_type": "consultation", "occurred_at": "2026-03-10T09:00:00",
            "treatment": "Botox consult", "patient": {"phone": phone, "first_name": first_name}, **extra}


def referral_of(env, name: str) -> Referral:  # noqa: ANN001
    with Session(env.engine) as session:
        return session.exec(select(Referral).where(Referral.name == name)).one()


def rewards(env) -> list[Reward]:  # noqa: ANN001
    with Session(env.engine) as session:
        return list(session.exec(select(Reward).order_by(Reward.id)))


def named_by_text(env, referrer: int, name: str, phone: str | None) -> None:  # noqa: ANN001
    """The engine's own path: a clearly positive reply, then the patient names someone."""
    env.says(referrer, "Honestly loving it!")
    env.says(referrer, f"My sister {name} {phone} keeps asking where I go" if phone else
             f"My sister {name} keeps asking where I go")


def test_a_booking_then_a_completed_visit_move_a_friend_to_treated_and_the_reward_falls_due(env):
    maya = env.patient(first_name="Maya")
    code = make_code(env, maya)
    with TestClient(env.app) as c:
        assert fill_friend_page(c, env, code).status_code == 303
        key = {"X-API-Key": env.keys["a"]}
        booked = c.post("/api/visits", json=visit("pms-1", status="booked"), headers=key)
        assert booked.status_code == 202
        assert booked.json()["referral_status"] == "consult_booked"
        assert rewards(env) == []  # the shipped milestone is treated
        done = c.post("/api/visits", json=visit("pms-1"), headers=key)
        assert done.status_code == 201 and done.json()["referral_status"] == "treated"
        assert c.post("/api/visits", json=visit("pms-1"), headers=key).status_code == 200  # resent: nothing new
        late = c.post("/api/visits", json=visit("pms-0", status="booked"), headers=key)
        assert late.json()["referral_status"] is None  # a treated referral is no longer open: never moved back
    jo = referral_of(env, "Jo")
    assert jo.status == ReferralStatus.TREATED
    [reward] = rewards(env)
    assert (reward.referral_id, reward.referrer_id, reward.status) == (jo.id, maya, RewardStatus.DUE)
    assert (reward.description, reward.credit_cents) == ("$50 credit toward your next visit", 5000)
    moves = [(e.actor, e.data) for e in env.audit("referral.status_changed")]
    assert moves == [("system", {"from": "new", "to": "consult_booked"}),
                     ("system", {"from": "consult_booked", "to": "treated"})]
    assert [e.data for e in env.audit("referral.attributed")] == [
        {"matched_by": "phone", "visit": "booked"}, {"matched_by": "phone", "visit": "completed"}]
    assert len(env.audit("reward.due")) == 1
    with Session(env.engine) as session:
        assert len(session.exec(select(Visit)).all()) == 2  # the referrer's visit and the friend's completed one
        assert not any("Botox" in str(e.data) for e in env.audit())  # no treatment in the audit trail


def test_a_name_given_by_text_is_matched_by_referrer_code_and_first_name(env):
    maya = env.patient(first_name="Maya")
    named_by_text(env, maya, "Kim", None)
    assert referral_of(env, "Kim").phone is None
    code = make_code(env, maya)
    with session_scope(env.engine) as session:
        clinic = session.get(Clinic, env.clinics["a"])
        profile, services = load_profile()
        text = ("external_id,phone,first_name,visit_type,occurred_at,referral_code,status\n"
                f"pms-7,(415) 555-7009,Kimberly,consultation,2026-03-10T09:00,{code},booked\n"  # another first name
                f"pms-8,(415) 555-7008,kim,consultation,2026-03-10T09:00,{code.lower()},booked\n")
        report = import_csv(session, clinic, text, env.agent.policies, env.clock.now(), profile, services)
    assert (report.bookings, report.referrals_matched, report.created) == (2, 1, 0)
    kim = referral_of(env, "Kim")
    assert (kim.status, kim.phone) == (ReferralStatus.CONSULT_BOOKED, "+14155557008")  # the phone is learned
    assert env.audit("referral.attributed")[-1].data == {"matched_by": "code", "visit": "booked"}


def test_a_self_referral_is_flagged_and_never_moves_or_earns(env):
    maya = env.patient(first_name="Maya")
    with Session(env.engine) as session:
        own = session.get(Patient, maya).phone
    named_by_text(env, maya, "Dana", f"({own[2:5]}) {own[5:8]}-{own[8:]}")
    assert referral_of(env, "Dana").phone == own
    with TestClient(env.app) as c:
        response = c.post("/api/visits", json=visit("pms-2", phone=own, first_name="Maya"),
                          headers={"X-API-Key": env.keys["a"]})
    assert response.status_code == 201
    dana = referral_of(env, "Dana")
    assert (dana.flag, dana.status) == (ReferralFlag.SELF_REFERRAL, ReferralStatus.NEW)
    assert rewards(env) == [] and env.audit("referral.flagged")[-1].data["flag"] == "self_referral"


def test_a_friend_who_was_already_a_patient_is_flagged(env):
    maya, lena = env.patient(first_name="Maya"), env.patient(first_name="Lena", touch=False)
    with Session(env.engine) as session:
        lena_phone = session.get(Patient, lena).phone
    env.clock.advance(timedelta(minutes=5))  # the introduction comes after Lena's record
    named_by_text(env, maya, "Lena", lena_phone)
    with TestClient(env.app) as c:
        c.post("/api/visits", json=visit("pms-3", phone=lena_phone, first_name="Lena"),
               headers={"X-API-Key": env.keys["a"]})
    lena_ref = referral_of(env, "Lena")
    assert (lena_ref.flag, lena_ref.status, lena_ref.friend_patient_id) == (ReferralFlag.ALREADY_PATIENT,
                                                                           ReferralStatus.NEW, lena)
    assert rewards(env) == []


def test_the_policy_milestone_and_yearly_cap_decide_rewards(env):
    maya = env.patient(first_name="Maya")
    code = make_code(env, maya)
    with TestClient(env.app) as c:
        for n in range(3):
            assert fill_friend_page(c, env, code, phone=f"(415) 555-73{n:02d}").status_code == 303
    booked_policy = RewardPolicy.model_validate({**env.agent.policies.rewards.model_dump(mode="json"),
                                                 "milestone": "consult_booked", "cap_per_referrer_per_year": 2})
    with session_scope(env.engine) as session:
        referrals = session.exec(select(Referral).order_by(Referral.id)).all()
        for referral in referrals:
            referral.status = ReferralStatus.CONSULT_BOOKED
            reward_if_due(session, referral, booked_policy, env.clock.now(), "test")
    assert [w.referral_id for w in rewards(env)] == [r.id for r in referrals[:2]]  # the third is over the cap
    assert env.audit("reward.capped")[-1].data == {"cap": 2}
    env.clock.advance(timedelta(days=366))  # a year on, the cap has room again
    with session_scope(env.engine) as session:
        reward_if_due(session, session.get(Referral, referrals[2].id), booked_policy, env.clock.now(), "test")
    assert len(rewards(env)) == 3


def test_staff_mark_a_reward_issued_once_audited_and_only_in_their_clinic(env, as_user):
    maya = env.patient(first_name="Maya")
    code = make_code(env, maya)
    with TestClient(env.app) as c:
        fill_friend_page(c, env, code)
        c.post("/api/visits", json=visit("pms-4"), headers={"X-API-Key": env.keys["a"]})
    [reward] = rewards(env)
    other, other_csrf = as_user("front_desk@b")
    assert other.post(f"/api/rewards/{reward.id}/issue", headers={"X-CSRF-Token": other_csrf}).status_code == 404
    nurse, nurse_csrf = as_user("clinical@a")
    assert nurse.post(f"/api/rewards/{reward.id}/issue", headers={"X-CSRF-Token": nurse_csrf}).status_code == 403
    desk, csrf = as_user("front_desk@a")
    assert [r["status"] for r in desk.get("/api/rewards").json()] == ["due"]
    issued = desk.post(f"/api/rewards/{reward.id}/issue", headers={"X-CSRF-Token": csrf})
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    assert desk.post(f"/api/rewards/{reward.id}/issue", headers={"X-CSRF-Token": csrf}).json()["status"] == "issued"
    assert referral_of(env, "Jo").status == ReferralStatus.REWARD_ISSUED
    [event] = env.audit("reward.issued")
    assert event.actor == f"staff:{env.staff['front_desk@a']}"
    listed = desk.get("/api/referrals").json()
    assert listed[0]["reward_status"] == "issued" and listed[0]["source"] == "friend_page"


def test_staff_moving_a_referral_to_treated_makes_the_reward_due_in_the_console(env, as_user):
    maya = env.patient(first_name="Maya")
    named_by_text(env, maya, "Dana", "415-555-0134")
    desk, csrf = as_user("front_desk@a")
    dana = referral_of(env, "Dana")
    moved = desk.post(f"/console/referrals/{dana.id}/status", data={"status": "treated", "csrf_token": csrf},
                      follow_redirects=False)
    assert moved.status_code == 303
    [reward] = rewards(env)
    page = desk.get("/console/referrals").text
    assert f'data-reward="{reward.id}"' in page and "Mark issued" in page
    issued = desk.post(f"/console/rewards/{reward.id}/issue?back=/console/referrals",
                       data={"csrf_token": csrf}, follow_redirects=False)
    assert issued.status_code == 303 and "done=reward" in issued.headers["location"]
    assert rewards(env)[0].status == RewardStatus.ISSUED


def test_staff_make_a_referral_code_from_the_patient_page_or_the_api(env, as_user):
    maya = env.patient(first_name="Maya", touch=False)
    desk, csrf = as_user("front_desk@a")
    made = desk.post(f"/console/patients/{maya}/referral-code", data={"csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303
    page = desk.get(f"/console/patients/{maya}").text
    via_api = desk.post(f"/api/patients/{maya}/referral-code", headers={"X-CSRF-Token": csrf}).json()
    assert f'data-referral-code="{via_api["code"]}"' in page and via_api["path"] == f"/r/{via_api['code']}"
    assert len(env.audit("referral_code.created")) == 1  # the second request returned the same code
    nurse, nurse_csrf = as_user("clinical@a")
    assert nurse.post(f"/api/patients/{maya}/referral-code", headers={"X-CSRF-Token": nurse_csrf}).status_code == 403
    other, other_csrf = as_user("front_desk@b")
    assert other.post(f"/api/patients/{maya}/referral-code", headers={"X-CSRF-Token": other_csrf}).status_code == 404


def test_practice_system_bookings_are_read_by_status_and_record_no_visit(env):
    maya = env.patient(first_name="Maya")
    named_by_text(env, maya, "Dana", "415-555-0134")
    profile, services = load_profile("zenoti")
    text = ("Appointment Id,Guest Mobile,Guest First Name,Service Name,Appointment Date,Start Time,Status\n"
            "z-1,(415) 555-0134,Dana,Botox consultation,03/12/2026,10:00 AM,Confirmed\n"
            "z-2,(415) 555-0199,Ana,Hydrafacial,03/12/2026,11:00 AM,Cancelled\n")
    with session_scope(env.engine) as session:
        report = import_csv(session, session.get(Clinic, env.clinics["a"]), text, env.agent.policies,
                            env.clock.now(), profile, services)
    assert (report.created, report.bookings, report.skipped, report.referrals_matched) == (0, 1, 1, 1)
    assert referral_of(env, "Dana").status == ReferralStatus.CONSULT_BOOKED
    with Session(env.engine) as session:
        assert session.exec(select(Patient).where(Patient.phone == "+14155550134")).first() is None
        assert session.exec(select(Touch).where(Touch.visit_id.is_(None))).first() is None


@pytest.mark.parametrize("change, field", [({"milestone": "booked"}, "milestone"),
                                           ({"cap_per_referrer_per_year": -1}, "cap_per_referrer_per_year"),
                                           ({"bonus": 1}, "bonus")])
def test_a_bad_rewards_policy_is_refused_at_load(tmp_path, change, field):
    import shutil

    import yaml

    from agent.paths import POLICY_DIR, PROMPT_DIR
    from agent.policy import PolicyError, load_policies

    target = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, target)
    data = yaml.safe_load((target / "rewards.yaml").read_text())
    data.update(change)
    (target / "rewards.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(PolicyError, match=field):
        load_policies(target, PROMPT_DIR)
