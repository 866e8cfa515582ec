"""The sender worker: delivers the transactional outbox exactly once, on SQLite and PostgreSQL.

Job lifecycle (OutboxJob.status):

    pending --claim--> sending --Accepted--> done
                          |------NotSent---> pending (backoff) ... failed after max attempts
                          |------Rejected--> failed (21610 opts the patient out)
                          |------Ambiguous-> unknown
                          `--lease expired-> unknown          (worker killed or stuck mid-send)
    unknown --claim--> reconciling --Twilio has it--> done
                          |------------not there----> pending (only now may it be sent again)
                          `--lease expired----------> unknown

Exactly once: a text is handed to Twilio only by the worker holding its job in `sending`, reached
through one atomic pending->sending claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one
writer). A job goes back to `pending` only when the attempt provably never reached Twilio, or when
Twilio's own message list shows it was not created. Everything else is `unknown` until reconciled.
Jobs are claimed, checked and recorded a batch at a time (one commit before the batch's HTTP calls, one
after them): a worker that dies mid-batch leaves the whole batch to lease expiry and reconciliation. A
text leaves only while its lease has at least half its length to run; past that, what was sent is
recorded and the rest renewed first, so a lease has to outlive half of itself plus one call.

Order: a conversation's jobs go out one at a time, oldest first: a job is claimable only when no
older job of its conversation is still pending, sending, unknown or reconciling.

A job carries either a patient's Message or a StaffAlert (an urgent handoff texted to a clinician). Both
share the state machine above; only a Message has a patient, so only a Message can be cancelled by an
opt-out or a dead number, and only a Message's errors change a patient's number state.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from agent.channel.compliance import answered_by_carrier
from agent.channel.numbers import NUMBER_DEAD_REASON, apply_error_code, is_dead
from agent.channel.sender import (
    Accepted,
    Ambiguous,
    NotSent,
    Rejected,
    RemoteMessage,
    Sender,
    SendOutcome,
    SendRequest,
    TwilioLookupError,
)
from agent.channel.status import moves_forward
from agent.clock import Clock
from agent.store.db import session_scope
from agent.store.models import LEASED_OUTBOX, AuditEvent, Clinic, Message, OutboxJob, Patient, StaffAlert
from agent.types import DeliveryStatus, MessageKind, OutboxStatus

log = logging.getLogger("afterglow.channel.outbox")

J = OutboxStatus
IN_FLIGHT = (J.PENDING, J.SENDING, J.UNKNOWN, J.RECONCILING)
CLOCK_SKEW = timedelta(minutes=5)  # Twilio's date_created against our created_at
PRE_SEND = (None, DeliveryStatus.PENDING, DeliveryStatus.UNKNOWN)

Payload = Message | StaffAlert
# The next batch of a pass: its prepared sends, when their leases were taken, how many jobs the pass took.
Batch = tuple[list[tuple[int, SendRequest]], datetime, int]


def payload(session: Session, job: OutboxJob) -> Payload:
    """What the job sends: a patient's message or a staff alert (both have body, twilio_sid, delivery_status)."""
    if job.staff_alert_id is not None:
        return session.get(StaffAlert, job.staff_alert_id)
    return session.get(Message, job.message_id)


# A job with what it sends, whom to and from where, in one round trip instead of four (every text
# sent reads them twice: before the send and after it).
_WITH_PAYLOAD = (select(OutboxJob, Message, Patient, Clinic)
                 .join(Clinic, Clinic.id == OutboxJob.clinic_id)
                 .outerjoin(Message, Message.id == OutboxJob.message_id)
                 .outerjoin(Patient, Patient.id == Message.patient_id)
                 .where(OutboxJob.id == sa.bindparam("job_id")))


def load_job(session: Session, job_id: int) -> tuple[OutboxJob, Payload, Patient | None, Clinic]:
    """The job, its payload, the patient (None for a staff alert) and the clinic."""
    job, message, patient, clinic = session.exec(_WITH_PAYLOAD, params={"job_id": job_id}).one()
    return job, message if message is not None else payload(session, job), patient, clinic


_BATCH_WITH_PAYLOAD = (select(OutboxJob, Message, Patient, Clinic)
                       .join(Clinic, Clinic.id == OutboxJob.clinic_id)
                       .outerjoin(Message, Message.id == OutboxJob.message_id)
                       .outerjoin(Patient, Patient.id == Message.patient_id)
                       .where(OutboxJob.id.in_(sa.bindparam("job_ids", expanding=True))))


