"""Durable touch rows per visit, and the worker step that sends the due ones.

Due touches are claimed a batch at a time and sent in that batch's one transaction (their texts and
outbox jobs commit with their rows' new status); on PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`,
so several workers never send the same touch twice, each taking its own batch.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.channel.numbers import NUMBER_DEAD_REASON, is_dead
from agent.engine.clinic_rules import clinic_rules
from agent.engine.result import TurnResult
from agent.engine.touches import NUDGE_SUFFIX, OpenTouch, compose_touch, deliver_touch, open_touch, settle_touch
from agent.outreach.facts import BatchFacts, Checks, newer_visit
from agent.schedule import due_times, in_quiet_hours, next_allowed
from agent.policy.schema import ClinicSettings, Policies
from agent.store.db import session_scope
from agent.store.models import PENDING_TOUCH, Clinic, Conversation, Message, Patient, Touch, Visit
from agent.types import Direction, Intent, TouchStatus

if TYPE_CHECKING:
    from agent.engine.turn import Agent


# The reason on a touch that was already too late when its visit arrived (intake_grace_hours).
PASSED_BEFORE_INTAKE = "its moment passed before the visit arrived"


def schedule_visit(session: Session, visit: Visit, policies: Policies) -> list[Touch]:
    """Create the visit's touches from timing.yaml and the clinic's changes to it (idempotent), and retire an
    older visit's pending ones."""
    clinic = session.get(Clinic, visit.clinic_id)
    timing = clinic_rules(session, clinic).timing(policies.timing)
    now = visit.created_at
    existing = {t.name for t in session.exec(select(Touch).where(Touch.visit_id == visit.id))}
    newer = newer_visit(session, visit)
    created = []
    for name, due in due_times(visit.visit_type, visit.occurred_at, clinic.timezone, timing):
        if name in existing:
            continue
        touch = Touch(clinic_id=visit.clinic_id, patient_id=visit.patient_id, visit_id=visit.id, name=name,
                      due_at=due, created_at=now, updated_at=now)
        if newer is not None:
            touch.status, touch.reason = TouchStatus.CANCELLED, "superseded by a newer visit"
        elif now - due > timedelta(hours=timing.intake_grace_hours):
            touch.status, touch.reason = TouchStatus.EXPIRED, PASSED_BEFORE_INTAKE
        session.add(touch)
        created.append(touch)
    if newer is None:
        _retire_older_visits(session, visit, now)
    session.flush()
    return created


# Touches a transaction: a commit per touch was most of a touch's cost on PostgreSQL. Small enough that
# two workers split a burst evenly and a batch's row locks are held for under a second (about half a
# second at 100 touches/s a worker). 50 rather than 20 took two workers from 124-152 to 198-202 touches/s
# at 100,000 patients (interleaved, with the outbox's batches of 25 rather than 10).
BATCH = 50


def run_due(agent: Agent, *, limit: int = 500, batch: int = BATCH) -> list[TurnResult]:
    """Send (or settle) every pending touch due now; returns the results of the touches actually tried.
    A touch that raises rolls its batch back (nothing of it was sent: the texts were only queued) and
    stops the pass, as a failing touch always stopped it."""
    results: list[TurnResult] = []
    taken = 0
    while taken < limit:
        n = min(batch, limit - taken)
        with session_scope(agent.db) as session:
            touches = _claim_due(session, agent.clock.now(), n)
            facts = BatchFacts(session, touches)  # holds the batch's patients, clinics and visits
            results.extend(_send_batch(agent, session, touches, facts))
        taken += len(touches)
        if len(touches) < n:  # none left due at claim time: the next step looks again
            break
    return results


def _send_batch(agent: Agent, session: Session, touches: list[Touch], facts: BatchFacts) -> list[TurnResult]:
    """Each patient's first touch of the batch step by step together, one flush between steps: every
    checked touch opens its thread, one flush inserts the threads; every text is composed, one flush
    inserts the turns, texts and outbox jobs (one statement each for the batch, not one per touch); the
    rows are settled. A patient's later touch of the same batch must see what the first one did (its
    text, its thread), so it goes after them, on its own, asking the database afresh."""
    opened: list[OpenTouch] = []
    later: list[Touch] = []
    for touch in touches:
        checks = facts.for_touch(touch)
        if checks is not facts:
            later.append(touch)
        elif _may_send(agent, session, touch, checks):
            opened.append(open_touch(agent, session, session.get(Patient, touch.patient_id),
                                     session.get(Visit, touch.visit_id), touch.name, reads=checks,
                                     open_handoff=False))  # checked just above: none open
    results: list[TurnResult] = []
    if opened:
        session.flush()
        composed = [(touch, compose_touch(agent, session, touch)) for touch in opened]
        session.flush()
        for touch, result in composed:
            settle_touch(session, touch, result)
            results.append(result)
    for touch in later:
        result = _process(agent, session, touch, facts.for_touch(touch))
        if result is not None:
            results.append(result)
    return results


# The pending predicate as a literal, exactly as ix_touch_pending_due states it: with a bound parameter a
# generic plan cannot use the partial index and walks every touch ever due (O(history) per idle step).
CLAIM = (select(Touch).where(sa.text(f"touch.{PENDING_TOUCH}"), Touch.due_at <= sa.bindparam("now"))
         .order_by(Touch.due_at, Touch.id).limit(sa.bindparam("n", type_=sa.Integer))
         .with_for_update(skip_locked=True))


