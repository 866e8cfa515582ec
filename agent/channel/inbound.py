"""The durable inbound queue: the webhook records a job keyed by MessageSid and answers at once; workers
run the turns, one message of a sender at a time, in arrival order, on SQLite and PostgreSQL.

Arrival order is the job id order per (clinic, sender). On PostgreSQL the webhook takes a transaction
advisory lock on the sender before inserting, so two deliveries racing in two API processes get ids
in the order they commit. A worker claims a job only when no older job of the same sender is still
pending or processing (`FOR UPDATE SKIP LOCKED`, so other senders' jobs go to other workers). A job
held past its lease goes back to pending: rerunning a turn is safe because the engine deduplicates
on MessageSid.

When the database cannot take the text within a moment (SQLite's write lock held, PostgreSQL away), the
webhook keeps it in the spool (agent.channel.spool) and still answers 200; `drain_spool` queues it later.
"""
from __future__ import annotations

import logging
import re
import weakref
import zlib
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from agent.channel.compliance import normalise_opt_out_type
from agent.channel.routing import InboundText, route
from agent.channel.spool import DrainReport, Spool
from agent.engine.turn import Agent
from agent.store.channel_models import LEASED_INBOUND, InboundJob, InboundOutcome, InboundStatus
from agent.store.db import session_scope, short_lock_wait
from agent.store.models import AuditEvent, Clinic

log = logging.getLogger("afterglow.channel.inbound")

MAX_BODY = 1600  # Twilio's limit for one (concatenated) inbound SMS; anything longer is cut here
_ADVISORY_NAMESPACE = 0x4147  # "AG": keeps our advisory lock keys apart from anyone else's
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


class Accepted(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"  # Twilio retried a delivery we already hold
    UNROUTED = "unrouted"  # To is not a clinic number of ours: nothing stored
    SPOOLED = "spooled"  # the database was busy: kept in the spool, queued when it drains


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    sender: str
    to: str
    body: str
    truncated: bool
    num_media: int
    opt_out_type: str | None

    @classmethod
    def from_params(cls, params: dict[str, str]) -> InboundSms | None:
        """The fields we use from Twilio's webhook parameters; None when a required one is missing."""
        sid = (params.get("MessageSid") or params.get("SmsMessageSid") or "").strip()
        sender, to = (params.get("From") or "").strip(), (params.get("To") or "").strip()
        if not _SID.match(sid) or not sender or not to or len(sender) > 32:
            return None
        body = params.get("Body") or ""
        try:
            num_media = max(0, min(int(params.get("NumMedia") or 0), 99))
        except ValueError:
            num_media = 0
        return cls(message_sid=sid, sender=sender, to=to, body=body[:MAX_BODY], truncated=len(body) > MAX_BODY,
                   num_media=num_media, opt_out_type=normalise_opt_out_type(params.get("OptOutType")))


def accept(db: sa.Engine, sms: InboundSms, now: datetime, *, lock_wait_s: float | None = None) -> Accepted:
    """Record the inbound text durably (webhook side). Fast: one INSERT ... ON CONFLICT DO NOTHING on the
    MessageSid and a commit; no engine work happens here. With `lock_wait_s`, a write lock held elsewhere
    is waited for that long only (then OperationalError: see accept_or_spool)."""
    clinic_id = clinic_for_number(db, sms.to, now)
    if clinic_id is None:
        audit = sa.insert(AuditEvent).values(actor="twilio", action="inbound.unrouted", subject_type="clinic",
                                             data={}, created_at=now)
        with db.begin() as conn, _waiting(conn, lock_wait_s):
            conn.execute(audit)
        return Accepted.UNROUTED
    job = InboundJob(clinic_id=clinic_id, message_sid=sms.message_sid, sender=sms.sender, body=sms.body,
                     body_truncated=sms.truncated, num_media=sms.num_media, opt_out_type=sms.opt_out_type,
                     available_at=now, created_at=now)
    values = job.model_dump(exclude={"id"})
    insert = (pg_insert if db.dialect.name == "postgresql" else sqlite_insert)(InboundJob)
    with db.begin() as conn, _waiting(conn, lock_wait_s):
        _serialise_sender(conn, clinic_id, sms.sender)
        inserted = conn.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["message_sid"])
                                .returning(InboundJob.id)).first()
    # A retried delivery (same MessageSid) inserts nothing: one job, one reply. RETURNING, not rowcount:
    # psycopg 3 reports -1 for this statement, which read every new job on PostgreSQL as a duplicate.
    return Accepted.QUEUED if inserted is not None else Accepted.DUPLICATE


