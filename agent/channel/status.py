"""Delivery status callbacks: out-of-order safe, and error codes acted on.

Twilio does not promise callback order ("delivered" can arrive before "sent") and may repeat one. A
status is applied only if it is further along than the stored one, in one conditional UPDATE, so two
callbacks racing in two API processes cannot move a message backwards either.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.channel.numbers import apply_error_code, number_delivered
from agent.ids import parse_code, parse_id
from agent.store.models import AuditEvent, Message, OutboxJob, Patient
from agent.types import DeliveryStatus, Direction, OutboxStatus

log = logging.getLogger("afterglow.channel.status")

S = DeliveryStatus
# How far along a message is. Terminal statuses share a rank: the first one to arrive stays.
RANK: dict[DeliveryStatus, int] = {
    S.PENDING: 0, S.UNKNOWN: 0, S.DRY_RUN: 0,
    S.ACCEPTED: 1, S.SCHEDULED: 1,
    S.QUEUED: 2,
    S.SENDING: 3,
    S.SENT: 4,
    S.DELIVERED: 5, S.UNDELIVERED: 5, S.FAILED: 5, S.CANCELED: 5,
    S.READ: 6,
}
ERROR_STATUSES = frozenset({S.FAILED, S.UNDELIVERED})
SETTLED_BY_PROOF = (OutboxStatus.PENDING, OutboxStatus.UNKNOWN, OutboxStatus.RECONCILING)


def behind(status: DeliveryStatus) -> list[DeliveryStatus]:
    """Statuses a message may move forward from to reach `status`."""
    return [s for s, rank in RANK.items() if rank < RANK[status]]


def moves_forward(current: DeliveryStatus | None, new: DeliveryStatus) -> bool:
    return new in RANK and (current is None or RANK.get(current, 99) < RANK[new])


class StatusResult(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # older than what we know, or a repeat
    UNKNOWN_MESSAGE = "unknown_message"
    IGNORED = "ignored"  # not a status we track


@dataclass(frozen=True)
class StatusUpdate:
    message_sid: str
    status: DeliveryStatus | None
    error_code: int | None
    message_id: int | None = None  # our id, from the ?m= we put on the callback URL

    @classmethod
    def from_params(cls, params: dict[str, str], query: dict[str, str]) -> StatusUpdate | None:
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid:
            return None
        try:
            status = DeliveryStatus(params.get("MessageStatus") or params.get("SmsStatus") or "")
        except ValueError:
            status = None
        # Bounded: an ErrorCode or ?m= no integer column holds is dropped, never a 500 that Twilio retries.
        return cls(sid, status, parse_code(params.get("ErrorCode")), parse_id(query.get("m")))


def apply_status(session: Session, update: StatusUpdate, now: datetime) -> StatusResult:
    message = _find(session, update)
    if message is None:
        return StatusResult.UNKNOWN_MESSAGE
    if update.status is None or update.status not in RANK:
        return StatusResult.IGNORED
    if message.twilio_sid is None:
        # The send's answer was lost (timeout, killed worker) but Twilio tells us the SID: settled by proof.
        message.twilio_sid = update.message_sid
        session.flush()
        session.execute(sa.update(OutboxJob).where(OutboxJob.message_id == message.id,
                                                   OutboxJob.status.in_(SETTLED_BY_PROOF))
                        .values(status=OutboxStatus.DONE, last_error=None)
                        .execution_options(synchronize_session=False))
    elif message.twilio_sid != update.message_sid:
        # Two Twilio messages for one of ours: a resend after a reconciliation miss. Record it loudly.
        session.add(AuditEvent(clinic_id=message.clinic_id, actor="carrier", action="message.second_sid",
                               subject_type="message", subject_id=message.id, data={}, created_at=now))
        log.warning("message %s has a second Twilio SID: sent twice", message.id)
        return StatusResult.STALE
    moved = session.execute(
        sa.update(Message)
        .where(Message.id == message.id,
               sa.or_(Message.delivery_status.is_(None), Message.delivery_status.in_(behind(update.status))))
        .values(delivery_status=update.status, error_code=update.error_code)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return StatusResult.STALE
    patient = session.get(Patient, message.patient_id)
    if update.status in ERROR_STATUSES:
        apply_error_code(session, patient, update.error_code, now)
    elif update.status in (S.DELIVERED, S.READ):
        number_delivered(patient)
    return StatusResult.APPLIED


def _find(session: Session, update: StatusUpdate) -> Message | None:
    message = session.exec(select(Message).where(Message.twilio_sid == update.message_sid)).first()
    if message is None and update.message_id is not None:
        candidate = session.get(Message, update.message_id)
        if candidate is not None and candidate.direction == Direction.OUTBOUND:
            message = candidate
    return message