def _claim_due(session: Session, now: datetime, n: int) -> list[Touch]:
    return list(session.exec(CLAIM, params={"now": now, "n": n}).all())


def _claim_next(session: Session, now: datetime) -> Touch | None:
    return next(iter(_claim_due(session, now, 1)), None)


def _process(agent: Agent, session: Session, touch: Touch, checks: Checks) -> TurnResult | None:
    if not _may_send(agent, session, touch, checks):
        return None
    # No open handoff: checked just before, so the touch's situation need not ask again.
    return deliver_touch(agent, session, session.get(Patient, touch.patient_id), session.get(Visit, touch.visit_id),
                         touch.name, reads=checks, open_handoff=False)


def _may_send(agent: Agent, session: Session, touch: Touch, checks: Checks) -> bool:
    """The checks before a touch is sent; a touch that may not be sent now is settled or deferred here."""
    now = agent.clock.now()
    patient = session.get(Patient, touch.patient_id)
    visit = session.get(Visit, touch.visit_id)
    clinic = session.get(Clinic, touch.clinic_id)
    timing = clinic_rules(session, clinic).timing(agent.policies.timing)
    settings = ClinicSettings.model_validate(clinic.settings)
    stop = _reason_to_stop(session, touch, patient, visit, now, timing.stale_after_hours, checks)
    if stop is not None:
        _settle(touch, *stop, now)
        return False
    if in_quiet_hours(now, clinic.timezone, settings):
        _defer(touch, next_allowed(now, clinic.timezone, settings), "quiet hours", now)
        return False
    if checks.open_handoff(patient.id):
        _defer(touch, now + timedelta(hours=timing.handoff_defer_hours), "a person owns the thread", now)
        return False
    if checks.held_reply(patient.id):
        # A reply we were unsure of waits for staff: no scheduled text may overtake their decision.
        _defer(touch, now + timedelta(hours=timing.handoff_defer_hours), "a reply waits for staff", now)
        return False
    last_touch = checks.last_touch_at(patient.id)
    if last_touch is not None and now - last_touch < timedelta(hours=timing.min_hours_between_touches):
        _defer(touch, last_touch + timedelta(hours=timing.min_hours_between_touches), "frequency cap", now)
        return False
    return True


def _reason_to_stop(session: Session, touch: Touch, patient: Patient, visit: Visit, now: datetime,
                    stale_hours: int, checks: Checks) -> tuple[TouchStatus, str] | None:
    if patient.opted_out:
        return TouchStatus.CANCELLED, "opted out"
    if patient.wrong_number:
        return TouchStatus.CANCELLED, "wrong number"
    if is_dead(patient):
        return TouchStatus.CANCELLED, NUMBER_DEAD_REASON
    if not patient.sms_consent:
        return TouchStatus.SKIPPED, "no consent to texts"
    if checks.newer_visit(visit):
        return TouchStatus.CANCELLED, "superseded by a newer visit"
    if now - touch.due_at > timedelta(hours=stale_hours):
        return TouchStatus.EXPIRED, "too late to be natural"
    if checks.last_intent(patient.id) == Intent.UNHAPPY:
        return TouchStatus.CANCELLED, "patient unhappy"
    if touch.name.endswith(NUDGE_SUFFIX):
        return _nudge_reason(session, touch, patient, checks)
    return None


def _nudge_reason(session: Session, touch: Touch, patient: Patient, checks: Checks) -> tuple[TouchStatus, str] | None:
    """One nudge only after silence, and only in the thread the nudged touch opened."""
    base = checks.touch_row(touch.visit_id, touch.name.removesuffix(NUDGE_SUFFIX))
    if base is None or base.status != TouchStatus.SENT or base.message_id is None:
        return TouchStatus.SKIPPED, "nudged touch was not sent"
    sent = session.get(Message, base.message_id)
    latest = session.exec(select(Conversation).where(Conversation.patient_id == patient.id)
                          .order_by(Conversation.id.desc())).first()
    if latest is None or latest.id != sent.conversation_id:
        return TouchStatus.SKIPPED, "a newer conversation started"
    replied = session.exec(select(Message.id).where(Message.conversation_id == sent.conversation_id,
                                                    Message.direction == Direction.INBOUND)).first()
    if replied is not None:
        return TouchStatus.SKIPPED, "patient replied"
    return None


def _settle(touch: Touch, status: TouchStatus, reason: str, now: datetime) -> None:
    touch.status, touch.reason, touch.updated_at = status, reason, now
    return None


def _defer(touch: Touch, until: datetime, reason: str, now: datetime) -> None:
    touch.due_at, touch.reason, touch.updated_at = until, f"deferred: {reason}", now
    return None


def _retire_older_visits(session: Session, visit: Visit, now: datetime) -> None:
    older = session.exec(
        select(Touch).join(Visit, Visit.id == Touch.visit_id)
        .where(Touch.patient_id == visit.patient_id, Touch.status == TouchStatus.PENDING,
               Visit.occurred_at < visit.occurred_at)
    ).all()
    for touch in older:
        _settle(touch, TouchStatus.CANCELLED, "superseded by a newer visit", now)
