"""Proactive touches (check-ins, results check-ins, nudges): the agent opens the conversation.

The scheduler (and evals, `afterglow chat`, `afterglow simulate`) send through here; the text goes
through the same guard chain and outbox as every reply.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from agent.engine.clinic_rules import clinic_rules
from agent.engine.consent import close_conversation
from agent.engine.delivery import Deliverer
from agent.engine.result import ReplyRecord, TurnResult
from agent.engine.situation import current_conversation, load_situation
from agent.nlu.language import ENGLISH, SPANISH, conversation_language
from agent.prompts import clinic_templates
from agent.schedule import local_moment
from agent.store.db import session_scope
from agent.store.models import Clinic, Conversation, Message, Patient, Touch, Turn, Visit
from agent.types import ConsentClass, Direction, Disposition, MessageKind, Mode, REVIEW_TOUCH, Stage, TouchStatus

if TYPE_CHECKING:
    from agent.engine.turn import Agent

NUDGE = "nudge"
NUDGE_SUFFIX = "_nudge"


# "after your visit {when}" / "tras su visita de {when}", "por venir {when}"; "about {weeks} since your visit".
# Spanish without á í ó ú, as the Spanish templates are: one of them makes a text UCS-2 (70 characters a segment).
_WHEN = {ENGLISH: ("recently", "today", "yesterday", "a few days ago", "last week"),
         SPANISH: ("hace poco", "hoy", "ayer", "hace poco", "la semana pasada")}
_WEEKS = {ENGLISH: ({1: "a week", 2: "two weeks", 3: "three weeks", 4: "a month"}, "{} weeks"),
          SPANISH: ({1: "una semana", 2: "dos semanas", 3: "tres semanas", 4: "un mes"}, "{} semanas")}
LANGUAGE_LOOKBACK = 20  # the patient's newest texts read for the language a new thread opens in


def when_phrase(days: int | None, language: str = ENGLISH) -> str:
    recently, today, yesterday, few_days, last_week = _WHEN.get(language, _WHEN[ENGLISH])
    if days is None:
        return recently
    if days <= 0:
        return today
    if days == 1:
        return yesterday
    if days < 7:
        return few_days
    if days < 14:
        return last_week
    return recently


def weeks_phrase(days: int | None, language: str = ENGLISH) -> str:
    weeks = max(1, round((days or 7) / 7))
    named, other = _WEEKS.get(language, _WEEKS[ENGLISH])
    return named.get(weeks, other.format(weeks))


def patient_language(session: Session, patient_id: int) -> str:
    """The language the patient writes in, from their newest texts in any thread (a new touch opens a
    thread with none yet): a patient who answered in Spanish last visit is checked in on in Spanish."""
    bodies = session.exec(select(Message.body).where(Message.patient_id == patient_id,
                                                     Message.direction == Direction.INBOUND)
                          .order_by(Message.id.desc()).limit(LANGUAGE_LOOKBACK)).all()
    return conversation_language("", reversed(bodies))


def send_touch(agent: Agent, patient_id: int, touch_name: str, *, visit_id: int | None = None) -> TurnResult:
    """Send one touch now (its own transaction). A new touch opens a fresh conversation for its visit."""
    with session_scope(agent.db) as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise LookupError(f"no patient {patient_id}")
        visit = session.get(Visit, visit_id) if visit_id else session.exec(
            select(Visit).where(Visit.patient_id == patient.id).order_by(Visit.occurred_at.desc())).first()
        return deliver_touch(agent, session, patient, visit, touch_name)


def deliver_touch(agent: Agent, session: Session, patient: Patient, visit: Visit | None, touch_name: str) -> TurnResult:
    """Send a touch inside the caller's transaction, and settle its scheduled row if it has one."""
    now = agent.clock.now()
    rules = clinic_rules(session, session.get(Clinic, patient.clinic_id))  # the clinic's timing and wording
    timing = rules.timing(agent.policies.timing)
    base = touch_name.removesuffix(NUDGE_SUFFIX)
    nudge = touch_name == NUDGE or touch_name.endswith(NUDGE_SUFFIX)
    spec = None
    review = touch_name == REVIEW_TOUCH
    if nudge:
        template, consent = timing.nudge_template, ConsentClass.CARE
    elif review:
        template, consent = timing.review.template, ConsentClass.MARKETING  # continues the current thread
    else:
        if visit is None:
            raise LookupError("a touch needs a visit")
        spec = timing.touch(visit.visit_type, base)
        template, consent = spec.template, spec.consent
        _open_conversation(session, patient, visit, base, spec.referral_eligible, now)
    sit = load_situation(session, patient, now)
    turn = Turn(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, brain="touch",
                disposition=Disposition.SILENT, created_at=now)
    session.add(turn)
    session.flush()
    result = TurnResult(conversation_id=sit.conversation.id, turn_id=turn.id, brain="touch")
    missing = _missing_consent(patient, consent)
    if missing:
        result.replies.append(ReplyRecord(body="", asks=[], segments=0, disposition=Disposition.BLOCK,
                                          verdicts=[{"policy": "consent", "tripped": True, "reason": missing}]))
    else:
        ctx = sit.brain_context("", agent.policies, frozenset())
        if ctx.language == ENGLISH:  # nothing in this thread says otherwise: the patient's own language
            ctx = replace(ctx, language=patient_language(session, patient.id))
        with clinic_templates(rules.templates):
            text = agent.offline.render(template, ctx, when=when_phrase(sit.days_since_visit, ctx.language),
                                        when_weeks=weeks_phrase(sit.days_since_visit, ctx.language),
                                        review_link=sit.clinic.review_link or "")
            # An ask touch that trips a guard is not sent at all: cutting the ask would leave an empty text.
            Deliverer(agent, sit, turn, result).fixed(text, MessageKind.TOUCH, touch=base if not nudge else NUDGE,
                                                      repairable=not review)
    record = result.replies[-1]
    turn.disposition = record.disposition
    if visit is not None:
        row_name = (sit.conversation.opening_touch or base) + NUDGE_SUFFIX if nudge else base
        _settle_row(session, visit, row_name, record, now, missing or _blocked_reason(record))
        if spec is not None and spec.nudge_after_days and record.message_id is not None:
            _schedule_nudge(session, patient, visit, base, spec.hour, spec.nudge_after_days, sit.clinic.timezone, now)
    return result


