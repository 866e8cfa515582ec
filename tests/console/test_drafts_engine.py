"""agent/engine/drafts.py: approve, edit, reject held drafts and staff replies, all re-checked by the guards."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from agent.engine import drafts
from agent.engine.consent import apply_opt_out
from agent.engine.drafts import DraftStateError
from agent.engine.handoffs import resolve
from agent.engine.outbox import drain_dry_run
from agent.engine.touches import send_touch
from agent.store.db import session_scope
from agent.store.models import AuditEvent, Conversation, Draft, Handoff, Message, OutboxJob, Patient, Turn
from agent.types import DeliveryStatus, DraftStatus, HandoffOutcome, HandoffStatus, MessageKind, Mode, OutboxStatus

STAFF = 7


@pytest.fixture
def held(agent, make_patient):  # noqa: ANN001, ANN201
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "purple monkey dishwasher")
    return pid


def _draft(session: Session) -> Draft:
    return session.exec(select(Draft)).one()


def test_approve_sends_the_held_text_through_the_outbox_as_staff(agent, db, held, clock):  # noqa: ANN001
    with session_scope(db) as s:
        outcome = drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies)
    assert outcome.sent and not outcome.blocked_by
    with session_scope(db) as s:
        draft = _draft(s)
        message = s.get(Message, outcome.message_id)
        assert draft.status == DraftStatus.APPROVED and draft.decided_by == STAFF
        assert draft.verdicts[-1]["stage"] == "staff_approve" and draft.verdicts[-1]["actor"] == f"staff:{STAFF}"
        assert message.kind == MessageKind.STAFF and message.body == draft.body
        assert message.delivery_status == DeliveryStatus.PENDING
        assert s.exec(select(OutboxJob).where(OutboxJob.message_id == message.id)).one().status == OutboxStatus.PENDING
        turn = s.get(Turn, message.turn_id)
        assert turn.brain == "staff" and turn.verdicts[0]["stage"] == "staff_approve"
        assert drain_dry_run(s, clock.now()) == 2  # the check-in and the approved reply
    with Session(db) as s:
        assert s.get(Message, outcome.message_id).delivery_status == DeliveryStatus.DRY_RUN
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "draft.approved")).one()
        assert event.actor == f"staff:{STAFF}" and event.data["edited"] is False


def test_an_edit_into_phi_is_refused_then_sent_on_an_audited_override(agent, db, held, clock):  # noqa: ANN001
    text = "Hi Maya, how is your Botox settling on the forehead?"
    with session_scope(db) as s:
        refused = drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies, text=text)
    assert not refused.sent and refused.blocked_by == ["phi"] and refused.needs_override
    with session_scope(db) as s:
        assert _draft(s).status == DraftStatus.PENDING
        assert s.exec(select(Message).where(Message.kind == MessageKind.STAFF)).first() is None
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "draft.send_refused")).one()
        assert event.data["policies"] == ["phi"] and set(event.data["phi_categories"]) >= {"product"}
        sent = drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies, text=text,
                              override_phi=True)
    assert sent.sent and sent.overridden == ["phi"]
    with Session(db) as s:
        assert _draft(s).body == text and _draft(s).status == DraftStatus.APPROVED
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "draft.approved")).one()
        assert event.data["edited"] is True and event.data["overridden"] == ["phi"]


def test_opted_out_patients_are_never_texted_override_or_not(agent, db, held, clock):  # noqa: ANN001
    with session_scope(db) as s:
        apply_opt_out(s, s.get(Patient, held), None, clock.now(), actor="patient")
    with session_scope(db) as s:
        outcome = drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies,
                                 override_phi=True)
    assert not outcome.sent and "opted_out" in outcome.blocked_by and not outcome.needs_override
    with Session(db) as s:
        assert s.exec(select(Message).where(Message.kind == MessageKind.STAFF)).first() is None


def test_the_guards_run_again_at_send_time_not_just_when_held(agent, db, make_patient, clock):  # noqa: ANN001
    """A draft held before a thread went quiet for good: the thread is closed by a newer check-in."""
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "purple monkey dishwasher")
    clock.advance(timedelta(days=30))
    send_touch(agent, pid, "results_checkin")  # supersedes (closes) the old conversation
    with session_scope(db) as s, pytest.raises(DraftStateError, match="closed"):
        drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies)


@pytest.mark.parametrize("text, policy", [
    ("Would you leave us a review? And refer a friend while you're at it!", "one_ask"),
    ("x" * 400, "segments"),
])
def test_hard_rules_on_staff_text(agent, db, held, clock, text, policy):  # noqa: ANN001
    with session_scope(db) as s:
        outcome = drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies, text=text,
                                 override_phi=True)
    assert not outcome.sent and policy in outcome.blocked_by and not outcome.needs_override


def test_a_referral_ask_needs_marketing_consent_even_from_staff(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient(marketing_consent=False)
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "purple monkey dishwasher")
    with session_scope(db) as s:
        outcome = drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies,
                                 text="If a friend ever asks where you go, send them our way!")
    assert outcome.blocked_by == ["ask_consent"]


def test_a_held_reply_the_thread_moved_past_needs_a_confirmation_to_go_as_it_is(agent, db, held, clock):  # noqa: ANN001
    """The patient wrote again after the reply was held: one click must not send a second, outdated
    acknowledgement. Confirmed, it goes; an edit is the staff member's own text, for now."""
    agent.handle_inbound(held, "hello?? anyone there")
    with session_scope(db) as s:
        first = s.exec(select(Draft).order_by(Draft.id)).first()
        assert drafts.newer_messages(s, first) >= 1
        with pytest.raises(drafts.StaleDraft, match="newer message"):
            drafts.approve(s, first, staff_id=STAFF, now=clock.now(), policies=agent.policies)
        assert first.status == DraftStatus.PENDING
        sent = drafts.approve(s, first, staff_id=STAFF, now=clock.now(), policies=agent.policies, confirm_stale=True)
        assert sent.sent


