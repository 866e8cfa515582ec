"""The public friend page: a referred friend signs up with first name, phone and consent; bots, forged or
foreign forms, floods and duplicates write nothing; bad input comes back filled in with clear errors."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.referrals import throttle
from agent.referrals.codes import ALPHABET, CODE_LENGTH, normalise_code
from agent.store.models import AuditEvent, Conversation, Handoff, Patient, Referral
from agent.types import HandoffStatus, Mode, Queue, ReferralFlag, ReferralSource, ReferralStatus
from tests.referrals.conftest import fill_friend_page, make_code, patient_by_phone


def _referrals(env) -> list[Referral]:  # noqa: ANN001
    with Session(env.engine) as session:
        return list(session.exec(select(Referral).order_by(Referral.id)))


def test_codes_are_short_unambiguous_and_forgiving_to_type(env):
    maya = env.patient(first_name="Maya", touch=False)
    code = make_code(env, maya)
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert not set("0O1IL2Z5S8BUV") & set(ALPHABET)
    assert make_code(env, maya) == code  # created once, on demand
    spaced = f"{code[:3].lower()} - {code[3:].lower()}"
    assert normalise_code(spaced) == code
    assert normalise_code("AB0DE1") is None and normalise_code(code + "A") is None and normalise_code("") is None


def test_a_friend_signs_up_and_the_front_desk_gets_a_handoff(env):
    maya = env.patient(first_name="Maya", touch=False)
    code = make_code(env, maya)
    with TestClient(env.app) as c:
        page = c.get(f"/r/{code.lower()}")
        assert page.status_code == 200
        assert "Glow Aesthetics" in page.text and "Maya" not in page.text  # clinic only: nothing about the referrer
        assert "$25 off your first visit" in page.text  # the friend offer from policies/rewards.yaml
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        response = fill_friend_page(c, env, code, first_name="  Jo ", phone="(415) 555-7001")
        assert response.status_code == 303 and response.headers["location"] == f"/r/{code}/thanks"
        assert "will text you soon" in c.get(response.headers["location"]).text
    [referral] = _referrals(env)
    assert (referral.referrer_id, referral.name, referral.phone) == (maya, "Jo", "+14155557001")
    assert referral.status == ReferralStatus.NEW and referral.source == ReferralSource.FRIEND_PAGE
    assert referral.flag is None
    friend = patient_by_phone(env, "+14155557001")
    assert friend.sms_consent and not friend.marketing_consent and referral.friend_patient_id == friend.id
    with Session(env.engine) as session:
        handoff = session.get(Handoff, referral.handoff_id)
        assert (handoff.queue, handoff.status, handoff.patient_id) == (Queue.FRONT_DESK, HandoffStatus.OPEN, friend.id)
        assert session.get(Conversation, referral.conversation_id).mode == Mode.HUMAN
        # The referrer's own thread is not taken over by a friend's form.
        assert not session.exec(select(Conversation).where(Conversation.patient_id == maya,
                                                           Conversation.mode == Mode.HUMAN)).first()
    recorded = env.audit("referral.recorded")
    assert recorded[-1].actor == "friend_page" and recorded[-1].data == {"source": "friend_page", "has_phone": True}


def test_the_same_phone_is_never_a_second_referral(env):
    maya, lena = env.patient(first_name="Maya", touch=False), env.patient(first_name="Lena", touch=False)
    with TestClient(env.app) as c:
        assert fill_friend_page(c, env, make_code(env, maya), phone="415-555-7001").status_code == 303
        # Another spelling of the number, through another referrer's page: still the first referral only.
        again = fill_friend_page(c, env, make_code(env, lena), first_name="Joanna", phone="+1 (415) 555 7001")
        assert again.status_code == 303  # the page does not tell a known number apart
    assert [(r.referrer_id, r.name) for r in _referrals(env)] == [(maya, "Jo")]


def test_bad_input_comes_back_filled_in_with_a_message_per_field(env):
    code = make_code(env, env.patient(touch=False))
    with TestClient(env.app) as c:
        response = fill_friend_page(c, env, code, first_name="Jo", phone="12", sms_consent="")
        assert response.status_code == 422
        assert 'value="Jo"' in response.text and 'value="12"' in response.text  # nothing typed is lost
        assert "does not look like a mobile number" in response.text
        assert "tick the box" in response.text
        empty = fill_friend_page(c, env, code, first_name="", phone="(415) 555-7002")
        assert empty.status_code == 422 and "Please enter your first name." in empty.text
        assert 'value="(415) 555-7002"' in empty.text
        digits = fill_friend_page(c, env, code, first_name="J0hn", phone="(415) 555-7002")
        assert digits.status_code == 422 and "a name is letters" in digits.text
    assert _referrals(env) == []


def test_bots_forged_and_hasty_forms_write_nothing(env):
    maya = env.patient(touch=False)
    code, other = make_code(env, maya), make_code(env, env.patient(first_name="Lena", touch=False))
    with TestClient(env.app) as c:
        trapped = fill_friend_page(c, env, code, website="https://spam.example")
        assert trapped.status_code == 303  # a bot sees thanks ...
        hasty = fill_friend_page(c, env, code, wait_s=1)
        assert hasty.status_code == 400 and "That was quick" in hasty.text and 'value="Jo"' in hasty.text
        forged = fill_friend_page(c, env, code, stamp="1700000000.deadbeef")
        assert forged.status_code == 400 and "could not be checked" in forged.text
        # A stamp minted for another code is not this form's.
        other_stamp = re.search(r'name="stamp" value="([^"]+)"', c.get(f"/r/{other}").text).group(1)
        assert fill_friend_page(c, env, code, stamp=other_stamp).status_code == 400
        stale = fill_friend_page(c, env, code, wait_s=3 * 3600)
        assert stale.status_code == 400 and "open for a while" in stale.text
    assert _referrals(env) == []  # ... and nothing is written


def test_a_form_posted_from_another_site_is_refused(env):
    code = make_code(env, env.patient(touch=False))
    with TestClient(env.app) as c:
        response = fill_friend_page(c, env, code, headers={"origin": "https://evil.example"})
        assert response.status_code == 403
        same = fill_friend_page(c, env, code, headers={"origin": "http://testserver"})
        assert same.status_code == 303
    assert len(_referrals(env)) == 1


def test_sign_ups_are_limited_per_address_and_per_code(env, monkeypatch):
    code = make_code(env, env.patient(touch=False))
    with TestClient(env.app) as c:
        for n in range(throttle.PER_ADDRESS):
            assert fill_friend_page(c, env, code, phone=f"(415) 555-71{n:02d}").status_code == 303
        limited = fill_friend_page(c, env, code, phone="(415) 555-7199")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"
        assert 'value="(415) 555-7199"' in limited.text
        env.clock.advance(throttle.WINDOW)
        assert fill_friend_page(c, env, code, phone="(415) 555-7198").status_code == 303
    assert len(_referrals(env)) == throttle.PER_ADDRESS + 1

    monkeypatch.setattr(throttle, "PER_ADDRESS", 1000)
    monkeypatch.setattr(throttle, "PER_CODE", 2)
    env.clock.advance(throttle.WINDOW)
    busy, quiet = make_code(env, env.patient(first_name="Lena", touch=False)), make_code(env, env.patient(touch=False))
    with TestClient(env.app) as c:
        assert fill_friend_page(c, env, busy, phone="(415) 555-7201").status_code == 303
        assert fill_friend_page(c, env, busy, phone="(415) 555-7202").status_code == 303
        assert fill_friend_page(c, env, busy, phone="(415) 555-7203").status_code == 429
        assert fill_friend_page(c, env, quiet, phone="(415) 555-7204").status_code == 303  # per code


def test_self_referral_and_an_existing_patient_are_flagged_at_sign_up(env):
    maya = env.patient(first_name="Maya", touch=False)
    lena = env.patient(first_name="Lena", touch=False)
    code = make_code(env, maya)
    with Session(env.engine) as session:
        maya_phone, lena_phone = session.get(Patient, maya).phone, session.get(Patient, lena).phone
    with TestClient(env.app) as c:
        assert fill_friend_page(c, env, code, first_name="Maya", phone=maya_phone).status_code == 303
        assert fill_friend_page(c, env, code, first_name="Lena", phone=lena_phone).status_code == 303
    flags = [(r.name, r.flag) for r in _referrals(env)]
    assert flags == [("Maya", ReferralFlag.SELF_REFERRAL), ("Lena", ReferralFlag.ALREADY_PATIENT)]
    assert [e.data["flag"] for e in env.audit("referral.flagged")] == ["self_referral", "already_patient"]
    with Session(env.engine) as session:  # no duplicate patient rows for people the clinic knows
        assert len(session.exec(select(Patient).where(Patient.phone.in_([maya_phone, lena_phone]))).all()) == 2


def test_an_unknown_code_shows_nothing_about_any_clinic(env):
    env.patient(touch=False)
    with TestClient(env.app) as c:
        for method in (c.get, c.post):
            response = method("/r/AAAAAA")
            assert response.status_code == 404 and "Glow" not in response.text
    assert not env.audit("referral.recorded")


def test_the_front_desk_takes_the_sign_up_from_the_inbox_and_texts_the_friend(env, as_user):
    code = make_code(env, env.patient(first_name="Maya", touch=False))
    with TestClient(env.app) as c:
        fill_friend_page(c, env, code, first_name="Jo", phone="(415) 555-7001")
    [referral] = _referrals(env)
    desk, csrf = as_user("front_desk@a")
    inbox = desk.get("/console/inbox")
    assert inbox.status_code == 200 and "Jo" in inbox.text
    assert desk.get(f"/console/handoffs/{referral.handoff_id}").status_code == 200
    assert desk.post(f"/api/handoffs/{referral.handoff_id}/claim", headers={"X-CSRF-Token": csrf}).status_code == 200
    sent = desk.post(f"/api/handoffs/{referral.handoff_id}/reply", headers={"X-CSRF-Token": csrf},
                     json={"body": "Hi Jo, it's Glow Aesthetics! When would suit you for a first visit?"})
    assert sent.status_code == 200, sent.text
    conversation = desk.get(f"/api/conversations/{referral.conversation_id}").json()
    assert [m["kind"] for m in conversation["messages"]] == ["staff"]
