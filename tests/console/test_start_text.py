"""agent/staff/start_text.py: staff text a patient first, through the guards, and the thread becomes theirs."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from agent.clock import FixedClock
from agent.engine.touches import send_touch
from agent.staff.actor import Actor, Conflict, Forbidden
from agent.staff.roles import StaffRole
from agent.staff.start_text import StartRefused, start_text
from agent.store.db import session_scope
from agent.store.models import AuditEvent, Clinic, Conversation, Handoff, Message, OutboxJob, Patient
from agent.types import HandoffStatus, MessageKind, Mode, OutboxStatus, Priority, Queue

FRONT_DESK, NURSE = 7, 8
HELLO = "Hi Maya, this is Glow Aesthetics. We have a cancellation on Friday if you would like it."


def actor(db, role: StaffRole = StaffRole.FRONT_DESK, staff_id: int = FRONT_DESK) -> Actor:  # noqa: ANN001
    with Session(db) as s:
        clinic_id = s.exec(select(Clinic.id)).first()
    return Actor(clinic_id=clinic_id, staff_id=staff_id, role=role, name="Fran", via="session")


def start(db, agent, clock, pid, text=HELLO, who=None, **kw):  # noqa: ANN001, ANN201
    """As the console does: commit whatever happened, a refusal's audit event included."""
    with Session(db) as s:
        try:
            return start_text(s, who or actor(db), pid, text, clock.now(), agent.policies, **kw)
        finally:
            s.commit()


def actions(db) -> list[str]:  # noqa: ANN001
    with Session(db) as s:
        return [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.actor.startswith("staff:"))
                                         .order_by(AuditEvent.id))]


def nothing_sent(db) -> bool:  # noqa: ANN001
    with Session(db) as s:
        return (s.exec(select(Message).where(Message.kind == MessageKind.STAFF)).first() is None
                and s.exec(select(Handoff)).first() is None)


def test_a_patient_never_texted_gets_a_thread_owned_by_the_sender_and_the_agent_stays_silent(agent, db, make_patient, clock):  # noqa: ANN001, E501
    pid = make_patient()
    started = start(db, agent, clock, pid)
    assert started.outcome.sent and started.handoff_id is not None
    with Session(db) as s:
        conversation = s.exec(select(Conversation)).one()
        handoff = s.get(Handoff, started.handoff_id)
        message = s.get(Message, started.outcome.message_id)
        assert conversation.mode == Mode.HUMAN and conversation.visit_id is not None
        assert (handoff.queue, handoff.priority, handoff.status, handoff.claimed_by) == (
            Queue.FRONT_DESK, Priority.NORMAL, HandoffStatus.CLAIMED, FRONT_DESK)
        assert handoff.context["treatment"] == "Botox forehead"  # staff see the visit when they pick it up
        assert message.kind == MessageKind.STAFF and message.handoff_id == handoff.id and message.body == HELLO
        assert s.exec(select(OutboxJob).where(OutboxJob.message_id == message.id)).one().status == OutboxStatus.PENDING
    assert actions(db) == ["handoff.opened", "handoff.claimed", "handoff.replied", "staff_text.started"]
    assert agent.handle_inbound(pid, "oh yes please, what time?").replies == []  # a person has the thread


def test_an_open_agent_thread_is_taken_over_not_duplicated(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    started = start(db, agent, clock, pid)
    with Session(db) as s:
        conversation = s.exec(select(Conversation)).one()  # the check-in's thread, not a second one
        assert conversation.mode == Mode.HUMAN
        assert s.get(Message, started.outcome.message_id).conversation_id == conversation.id


@pytest.mark.parametrize("state, says", [("opted_out", "opted out of texts"), ("wrong_number", "not the patient's"),
                                         ("sms_consent", "not consented")])
def test_no_first_text_without_consent_and_the_reason_is_plain(agent, db, make_patient, clock, state, says):  # noqa: ANN001
    pid = make_patient()
    with session_scope(db) as s:
        patient = s.get(Patient, pid)
        setattr(patient, state, state != "sms_consent")
    with pytest.raises(StartRefused, match=says):
        start(db, agent, clock, pid)
    assert nothing_sent(db)
    with Session(db) as s:
        refused = s.exec(select(AuditEvent).where(AuditEvent.action == "staff_text.refused")).all()
    assert [e.data for e in refused] == [{"reason": "opted_out" if state == "opted_out" else
                                          "wrong_number" if state == "wrong_number" else "no_consent"}]


def test_quiet_hours_hold_a_first_text_as_they_hold_a_touch(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient()
    night = FixedClock(clock.now() + timedelta(hours=11))  # 21:00 in Los Angeles
    with pytest.raises(StartRefused, match=r"Quiet hours at the clinic \(20:00 to 09:00\).*from 09:00"):
        start(db, agent, night, pid)
    assert nothing_sent(db)


def test_phi_is_refused_leaving_nothing_behind_and_only_clinical_roles_override(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient()
    text = "Hi Maya, how is your Botox settling on the forehead?"
    refused = start(db, agent, clock, pid, text)
    assert not refused.outcome.sent and refused.outcome.blocked_by == ["phi"] and refused.handoff_id is None
    assert nothing_sent(db)
    with Session(db) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "staff_text.refused")).one()
        assert event.data["policies"] == ["phi"] and event.data["phi_categories"]  # categories, never the words
        assert "Botox" not in str(event.data) and "forehead" not in str(event.data)
    with Session(db) as s:
        assert s.exec(select(Conversation)).first() is None  # a refused text opens no empty thread
    with pytest.raises(Forbidden):
        start(db, agent, clock, pid, text, override_phi=True)
    nurse = actor(db, StaffRole.CLINICAL, NURSE)
    assert start(db, agent, clock, pid, text, who=nurse, override_phi=True).outcome.sent


def test_the_segment_budget_and_one_ask_hold_for_a_first_text_too(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient()
    assert start(db, agent, clock, pid, "We miss you! " * 40).outcome.blocked_by == ["segments"]
    stacked = "Would you leave us a review at https://g.page/glow and refer a friend to us?"
    assert "one_ask" in start(db, agent, clock, pid, stacked).outcome.blocked_by
    assert nothing_sent(db)


def test_a_colleagues_patient_is_not_texted_around_them(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "my lip went white and it hurts")  # an urgent clinical handoff, unclaimed
    with pytest.raises(Conflict, match="open clinical handoff"):
        start(db, agent, clock, pid)  # front desk does not text a patient with an unanswered red flag
    nurse = actor(db, StaffRole.CLINICAL, NURSE)
    started = start(db, agent, clock, pid, "Maya, a nurse is calling you now.", who=nurse)
    with Session(db) as s:
        handoff = s.exec(select(Handoff)).one()  # the nurse answers in the red flag's handoff, no second one
        assert started.handoff_id == handoff.id and handoff.claimed_by == NURSE
    with pytest.raises(Conflict, match="a colleague has claimed"):
        start(db, agent, clock, pid, who=actor(db, StaffRole.CLINICAL, NURSE + 1))
