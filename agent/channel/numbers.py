"""What Twilio's error codes say about a patient's number, and what we stop because of it.

- 21610: the recipient replied STOP to this sender. They are opted out, exactly as if they had told us
  (`apply_opt_out`), but without a confirmation: the carrier already blocked and answered.
- 30005 unknown destination, 30006 landline or unreachable carrier (and at send time 21211 invalid
  number, 21614 not a mobile number): retrying is pointless, so pending sends and scheduled touches stop.
- 30003 unreachable (phone off, out of coverage) and 30007 carrier-filtered are recorded, but outreach
  goes on: both are often transient, and a later delivery clears the state.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, select

from agent.engine.consent import apply_opt_out
from agent.store.models import AuditEvent, Message, OutboxJob, Patient, Touch
from agent.types import DeliveryStatus, OutboxStatus, TouchStatus

OPTED_OUT_CODE = 21610


class NumberState(StrEnum):
    UNREACHABLE = "unreachable"  # 30003
    UNKNOWN_NUMBER = "unknown_number"  # 30005, 21211
    LANDLINE = "landline"  # 30006, 21614
    FILTERED = "filtered"  # 30007


STATE_FOR_CODE = {
    30003: NumberState.UNREACHABLE,
    30005: NumberState.UNKNOWN_NUMBER,
    30006: NumberState.LANDLINE,
    30007: NumberState.FILTERED,
    21211: NumberState.UNKNOWN_NUMBER,
    21614: NumberState.LANDLINE,
}
# Numbers that will never receive a text: nothing more is queued or sent to them.
DEAD = frozenset({NumberState.UNKNOWN_NUMBER, NumberState.LANDLINE})
NUMBER_DEAD_REASON = "number cannot receive texts"


def is_dead(patient: Patient) -> bool:
    return patient.number_state in DEAD


def apply_error_code(session: Session, patient: Patient, code: int | None, now: datetime) -> None:
    """Act on a Twilio error code for a message to this patient (status callback or send response)."""
    if code is None:
        return
    if code == OPTED_OUT_CODE:
        if apply_opt_out(session, patient, None, now, actor="carrier"):
            _audit(session, patient, "patient.carrier_opt_out", now, code=code)
        return
    state = STATE_FOR_CODE.get(code)
    if state is None or patient.number_state == state:
        return
    patient.number_state = state.value
    stopped = stop_outreach(session, patient, now) if state in DEAD else {}
    _audit(session, patient, "patient.number_state", now, code=code, state=state.value, **stopped)


def number_delivered(patient: Patient) -> None:
    """A delivered text proves the number works: forget an earlier carrier state."""
    if patient.number_state is not None:
        patient.number_state = None


def stop_outreach(session: Session, patient: Patient, now: datetime) -> dict:
    touches = session.exec(select(Touch).where(Touch.patient_id == patient.id,
                                               Touch.status == TouchStatus.PENDING)).all()
    for touch in touches:
        touch.status, touch.reason, touch.updated_at = TouchStatus.CANCELLED, NUMBER_DEAD_REASON, now
    sends = session.exec(
        select(OutboxJob, Message).join(Message, Message.id == OutboxJob.message_id)
        .where(Message.patient_id == patient.id, OutboxJob.status == OutboxStatus.PENDING)
    ).all()
    for job, message in sends:
        job.status, job.last_error = OutboxStatus.CANCELED, NUMBER_DEAD_REASON
        message.delivery_status = DeliveryStatus.CANCELED
    return {"cancelled_touches": len(touches), "cancelled_sends": len(sends)}


def _audit(session: Session, patient: Patient, action: str, now: datetime, **data: object) -> None:
    session.add(AuditEvent(clinic_id=patient.clinic_id, actor="carrier", action=action, subject_type="patient",
                           subject_id=patient.id, data=data, created_at=now))