def _waiting(conn: sa.Connection, lock_wait_s: float | None):  # noqa: ANN202 - a context manager
    return short_lock_wait(conn, lock_wait_s) if lock_wait_s else nullcontext()


def accept_or_spool(db: sa.Engine, sms: InboundSms, now: datetime, spool: Spool, *, lock_wait_s: float) -> Accepted:
    """The webhook's promise: once this returns, the text is kept (queued, or spooled for the queue).
    While older texts wait in the spool a new one joins them, so a sender's texts keep their order."""
    if spool.pending():
        spool.append(sms, now)
        return Accepted.SPOOLED
    try:
        return accept(db, sms, now, lock_wait_s=lock_wait_s)
    except Exception as exc:  # noqa: BLE001 - whatever the database did, the text must not be lost
        log.warning("inbound text spooled: the database did not take it (%s)", type(exc).__name__)
        spool.append(sms, now)
        return Accepted.SPOOLED


def drain_spool(db: sa.Engine, spool: Spool) -> DrainReport:
    """Queue every spooled text (idempotent on MessageSid), oldest first; stops while the database is busy."""
    def accept_line(fields: dict, received_at: datetime) -> Accepted:
        return accept(db, InboundSms(**fields), received_at)

    report = spool.drain(accept_line)
    if report.queued or report.duplicates or report.failed or report.unreadable:
        log.info("spool drained: %d queued, %d already queued, %d unrouted, %d kept for a person, %d unreadable",
                 report.queued, report.duplicates, report.unrouted, report.failed, report.unreadable)
    return report


_CLINIC_TTL = timedelta(seconds=60)
# Per database (weakly held: a disposed engine takes its cache with it), number -> (clinic id, expiry).
_clinics: weakref.WeakKeyDictionary[sa.Engine, dict[str, tuple[int | None, datetime]]] = weakref.WeakKeyDictionary()


def clinic_for_number(db: sa.Engine, number: str, now: datetime) -> int | None:
    """The clinic whose Twilio number this is, cached for a minute: every webhook needs it, it rarely
    changes (a re-assigned number takes effect within the minute)."""
    cache = _clinics.setdefault(db, {})
    hit = cache.get(number)
    if hit is not None and hit[1] > now:
        return hit[0]
    with Session(db) as session:
        clinic_id = session.exec(select(Clinic.id).where(Clinic.phone == number)).first()
    if clinic_id is not None:  # an unknown number is looked up again: a clinic may be added any moment
        cache[number] = (clinic_id, now + _CLINIC_TTL)
    return clinic_id


def _serialise_sender(conn: sa.Connection, clinic_id: int, sender: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                     {"ns": _ADVISORY_NAMESPACE, "key": sender_key(clinic_id, sender)})


def sender_key(clinic_id: int, sender: str) -> int:
    """A signed 32-bit key per (clinic, sender); a collision only serialises two senders' inserts."""
    value = zlib.crc32(f"{clinic_id}:{sender}".encode())
    return value - 2**32 if value >= 2**31 else value


# ---------------------------------------------------------------------- worker side


def _claim_query() -> sa.Select:
    """The oldest pending job whose sender has no older job still open. Built once: building and
    compiling it anew cost more than running it (milliseconds, every step)."""
    older = aliased(InboundJob)
    earlier_open = sa.exists().where(older.clinic_id == InboundJob.clinic_id, older.sender == InboundJob.sender,
                                     older.id < InboundJob.id,
                                     older.status.in_((InboundStatus.PENDING, InboundStatus.PROCESSING)))
    return (select(InboundJob)
            .where(InboundJob.status == InboundStatus.PENDING, InboundJob.available_at <= sa.bindparam("now"),
                   ~earlier_open)
            .order_by(InboundJob.id).limit(1).with_for_update(skip_locked=True, of=InboundJob))


CLAIM = _claim_query()