def load_jobs(session: Session, job_ids: list[int]) -> dict[int, tuple[OutboxJob, Payload, Patient | None, Clinic]]:
    """load_job for a batch, in one round trip. The rows are held in the returned dict: the session holds
    them only weakly."""
    if not job_ids:
        return {}
    return {job.id: (job, message if message is not None else payload(session, job), patient, clinic)
            for job, message, patient, clinic in session.exec(_BATCH_WITH_PAYLOAD, params={"job_ids": job_ids})}


def recipient(session: Session, row: Payload) -> str:
    return row.to if isinstance(row, StaffAlert) else session.get(Patient, row.patient_id).phone


def _claimable(status: OutboxStatus) -> sa.Select:
    """Jobs in `status` whose time has come, oldest first; a pending one only when no older job of its
    conversation is still in flight. Built once per status: building and compiling it anew on every
    claim cost more than running it."""
    query = select(OutboxJob).where(OutboxJob.status == status, OutboxJob.available_at <= sa.bindparam("now"))
    if status == J.PENDING:
        older = aliased(OutboxJob)
        query = query.where(~sa.exists().where(older.conversation_id == OutboxJob.conversation_id,
                                               older.id < OutboxJob.id, older.status.in_(IN_FLIGHT)))
    return (query.order_by(OutboxJob.id).limit(sa.bindparam("n", type_=sa.Integer))
            .with_for_update(skip_locked=True, of=OutboxJob))


CLAIMS = {status: _claimable(status) for status in (J.PENDING, J.UNKNOWN)}


@dataclass(frozen=True)
class OutboxConfig:
    lease_s: float = 120.0
    reconcile_after_s: float = 30.0
    max_attempts: int = 8
    # Texts claimed, checked and recorded together. 25 rather than 10: at 100,000 patients two workers
    # sent 198 to 202 due touches/s with 25 (and touch batches of 50) against 124 to 152 with 10 (and 20),
    # interleaved on copies of one database. The price: a worker that dies mid-batch leaves up to 25
    # texts to reconciliation (one Twilio list request each).
    batch: int = 25
    # A batch's texts leave within this many seconds of its full checks (lease renewed, every check made
    # again; and within half a lease): past it, what was sent is recorded and the rest renewed. Opt-outs are
    # read again before every text regardless (`_consent_moved`). A slow Twilio makes this one commit per
    # text again, as before batches.
    recheck_s: float = 2.0
    public_base_url: str | None = None  # status callbacks go here (None, or a loopback URL: no callback)

    def status_callback(self, message_id: int) -> str | None:
        if not self.public_base_url:
            return None
        host = urlsplit(self.public_base_url).hostname or ""
        if host in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):
            return None  # Twilio could not reach it (and may refuse the URL)
        return f"{self.public_base_url.rstrip('/')}/webhooks/twilio/status?m={message_id}"


@dataclass
class DrainReport:
    sent: int = 0  # handed to Twilio and accepted (or recorded in dry-run)
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    canceled: int = 0
    reconciled: int = 0


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2 ** max(0, attempts - 1)))