def test_an_edit_of_a_stale_held_reply_needs_no_confirmation(agent, db, held, clock):  # noqa: ANN001
    agent.handle_inbound(held, "hello?? anyone there")
    with session_scope(db) as s:
        first = s.exec(select(Draft).order_by(Draft.id)).first()
        assert drafts.approve(s, first, staff_id=STAFF, now=clock.now(), policies=agent.policies,
                              text="Thanks for your patience, Maya. Someone will text you shortly.").sent


def test_reject_and_double_decisions(agent, db, held, clock):  # noqa: ANN001
    with session_scope(db) as s:
        drafts.reject(s, _draft(s), staff_id=STAFF, now=clock.now())
    with session_scope(db) as s:
        assert _draft(s).status == DraftStatus.REJECTED
        with pytest.raises(DraftStateError):
            drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies)
        with pytest.raises(DraftStateError):
            drafts.reject(s, _draft(s), staff_id=STAFF, now=clock.now())
        assert s.exec(select(Message).where(Message.kind == MessageKind.STAFF)).first() is None


def test_staff_reply_in_a_human_owned_thread_and_the_agent_stays_silent(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "my lip went white")
    with session_scope(db) as s:
        handoff = s.exec(select(Handoff)).one()
        outcome = drafts.staff_reply(s, handoff, staff_id=STAFF, text="Maya, a nurse is calling you now.",
                                     now=clock.now(), policies=agent.policies)
        assert outcome.sent
        assert handoff.status == HandoffStatus.CLAIMED and handoff.claimed_by == STAFF  # replying claims it
    result = agent.handle_inbound(pid, "ok thank you")
    assert result.replies == []  # a person owns the thread: the agent says nothing
    with session_scope(db) as s:
        message = s.get(Message, outcome.message_id)
        assert message.kind == MessageKind.STAFF and message.handoff_id == handoff.id
        resolve(s, s.get(Handoff, handoff.id), HandoffOutcome.ANSWERED, STAFF, clock.now())
    with session_scope(db) as s:
        assert s.exec(select(Conversation)).one().mode == Mode.AGENT
        with pytest.raises(DraftStateError, match="resolved"):
            drafts.staff_reply(s, s.exec(select(Handoff)).one(), staff_id=STAFF, text="hi", now=clock.now(),
                               policies=agent.policies)


def test_staff_reply_is_refused_when_the_agent_owns_the_thread(agent, db, make_patient, clock):  # noqa: ANN001
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "my lip went white")
    with session_scope(db) as s:
        s.exec(select(Conversation)).one().mode = Mode.AGENT  # e.g. handed back by another handoff's resolve
    with session_scope(db) as s, pytest.raises(DraftStateError, match="agent owns"):
        drafts.staff_reply(s, s.exec(select(Handoff)).one(), staff_id=STAFF, text="hello", now=clock.now(),
                           policies=agent.policies)


def test_a_staff_referral_ask_counts_toward_the_cooldown_and_ask_timing_only_warns(agent, db, held, clock):  # noqa: ANN001
    text = "Thanks Maya! If a friend ever asks where you go, send them our way."
    with session_scope(db) as s:
        outcome = drafts.approve(s, _draft(s), staff_id=STAFF, now=clock.now(), policies=agent.policies, text=text)
    assert outcome.sent and outcome.warnings == ["ask_timing"]  # no positive reply yet: etiquette, not law
    with Session(db) as s:
        patient = s.get(Patient, held)
        assert "referral" in patient.last_asks
        assert s.get(Message, outcome.message_id).asks == ["referral"]