def _settle_row(session: Session, visit: Visit, name: str, record: ReplyRecord, now: datetime,
                reason: str | None) -> None:
    row = session.exec(select(Touch).where(Touch.visit_id == visit.id, Touch.name == name)).first()
    if row is None or row.status != TouchStatus.PENDING:
        return
    row.status = TouchStatus.SENT if record.message_id is not None else TouchStatus.SKIPPED
    row.reason = "" if record.message_id is not None else (reason or "held")[:120]
    row.message_id = record.message_id
    row.updated_at = now


def _schedule_nudge(session: Session, patient: Patient, visit: Visit, base: str, hour: int, days: int,
                    timezone: str, now: datetime) -> None:

    name = base + NUDGE_SUFFIX
    if session.exec(select(Touch).where(Touch.visit_id == visit.id, Touch.name == name)).first() is not None:
        return  # one nudge, then stop
    due = local_moment(now, hour, timezone, days_later=days)
    session.add(Touch(clinic_id=patient.clinic_id, patient_id=patient.id, visit_id=visit.id, name=name,
                      due_at=due, created_at=now, updated_at=now))


def _open_conversation(session: Session, patient: Patient, visit: Visit, touch: str, eligible: bool,
                       now: datetime) -> None:
    current = current_conversation(session, patient)
    if current is not None and current.mode == Mode.HUMAN:
        return  # a person owns the thread: the touch runs in it and the guard chain holds it back
    if current is not None:
        close_conversation(current, now)  # superseded by the newer touch
    session.add(Conversation(clinic_id=patient.clinic_id, patient_id=patient.id, visit_id=visit.id,
                             opening_touch=touch, referral_eligible=eligible, stage=Stage.CHECKIN,
                             created_at=now, updated_at=now))
    session.flush()


def _missing_consent(patient: Patient, consent: ConsentClass) -> str | None:
    if not patient.sms_consent:
        return "no consent to texts"
    if consent == ConsentClass.MARKETING and not patient.marketing_consent:
        return "no marketing consent"
    return None


def _blocked_reason(record: ReplyRecord) -> str | None:
    policies = sorted({v["policy"] for v in record.verdicts})
    return ("blocked: " + ", ".join(policies)) if policies else None