class OutboxWorker:
    def __init__(self, db: sa.Engine, sender: Sender, clock: Clock, *, worker_id: str,
                 config: OutboxConfig | None = None) -> None:
        self.db = db
        self.sender = sender
        self.clock = clock
        self.worker_id = worker_id
        self.config = config or OutboxConfig()

    # ------------------------------------------------------------------ one pass

    def drain(self, limit: int = 200) -> DrainReport:
        """Commits: one for the lease check, the reconciliation claim and (with nothing to reconcile, the
        usual case) the first batch's claim with every send's preparation; then one per batch sent, which
        records its outcomes and claims and prepares the next batch."""
        report = DrainReport()
        with session_scope(self.db) as session:
            self._expire(session)
            unknown = self._claim_in(session, self.config.batch, J.UNKNOWN, J.RECONCILING)
            batch = self._next_batch(session, 0, limit, report) if not unknown else None
        if unknown:  # reconciled first: a job found not sent at Twilio is pending again for this pass
            self.reconcile(report, unknown)
            with session_scope(self.db) as session:
                batch = self._next_batch(session, 0, limit, report)
        while batch is not None:
            batch = self._send_batch(*batch, limit, report)
        return report

    # ------------------------------------------------------------------ claims

    def _claim(self, n: int, status: OutboxStatus = J.PENDING, to: OutboxStatus = J.SENDING) -> list[int]:
        with session_scope(self.db) as session:
            return self._claim_in(session, n, status, to)

    def _claim_in(self, session: Session, n: int, status: OutboxStatus = J.PENDING,
                  to: OutboxStatus = J.SENDING) -> list[int]:
        now = self.clock.now()
        jobs = session.exec(CLAIMS[status], params={"now": now, "n": n}).all()
        for job in jobs:
            job.status, job.locked_by, job.locked_at = to, self.worker_id, now
            if to == J.SENDING:
                job.attempts += 1
        return [job.id for job in jobs]

    def _fenced(self, session: Session, job_id: int, held: OutboxStatus, **values: object) -> bool:
        """Update a job only if this worker still holds it in state `held` (a lost lease changes nothing)."""
        return session.execute(
            sa.update(OutboxJob).where(OutboxJob.id == job_id, OutboxJob.status == held,
                                       OutboxJob.locked_by == self.worker_id)
            .values(**values).execution_options(synchronize_session=False)
        ).rowcount == 1

    def expire_leases(self) -> int:
        """Jobs held past their lease by a dead or stuck worker: the send may have happened -> unknown."""
        with session_scope(self.db) as session:
            return self._expire(session)

    def _expire(self, session: Session) -> int:
        now = self.clock.now()
        cutoff = now - timedelta(seconds=self.config.lease_s)
        stale = session.exec(
            select(OutboxJob).where(sa.text(f"outboxjob.{LEASED_OUTBOX}"), OutboxJob.locked_at < cutoff)
            .with_for_update(skip_locked=True)
        ).all()
        for job in stale:
            if job.status == J.SENDING:
                message = payload(session, job)
                if message.delivery_status in (DeliveryStatus.PENDING, None):
                    message.delivery_status = DeliveryStatus.UNKNOWN
            job.status, job.available_at, job.last_error = J.UNKNOWN, now, "lease expired"
            job.locked_by = None
        if stale:
            log.warning("%d outbox job(s) outlived their lease: reconciling before any resend", len(stale))
        return len(stale)

    # ------------------------------------------------------------------ send

    def _send_batch(self, requests: list[tuple[int, SendRequest]], leased_at: datetime, handled: int, limit: int,
                    report: DrainReport) -> Batch | None:
        """Hand a batch's texts to the sender one by one, then in one transaction record all their outcomes
        and claim and prepare the next batch: one commit per batch, not one per text.

        Crash safety: until that commit, every job of the batch stays `sending` under this worker's lease.
        A worker that dies mid-batch leaves them all to lease expiry and reconciliation (Twilio's list
        says which were created; only the others are sent again), as a single held send always was. An
        exception from the sender records what was already sent before it propagates. Consent is read
        again right before each text leaves (`_consent_moved`: an opt-out mid-batch is honoured at once, as
        when each text was prepared alone); past `recheck_s` or half a lease since the batch's checks, or on
        such an opt-out, what was sent is recorded and the rest of the batch renewed (fenced, with every
        check made again), so no job of the batch, sent or not, is held unrecorded past half a lease plus
        one HTTP call."""
        outcomes: list[tuple[int, SendOutcome]] = []
        queue = list(requests)
        recheck = timedelta(seconds=min(self.config.lease_s / 2, self.config.recheck_s))
        try:
            while queue:
                # Each text after the batch's first is checked again right before it leaves (one read, no
                # commit): an opt-out that lands mid-batch stops the very next text to that patient.
                if self.clock.now() - leased_at > recheck or (outcomes and self._consent_moved(queue[0][0])):
                    # Half a lease (or recheck_s) gone: record what was sent (those jobs' leases run out
                    # too) and renew the rest, re-checking consent, before any further text leaves.
                    with session_scope(self.db) as session:
                        self._finish_all(session, outcomes, report)
                        leased_at = self.clock.now()
                        queue = self._prepare_all(session, [job_id for job_id, _ in queue], report, renew=True)
                    outcomes = []
                    continue
                job_id, request = queue.pop(0)
                outcomes.append((job_id, self.sender.send(request)))
        except BaseException:
            if outcomes:
                with session_scope(self.db) as session:
                    self._finish_all(session, outcomes, report)
            raise
        with session_scope(self.db) as session:
            self._finish_all(session, outcomes, report)
            return self._next_batch(session, handled, limit, report)

    def _next_batch(self, session: Session, handled: int, limit: int, report: DrainReport) -> Batch | None:
        """Claim the next batch and prepare its sends; None when the pass is over. A batch whose every job
        was cancelled is followed by the next one."""
        while handled < limit:
            claimed = self._claim_in(session, min(self.config.batch, limit - handled))
            if not claimed:
                return None
            handled += len(claimed)
            # The claim has just set each job's lease: no renewal needed before preparing.
            requests = self._prepare_all(session, claimed, report, renew=False)
            if requests:
                return requests, self.clock.now(), handled
        return None

    def _prepare(self, job_id: int, report: DrainReport) -> SendRequest | None:
        with session_scope(self.db) as session:
            return self._prepare_in(session, job_id, report)

    def _prepare_in(self, session: Session, job_id: int, report: DrainReport) -> SendRequest | None:
        """Renew one job's lease and make its last checks (a single send; the worker prepares a batch)."""
        prepared = self._prepare_all(session, [job_id], report, renew=True)
        return prepared[0][1] if prepared else None

    def _prepare_all(self, session: Session, job_ids: list[int], report: DrainReport, *,
                     renew: bool) -> list[tuple[int, SendRequest]]:
        """Make the last checks of the batch's jobs (and with `renew`, renew their leases first: a job
        whose lease was lost is dropped), in the transaction that commits right before the HTTP calls."""
        now = self.clock.now()
        if renew:
            held = set(session.execute(
                sa.update(OutboxJob).where(OutboxJob.id.in_(job_ids), OutboxJob.status == J.SENDING,
                                           OutboxJob.locked_by == self.worker_id)
                .values(locked_at=now).returning(OutboxJob.id)
                .execution_options(synchronize_session=False)).scalars())
            job_ids = [job_id for job_id in job_ids if job_id in held]
        loaded = load_jobs(session, job_ids)
        requests = []
        for job_id in job_ids:
            job, message, patient, clinic = loaded[job_id]
            request = self._request(session, job, message, patient, clinic, report)
            if request is not None:
                requests.append((job_id, request))
        return requests

    def _request(self, session: Session, job: OutboxJob, message: Payload, patient: Patient | None, clinic: Clinic,
                 report: DrainReport) -> SendRequest | None:
        if isinstance(message, StaffAlert):
            # To staff: no consent to check, and no status callback (its ?m= names patient messages);
            # an ambiguous alert is settled by reconciliation alone.
            return SendRequest(message_id=message.id, to=message.to, from_=clinic.phone, body=message.body)
        reason = self._cancel_reason(session, message, patient)
        if reason is not None:
            job.status, job.last_error, job.locked_by = J.CANCELED, reason, None
            message.delivery_status = DeliveryStatus.CANCELED
            report.canceled += 1
            return None
        return SendRequest(message_id=message.id, to=patient.phone, from_=clinic.phone, body=message.body,
                           status_callback=None if self.sender.dry_run else self.config.status_callback(message.id))

    def _consent_moved(self, job_id: int) -> bool:
        """Whether the job's patient opted out (or its number died) since the batch was checked: then the
        rest of the batch is checked again, and that job canceled, before anything else leaves."""
        with Session(self.db) as session:  # a read only: rolled back on close
            _, message, patient, _ = load_job(session, job_id)
            if isinstance(message, StaffAlert):
                return False
            return self._cancel_reason(session, message, patient) is not None

    def _cancel_reason(self, session: Session, message: Message, patient: Patient) -> str | None:
        # A last line behind the engine: an opt-out or a dead number that landed after the job was claimed.
        if patient.opted_out and message.kind != MessageKind.CONFIRMATION:
            return "patient opted out"
        if is_dead(patient):
            return NUMBER_DEAD_REASON
        if message.kind == MessageKind.CONFIRMATION and answered_by_carrier(session, message):
            return "answered by Twilio Advanced Opt-Out"
        return None

    def _finish_all(self, session: Session, outcomes: list[tuple[int, SendOutcome]], report: DrainReport) -> None:
        """Record a batch's outcomes: its jobs read in one query, their changes written in one flush."""
        loaded = load_jobs(session, [job_id for job_id, _ in outcomes])
        for job_id, outcome in outcomes:
            self._finish(session, loaded[job_id], outcome, report)

    def _finish(self, session: Session, row: tuple[OutboxJob, Payload, Patient | None, Clinic], outcome: SendOutcome,
                report: DrainReport) -> None:
        now = self.clock.now()
        job, message, patient, _ = row
        if isinstance(outcome, Accepted):
            # Proof that it was sent: recorded whatever happened to the lease meanwhile.
            if job.status != J.SENDING or job.locked_by != self.worker_id:
                log.warning("outbox job %s was accepted by Twilio after its lease was lost", job.id)
            _record_sent(session, message, outcome.sid, outcome.status)
            job.status, job.locked_by, job.last_error = J.DONE, None, None
            report.sent += 1
            return
        if job.status != J.SENDING or job.locked_by != self.worker_id:
            return  # the lease was lost: whoever holds the job now decides
        job.locked_by = None
        if isinstance(outcome, NotSent):
            job.last_error = outcome.reason[:200]
            if job.attempts >= self.config.max_attempts:
                job.status, message.delivery_status = J.FAILED, DeliveryStatus.FAILED
                report.failed += 1
            else:
                job.status, job.available_at = J.PENDING, now + backoff(job.attempts)
                report.retried += 1
        elif isinstance(outcome, Rejected):
            job.status, job.last_error = J.FAILED, outcome.reason[:200]
            message.delivery_status, message.error_code = DeliveryStatus.FAILED, outcome.code
            if patient is not None:
                apply_error_code(session, patient, outcome.code, now)
            report.failed += 1
        elif isinstance(outcome, Ambiguous) and message.twilio_sid is not None:
            job.status, job.last_error = J.DONE, None  # a status callback already proved the send
            report.sent += 1
        elif isinstance(outcome, Ambiguous):
            job.status, job.last_error = J.UNKNOWN, outcome.reason[:200]
            job.available_at = now + timedelta(seconds=self.config.reconcile_after_s)
            message.delivery_status = DeliveryStatus.UNKNOWN
            report.unknown += 1

    # ------------------------------------------------------------------ reconcile

    def reconcile(self, report: DrainReport, claimed: list[int]) -> None:
        """Unknown sends (claimed into `reconciling`): ask Twilio whether the text exists before deciding
        to send it again."""
        for job_id in claimed:
            with session_scope(self.db) as session:
                job = session.get(OutboxJob, job_id)
                message = payload(session, job)
                to = recipient(session, message)
                clinic = session.get(Clinic, message.clinic_id)
                known_sid = message.twilio_sid
            found = None
            if known_sid is None:
                try:
                    found = self._match(message, job, self.sender.recent(to, clinic.phone))
                except TwilioLookupError as exc:
                    with session_scope(self.db) as session:
                        self._lookup_failed(session, job_id, str(exc))
                    continue
            with session_scope(self.db) as session:
                now = self.clock.now()
                if known_sid is not None or found is not None:
                    if self._fenced(session, job_id, J.RECONCILING, status=J.DONE, locked_by=None,
                                    last_error=None) and found is not None:
                        _record_sent(session, session.get(type(message), message.id), found.sid,
                                     found.status or DeliveryStatus.QUEUED)
                    report.reconciled += 1
                elif self._fenced(session, job_id, J.RECONCILING, status=J.PENDING, locked_by=None,
                                  available_at=now, last_error="not found at Twilio: resending"):
                    session.get(type(message), message.id).delivery_status = DeliveryStatus.PENDING
                    report.reconciled += 1

    def _match(self, message: Payload, job: OutboxJob, remote: list[RemoteMessage]) -> RemoteMessage | None:
        since = job.created_at - CLOCK_SKEW
        candidates = [r for r in remote if r.body.strip() == message.body.strip()
                      and (r.created_at is None or r.created_at >= since)]
        if not candidates:
            return None
        sids = [r.sid for r in candidates]
        with Session(self.db) as session:  # a SID either table already holds is another text's
            taken = set(session.exec(select(Message.twilio_sid).where(
                Message.twilio_sid.in_(sids), Message.id != (message.id if isinstance(message, Message) else -1))))
            taken |= set(session.exec(select(StaffAlert.twilio_sid).where(
                StaffAlert.twilio_sid.in_(sids),
                StaffAlert.id != (message.id if isinstance(message, StaffAlert) else -1))))
        return next((r for r in reversed(candidates) if r.sid not in taken), None)  # oldest first

    def _lookup_failed(self, session: Session, job_id: int, reason: str) -> None:
        job = session.get(OutboxJob, job_id)
        if job.status != J.RECONCILING or job.locked_by != self.worker_id:
            return
        job.attempts += 1
        job.locked_by, job.last_error = None, f"reconcile: {reason}"[:200]
        if job.attempts >= self.config.max_attempts:
            job.status = J.FAILED  # the message stays UNKNOWN: nobody can say whether it went out
            session.add(AuditEvent(clinic_id=job.clinic_id, actor="system", action="outbox.unresolved",
                                   subject_type="message" if job.message_id is not None else "staff_alert",
                                   subject_id=job.message_id or job.staff_alert_id, data={},
                                   created_at=self.clock.now()))
        else:
            job.status, job.available_at = J.UNKNOWN, self.clock.now() + backoff(job.attempts)


def _record_sent(session: Session, message: Payload, sid: str | None, status: DeliveryStatus) -> None:
    if sid and message.twilio_sid is None:
        table = type(message)
        clash = session.exec(select(table.id).where(table.twilio_sid == sid)).first()
        if clash is None:
            message.twilio_sid = sid
    if message.delivery_status in PRE_SEND or moves_forward(message.delivery_status, status):
        message.delivery_status = status
