"""The transactional outbox: an outbound message row and its send job commit together.

Delivery is agent/channel/outbox_worker.py (Twilio or dry-run, exactly once, in conversation order).
`drain_dry_run` is the shortcut for single-process tools (`afterglow chat`) that record inside their
own transaction.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from agent.store.models import Message, OutboxJob, StaffAlert
from agent.types import DeliveryStatus, OutboxStatus


def enqueue(session: Session, message: Message, now: datetime, *, flush: bool = True) -> OutboxJob:
    """Add an outbound message and its send job. `flush=False` leaves both to the next flush (the turn's
    commit): message.id stays None until then, so only callers that do not need it pass it."""
    message.delivery_status = DeliveryStatus.PENDING
    session.add(message)
    if not flush:
        job = OutboxJob(clinic_id=message.clinic_id, message=message, conversation_id=message.conversation_id,
                        available_at=now, created_at=now)
        session.add(job)
        return job
    session.flush()
    job = OutboxJob(clinic_id=message.clinic_id, message_id=message.id, conversation_id=message.conversation_id,
                    available_at=now, created_at=now)
    session.add(job)
    return job


def enqueue_alert(session: Session, alert: StaffAlert, now: datetime) -> OutboxJob:
    """Add a staff alert and its send job (no conversation: an alert waits behind no patient's text)."""
    alert.delivery_status = DeliveryStatus.PENDING
    session.add(alert)
    session.flush()
    job = OutboxJob(clinic_id=alert.clinic_id, staff_alert_id=alert.id, available_at=now, created_at=now)
    session.add(job)
    return job


def drain_dry_run(session: Session, now: datetime, limit: int = 500) -> int:
    """Dry-run delivery: mark pending sends as recorded. Nothing leaves the machine."""
    jobs = session.exec(
        select(OutboxJob).where(OutboxJob.status == OutboxStatus.PENDING, OutboxJob.available_at <= now)
        .order_by(OutboxJob.id).limit(limit).with_for_update(skip_locked=True)
    ).all()
    for job in jobs:
        message = session.get(StaffAlert, job.staff_alert_id) if job.staff_alert_id else session.get(Message, job.message_id)
        job.status = OutboxStatus.DONE
        job.attempts += 1
        job.locked_at = now
        message.delivery_status = DeliveryStatus.DRY_RUN
    return len(jobs)
