"""Opt-out is honoured the moment it arrives; one confirmation at most, then silence."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from agent.engine.outbox import enqueue
from agent.engine.touches import send_touch
from agent.store.models import Message, OutboxJob
from agent.types import DeliveryStatus, Direction, Intent, Keyword, MessageKind, OutboxStatus
from tests.engine.helpers import outbound, patient
from tests.replies import reply_text


@pytest.mark.parametrize("text", ["STOP", "stop.", " Stop ", "UNSUBSCRIBE", "please stop texting me",
                                  "remove me from your list", "no more texts pls"])
def test_opt_out_forms_stop_everything(agent, make_patient, db, text):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, text)
    assert result.intents[0].intent == Intent.OPT_OUT
    assert patient(db, pid).opted_out
    assert len(result.sent) == 1
    assert result.sent[0].body == reply_text("opt_out") and "START" in result.sent[0].body  # START: CTIA


def test_one_confirmation_at_most_then_silence(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "STOP")
    for text in ["STOP", "why do you keep texting", "Love it!", "HELP", "My sister Dana wants to come"]:
        result = agent.handle_inbound(pid, text)
        assert result.sent == [] and result.replies == [], text
    assert [m.kind for m in outbound(db, pid)] == [MessageKind.TOUCH, MessageKind.CONFIRMATION]
    assert send_touch(agent, pid, "results_checkin").sent == []


def test_opt_out_cancels_queued_sends(agent, make_patient, db, clock):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    with Session(db) as s:
        touch = s.exec(select(Message).where(Message.patient_id == pid)).first()
        queued = Message(clinic_id=touch.clinic_id, conversation_id=touch.conversation_id, patient_id=pid,
                         direction=Direction.OUTBOUND, kind=MessageKind.TOUCH, body="later", created_at=clock.now())
        enqueue(s, queued, clock.now())
        s.commit()
    agent.handle_inbound(pid, "stop")
    with Session(db) as s:
        later = s.exec(select(Message).where(Message.body == "later")).one()
        job = s.exec(select(OutboxJob).where(OutboxJob.message_id == later.id)).one()
    assert later.delivery_status == DeliveryStatus.CANCELED and job.status == OutboxStatus.CANCELED


def test_start_resubscribes_and_yes_only_counts_when_opted_out(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    yes = agent.handle_inbound(pid, "YES")
    assert yes.keyword is None  # an ordinary yes from a subscribed patient
    agent.handle_inbound(pid, "STOP")
    back = agent.handle_inbound(pid, "START")
    assert back.keyword == Keyword.OPT_IN and not patient(db, pid).opted_out and len(back.sent) == 1
    agent.handle_inbound(pid, "STOP")
    again = agent.handle_inbound(pid, "yes")
    assert again.keyword == Keyword.OPT_IN and not patient(db, pid).opted_out


def test_help_answers_with_the_ctia_text(agent, make_patient):
    pid = make_patient()
    result = agent.handle_inbound(pid, "HELP")
    body = result.sent[0].body
    assert "Glow Aesthetics" in body and "(415) 555-0100" in body and "STOP" in body and "rates may apply" in body


def test_red_flag_after_opt_out_reaches_staff_without_a_text(agent, make_patient, db):
    pid = make_patient()
    agent.handle_inbound(pid, "STOP")
    result = agent.handle_inbound(pid, "my lips are turning white and it really hurts")
    assert result.sent == []
    assert result.handoffs and result.handoffs[0]["priority"] == "urgent"


def test_opt_out_with_a_red_flag_is_honoured_and_still_escalated(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "stop, my lip went white")
    assert patient(db, pid).opted_out
    assert [r.body for r in result.sent] == [reply_text("opt_out")]
    assert result.handoffs and result.handoffs[0]["priority"] == "urgent"