@dataclass
class InboundWorker:
    agent: Agent
    worker_id: str
    lease_s: float = 300.0
    max_attempts: int = 5

    def drain(self, limit: int = 10) -> int:
        """A few turns per step: the worker's outbox pass (the replies) is never far behind.

        Commits: one for the lease check and the first claim, then one per job: its turn, its `done` and
        the claim of the next job. The claim commits on its own, before the turn, so an attempt is counted
        (and the lease taken) even when the process dies mid-turn: a text that kills workers stops after
        max_attempts instead of looping."""
        with session_scope(self.agent.db) as session:
            self._expire(session)
            job = self._claim_in(session)
        done = 0
        while job is not None:
            done += 1
            job = self._run(job, claim_next=done < limit)
        return done

    def _claim(self) -> InboundText | None:
        with session_scope(self.agent.db) as session:
            return self._claim_in(session)

    def _claim_in(self, session: Session) -> InboundText | None:
        now = self.agent.clock.now()
        job = session.exec(CLAIM, params={"now": now}).first()
        if job is None:
            return None
        job.status, job.locked_by, job.locked_at = InboundStatus.PROCESSING, self.worker_id, now
        job.attempts += 1
        return InboundText(id=job.id, clinic_id=job.clinic_id, message_sid=job.message_sid, sender=job.sender,
                           body=job.body, num_media=job.num_media, opt_out_type=job.opt_out_type)

    def _run(self, job: InboundText, *, claim_next: bool) -> InboundText | None:
        """Run the job's turn and mark it done in one transaction (a reply's outbox job commits with the
        job's `done`: neither without the other); the next job, if asked for, is claimed in it too."""
        try:
            with session_scope(self.agent.db) as session:
                outcome, patient_id = route(self.agent, job, session)
                now = self.agent.clock.now()
                # Fenced: a job whose lease was lost stays with its new holder (the turn itself is
                # deduplicated on MessageSid, whoever commits first).
                session.execute(
                    sa.update(InboundJob).where(InboundJob.id == job.id, InboundJob.locked_by == self.worker_id,
                                                InboundJob.status == InboundStatus.PROCESSING)
                    .values(status=InboundStatus.DONE, outcome=outcome, patient_id=patient_id, body="",
                            locked_by=None, processed_at=now, last_error=None)
                    .execution_options(synchronize_session=False))
                return self._claim_in(session) if claim_next else None
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop every patient's messages
            log.warning("inbound job %s failed: %s", job.id, type(exc).__name__)
            self._failed(job.id, type(exc).__name__)
            return self._claim() if claim_next else None

    def _failed(self, job_id: int, reason: str) -> None:
        now = self.agent.clock.now()
        with session_scope(self.agent.db) as session:
            job = session.get(InboundJob, job_id)
            if job.status != InboundStatus.PROCESSING or job.locked_by != self.worker_id:
                return
            self._retry_or_give_up(session, job, reason, now)

    def _retry_or_give_up(self, session: Session, job: InboundJob, reason: str, now: datetime) -> None:
        job.locked_by, job.last_error = None, reason[:200]
        if job.attempts >= self.max_attempts:
            # The text stays on the job for a person; later messages of this sender are no longer held.
            job.status = InboundStatus.FAILED
            session.add(AuditEvent(clinic_id=job.clinic_id, actor="system", action="inbound.failed",
                                   subject_type="inbound_job", subject_id=job.id, data={"attempts": job.attempts},
                                   created_at=now))
        else:
            job.status = InboundStatus.PENDING
            job.available_at = now + timedelta(seconds=min(120, 5 * 2 ** (job.attempts - 1)))

    def expire_leases(self) -> int:
        with session_scope(self.agent.db) as session:
            return self._expire(session)

    def _expire(self, session: Session) -> int:
        now = self.agent.clock.now()
        cutoff = now - timedelta(seconds=self.lease_s)
        stale = session.exec(select(InboundJob).where(sa.text(f"inbound_job.{LEASED_INBOUND}"),
                                                      InboundJob.locked_at < cutoff)
                             .with_for_update(skip_locked=True)).all()
        for job in stale:
            self._retry_or_give_up(session, job, "lease expired", now)
            job.available_at = now
        return len(stale)


def pending_count(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(InboundJob)
                        .where(InboundJob.status.in_((InboundStatus.PENDING, InboundStatus.PROCESSING)))).one()


__all__ = ["Accepted", "InboundSms", "InboundWorker", "accept", "accept_or_spool", "drain_spool", "sender_key",
           "InboundOutcome", "pending_count"]
