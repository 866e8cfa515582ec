"""Opt-out and opt-in: honoured the moment they arrive, whoever detects them (keyword layer or a tool)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from agent.store.models import AuditEvent, Conversation, Message, OutboxJob, Patient, Touch
from agent.types import DeliveryStatus, Mode, OutboxStatus, Stage, TouchStatus

OPTED_OUT = "opted out"  # the reason on touches an opt-out cancelled (START brings timely ones back)


def apply_opt_out(session: Session, patient: Patient, conversation: Conversation | None, now: datetime,
                  *, actor: str) -> bool:
    """Stop everything for this patient at once. Returns False when they were already opted out."""
    if patient.opted_out:
        return False
    patient.opted_out = True
    patient.opted_out_at = now
    cancelled = cancel_pending_sends(session, patient, now)
    cancel_pending_touches(session, patient, now)
    for conv in session.exec(select(Conversation).where(Conversation.patient_id == patient.id,
                                                        Conversation.mode != Mode.CLOSED)):
        close_conversation(conv, now)
    if conversation is not None:
        close_conversation(conversation, now)
    session.add(AuditEvent(clinic_id=patient.clinic_id, actor=actor, action="patient.opted_out",
                           subject_type="patient", subject_id=patient.id,
                           data={"cancelled_sends": cancelled}, created_at=now))
    return True


def apply_opt_in(session: Session, patient: Patient, now: datetime, *, actor: str,
                 stale_after_hours: int = 48) -> bool:
    """Re-subscribe; care touches the opt-out cancelled come back if they are still timely."""
    if not patient.opted_out:
        return False
    patient.opted_out = False
    patient.opted_out_at = None
    cutoff = now - timedelta(hours=stale_after_hours)
    for touch in session.exec(select(Touch).where(Touch.patient_id == patient.id,
                                                  Touch.status == TouchStatus.CANCELLED,
                                                  Touch.reason == OPTED_OUT, Touch.due_at >= cutoff)):
        touch.status, touch.reason, touch.updated_at = TouchStatus.PENDING, "", now
    session.add(AuditEvent(clinic_id=patient.clinic_id, actor=actor, action="patient.opted_in",
                           subject_type="patient", subject_id=patient.id, data={}, created_at=now))
    return True


def close_conversation(conversation: Conversation, now: datetime) -> None:
    conversation.mode = Mode.CLOSED
    conversation.stage = Stage.ENDED
    conversation.closed_at = conversation.closed_at or now
    conversation.updated_at = now


def cancel_pending_touches(session: Session, patient: Patient, now: datetime) -> int:
    """Scheduled outreach stops at once, not when each touch falls due."""
    rows = session.exec(select(Touch).where(Touch.patient_id == patient.id, Touch.status == TouchStatus.PENDING)).all()
    for touch in rows:
        touch.status, touch.reason, touch.updated_at = TouchStatus.CANCELLED, OPTED_OUT, now
    return len(rows)


def cancel_pending_sends(session: Session, patient: Patient, now: datetime) -> int:
    """Cancel every queued outbound text to this patient that has not been handed to a sender."""
    rows = session.exec(
        select(OutboxJob, Message).join(Message, Message.id == OutboxJob.message_id)
        .where(Message.patient_id == patient.id, OutboxJob.status == OutboxStatus.PENDING)
    ).all()
    for job, message in rows:
        job.status = OutboxStatus.CANCELED
        message.delivery_status = DeliveryStatus.CANCELED
    return len(rows)
