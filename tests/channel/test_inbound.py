"""Inbound jobs on the worker side: unknown senders, media, empty bodies, OptOutType, failures, order."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from agent.channel.inbound import InboundSms, InboundWorker, accept
from agent.engine.touches import send_touch
from agent.store.channel_models import InboundJob, InboundOutcome, InboundStatus
from agent.store.models import Handoff, Message, Patient, Touch
from agent.types import DeliveryStatus, Direction, Intent, MessageKind, Queue, TouchStatus
from agent.worker import Worker
from tests.channel.helpers import CLINIC_PHONE, inbound_params, messages, phone_of
from tests.engine.helpers import outbound, patient, rows

STRANGER = "+14155557777"


def receive(agent, sender: str, body: str, **kw) -> str:  # noqa: ANN003
    params = inbound_params(sender, body, **kw)
    sms = InboundSms.from_params(params)
    accept(agent.db, sms, agent.clock.now())
    return sms.message_sid


def job(db, message_sid: str) -> InboundJob:
    with Session(db) as s:
        return s.exec(select(InboundJob).where(InboundJob.message_sid == message_sid)).one()


def by_phone(db, phone: str) -> Patient:
    with Session(db) as s:
        return s.exec(select(Patient).where(Patient.phone == phone)).one()


# ------------------------------------------------------------------ unknown senders


def test_a_stranger_is_recorded_for_the_front_desk_and_gets_no_auto_reply(agent, db, clinic):
    sms = receive(agent, STRANGER, "Hi, how much is lip filler?")
    Worker(agent).step()
    assert job(db, sms).outcome == InboundOutcome.CONTACT
    contact = by_phone(db, STRANGER)
    assert contact.first_name == "" and not contact.sms_consent and not contact.marketing_consent
    [handoff] = rows(db, Handoff)
    assert handoff.queue == Queue.FRONT_DESK and handoff.patient_id == contact.id
    assert [m.body for m in messages(db, direction=Direction.INBOUND)] == ["Hi, how much is lip filler?"]
    assert messages(db, direction=Direction.OUTBOUND) == []
    receive(agent, STRANGER, "hello??")
    Worker(agent).step()
    assert len(rows(db, Handoff)) == 1 and messages(db, direction=Direction.OUTBOUND) == []


@pytest.mark.parametrize(("text", "expect"), [("STOP", "unsubscribed"), ("HELP", "Reply STOP")])
def test_a_stranger_still_gets_stop_and_help_answered(agent, db, clinic, text, expect):
    receive(agent, STRANGER, text)
    Worker(agent).step()
    [reply] = messages(db, direction=Direction.OUTBOUND)
    assert expect in reply.body and reply.kind == MessageKind.CONFIRMATION
    assert reply.delivery_status == DeliveryStatus.DRY_RUN
    assert by_phone(db, STRANGER).opted_out == (text == "STOP")
    assert rows(db, Handoff) == []  # a keyword is not a front-desk item


def test_a_stranger_describing_a_red_flag_still_reaches_the_clinical_team(agent, db, clinic):
    receive(agent, STRANGER, "new number - my lip went white after filler yesterday")
    Worker(agent).step()
    queues = {(h.queue, h.priority.value) for h in rows(db, Handoff)}
    assert (Queue.CLINICAL, "urgent") in queues


# ------------------------------------------------------------------ media


PHOTO = ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg")


def test_a_photo_alone_goes_to_the_clinical_team_and_the_patient_is_told_once(agent, db, make_patient):
    pid = make_patient(first_name="Maya")
    send_touch(agent, pid, "results_checkin")
    first = receive(agent, phone_of(db, pid), "", media=[PHOTO])
    Worker(agent).step()
    assert job(db, first).outcome == InboundOutcome.PHOTO
    [handoff] = rows(db, Handoff)
    assert handoff.queue == Queue.CLINICAL
    replies = outbound(db, pid)[1:]
    assert len(replies) == 1 and "can't view photos" in replies[0].body and "Maya" in replies[0].body
    assert replies[0].delivery_status == DeliveryStatus.DRY_RUN
    receive(agent, phone_of(db, pid), "", media=[PHOTO, PHOTO])
    Worker(agent).step()
    assert len(outbound(db, pid)) == 2  # no second acknowledgement while the team owns the thread
    bodies = [m.body for m in messages(db, direction=Direction.INBOUND)]
    assert bodies == ["[1 attachment not shown]", "[2 attachments not shown]"]


def test_a_photo_with_text_is_a_normal_turn_and_the_record_notes_the_attachment(agent, db, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    receive(agent, phone_of(db, pid), "Loving it!", media=[PHOTO])
    Worker(agent).step()
    [inbound] = messages(db, direction=Direction.INBOUND)
    assert inbound.body == "Loving it! [1 attachment not shown]" and inbound.intent == Intent.POSITIVE.value
    assert len(outbound(db, pid)) == 2 and rows(db, Handoff) == []


def test_an_opted_out_patients_photo_is_recorded_in_silence(agent, db, make_patient):
    pid = make_patient()
    agent.handle_inbound(pid, "STOP")
    receive(agent, phone_of(db, pid), "", media=[PHOTO])
    Worker(agent).step()
    assert [m.kind for m in outbound(db, pid)] == [MessageKind.CONFIRMATION]


def test_an_empty_text_is_ignored(agent, db, make_patient):
    pid = make_patient()
    sms = receive(agent, phone_of(db, pid), "   ")
    Worker(agent).step()
    assert job(db, sms).outcome == InboundOutcome.EMPTY and job(db, sms).status == InboundStatus.DONE
    assert messages(db) == []


def test_a_short_code_sender_is_never_answered(agent, db, clinic):
    sms = receive(agent, "89361", "Your code is 1234")
    Worker(agent).step()
    assert job(db, sms).outcome == InboundOutcome.NOT_A_PHONE and messages(db) == []


# ------------------------------------------------------------------ OptOutType (Advanced Opt-Out)


def test_opt_out_type_routes_a_custom_keyword_into_the_keyword_layer(agent, db, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    receive(agent, phone_of(db, pid), "ARRET", OptOutType="STOP")  # a custom opt-out word set up in Twilio
    Worker(agent).step()
    assert patient(db, pid).opted_out
    [inbound] = messages(db, direction=Direction.INBOUND)
    assert inbound.body == "ARRET" and inbound.intent == Intent.OPT_OUT.value  # the record keeps their words
    confirmation = outbound(db, pid)[-1]
    # Twilio already answered the keyword: ours is cancelled at the sender, so one confirmation in all.
    assert confirmation.kind == MessageKind.CONFIRMATION and confirmation.delivery_status == DeliveryStatus.CANCELED
    with Session(db) as s:
        assert s.exec(select(Touch).where(Touch.patient_id == pid, Touch.status == TouchStatus.PENDING)).all() == []


def test_opt_out_type_help_is_answered_by_twilio_not_twice(agent, db, make_patient):
    pid = make_patient()
    receive(agent, phone_of(db, pid), "HELP", OptOutType="HELP")
    Worker(agent).step()
    [reply] = outbound(db, pid)
    assert reply.delivery_status == DeliveryStatus.CANCELED


def test_yes_tagged_start_from_a_subscribed_patient_is_an_ordinary_yes(agent, db, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    receive(agent, phone_of(db, pid), "YES", OptOutType="START")
    Worker(agent).step()
    [inbound] = messages(db, direction=Direction.INBOUND)
    assert inbound.intent != Intent.OPT_IN.value


def test_start_tagged_by_twilio_resubscribes_an_opted_out_patient(agent, db, make_patient):
    pid = make_patient()
    agent.handle_inbound(pid, "STOP")
    receive(agent, phone_of(db, pid), "UNSTOP", OptOutType="START")
    Worker(agent).step()
    assert not patient(db, pid).opted_out


def test_a_plain_language_revocation_gets_our_one_confirmation(agent, db, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    receive(agent, phone_of(db, pid), "please stop texting me")  # Twilio matches nothing here
    Worker(agent).step()
    assert patient(db, pid).opted_out
    with Session(db) as s:
        assert s.exec(select(Touch).where(Touch.patient_id == pid, Touch.status == TouchStatus.PENDING)).all() == []
    confirmation = outbound(db, pid)[-1]
    assert confirmation.kind == MessageKind.CONFIRMATION and confirmation.delivery_status == DeliveryStatus.DRY_RUN


# ------------------------------------------------------------------ failures, leases, order


def test_a_failing_turn_is_retried_with_backoff_then_given_up_without_blocking_later_texts(agent, db, clock,
                                                                                            make_patient, monkeypatch):
    pid = make_patient()
    phone = phone_of(db, pid)
    calls = []
    real = agent.handle_inbound

    def flaky(patient_id, body, **kwargs):  # noqa: ANN001, ANN003, ANN202 - sid, and the worker's session
        calls.append(body)
        if body == "boom":
            raise RuntimeError("database went away")
        return real(patient_id, body, **kwargs)

    monkeypatch.setattr(agent, "handle_inbound", flaky)
    first = receive(agent, phone, "boom")
    second = receive(agent, phone, "Loving it!")
    worker = InboundWorker(agent, "w1", max_attempts=3)
    worker.drain()
    assert calls == ["boom"]  # the next text of this sender waits for the first
    assert job(db, first).status == InboundStatus.PENDING and job(db, first).last_error == "RuntimeError"
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        worker.drain()
    assert job(db, first).status == InboundStatus.FAILED and job(db, first).body == "boom"  # kept for a person
    assert job(db, second).status == InboundStatus.DONE
    assert calls == ["boom", "boom", "boom", "Loving it!"]


def test_a_job_held_by_a_killed_worker_is_run_again_after_its_lease_and_answered_once(agent, db, clock, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    sms = receive(agent, phone_of(db, pid), "Loving it!")
    dead = InboundWorker(agent, "dead", lease_s=60)
    claimed = dead._claim()  # claimed, then the process died before finishing
    agent.handle_inbound(pid, claimed.body, sid=claimed.message_sid)  # ...maybe even after the turn committed
    live = InboundWorker(agent, "live", lease_s=60)
    assert live.drain() == 0  # the lease still holds
    clock.advance(timedelta(seconds=61))
    assert live.drain() == 1
    assert job(db, sms).status == InboundStatus.DONE and job(db, sms).outcome == InboundOutcome.DUPLICATE
    assert len(outbound(db, pid)) == 2  # the touch and one reply


def test_several_texts_of_one_patient_run_in_arrival_order(agent, db, make_patient):
    pids = [make_patient(), make_patient()]
    sent = []
    for i in range(4):
        for pid in pids:
            text = f"question {i} about parking?"
            receive(agent, phone_of(db, pid), text)
            sent.append((pid, text))
    Worker(agent).step()
    for pid in pids:
        with Session(db) as s:
            bodies = [m.body for m in s.exec(select(Message).where(Message.patient_id == pid,
                                                                   Message.direction == Direction.INBOUND)
                                             .order_by(Message.id))]
        assert bodies == [text for p, text in sent if p == pid]


def test_inbound_sms_parsing_rejects_what_twilio_never_sends():
    good = inbound_params("+14155552001", "hi")
    assert InboundSms.from_params(good).to == CLINIC_PHONE
    assert InboundSms.from_params({**good, "MessageSid": "not-a-sid", "SmsMessageSid": ""}) is None
    assert InboundSms.from_params({**good, "From": ""}) is None
    assert InboundSms.from_params({**good, "NumMedia": "lots"}).num_media == 0
    assert InboundSms.from_params({**good, "OptOutType": "stop"}).opt_out_type == "STOP"
    assert InboundSms.from_params({**good, "OptOutType": "OTHER"}).opt_out_type is None


# ------------------------------------------------------------------ acceptance on both engines

def test_a_new_text_is_queued_and_its_retry_is_a_duplicate_on_either_engine(any_engine, clock):
    """The webhook wakes the worker only for a QUEUED text: on PostgreSQL (psycopg 3 reports rowcount -1
    for INSERT ... ON CONFLICT) every new text used to read as a duplicate."""
    from agent.channel.inbound import Accepted
    from agent.demo import ensure_demo_clinic
    from agent.store.db import session_scope

    with session_scope(any_engine) as session:
        ensure_demo_clinic(session, clock.now())
    sms = InboundSms.from_params(inbound_params(STRANGER, "hi, is this the spa?"))
    assert accept(any_engine, sms, clock.now()) is Accepted.QUEUED
    assert accept(any_engine, sms, clock.now()) is Accepted.DUPLICATE
    with Session(any_engine) as s:
        assert len(s.exec(select(InboundJob).where(InboundJob.message_sid == sms.message_sid)).all()) == 1


def test_a_signed_webhook_on_postgresql_wakes_the_worker_once_per_new_text(pg_engine, clock):
    """Issue 13, item 4, end to end: the real webhook route on PostgreSQL wakes the in-process worker for
    a new text and not for Twilio's retry of it (it used to read every new text as a duplicate)."""
    from agent.demo import ensure_demo_clinic
    from agent.engine.turn import Agent
    from agent.store.db import session_scope
    from tests.channel.helpers import post_signed, webhook_client
    from tests.conftest import _truncate

    _truncate(pg_engine)
    with session_scope(pg_engine) as session:
        ensure_demo_clinic(session, clock.now())
    client = webhook_client(Agent(pg_engine, clock=clock))
    woken: list[int] = []
    client.app.state.wake_worker = lambda: woken.append(1)
    params = inbound_params(STRANGER, "hi, is this the spa?")
    assert post_signed(client, "/webhooks/twilio/sms", params).status_code == 200
    assert woken == [1]
    assert post_signed(client, "/webhooks/twilio/sms", params).status_code == 200  # Twilio's retry
    assert woken == [1]
    with Session(pg_engine) as s:
        assert len(s.exec(select(InboundJob)).all()) == 1
