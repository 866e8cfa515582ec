"""Proactive touches (check-ins, results check-ins, nudges): the agent opens the conversation.

The scheduler (and evals, `afterglow chat`, `afterglow simulate`) send through here; the text goes
through the same guard chain and outbox as every reply.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from agent.engine.clinic_rules import ClinicRules, clinic_rules
from agent.engine.consent import close_conversation
from agent.engine.delivery import Deliverer
from agent.engine.result import ReplyRecord, TurnResult
from agent.engine.situation import Situation, TurnRows, current_conversation, load_situation
from agent.nlu.language import ENGLISH, SPANISH, conversation_language
from agent.policy.schema import ClinicSettings, TouchSpec
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


class Reads:
    """What sending a touch reads besides its patient and visit, asked of the database one at a time. The
    scheduler passes its batch's answers instead (agent/outreach/facts.py, BatchFacts): the same questions
    for twenty touches in one query each, not one per touch."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current_conversation(self, patient: Patient) -> Conversation | None:
        return current_conversation(self.session, patient)

    def language(self, patient_id: int) -> str:
        return patient_language(self.session, patient_id)

    def touch_row(self, visit_id: int, name: str) -> Touch | None:
        return self.session.exec(select(Touch).where(Touch.visit_id == visit_id, Touch.name == name)).first()


def send_touch(agent: Agent, patient_id: int, touch_name: str, *, visit_id: int | None = None) -> TurnResult:
    """Send one touch now (its own transaction). A new touch opens a fresh conversation for its visit."""
    with session_scope(agent.db) as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise LookupError(f"no patient {patient_id}")
        visit = session.get(Visit, visit_id) if visit_id else session.exec(
            select(Visit).where(Visit.patient_id == patient.id).order_by(Visit.occurred_at.desc())).first()
        return deliver_touch(agent, session, patient, visit, touch_name)


def deliver_touch(agent: Agent, session: Session, patient: Patient, visit: Visit | None, touch_name: str, *,
                  reads: Reads | None = None, open_handoff: bool | None = None) -> TurnResult:
    """Send a touch inside the caller's transaction, and settle its scheduled row if it has one.
    `reads`: answers already read (the scheduler's batch); `open_handoff`: False when the caller has just
    checked that the patient has none (the situation then needs no query for it).

    Three steps, which the scheduler runs for a whole batch at a time (each step for every touch, one
    flush between them): open the thread, compose the text, settle the scheduled row."""
    touch = open_touch(agent, session, patient, visit, touch_name, reads=reads, open_handoff=open_handoff)
    session.flush()  # the new thread's id goes into the text's variant and rows
    result = compose_touch(agent, session, touch)
    session.flush()  # the turn, and the text with its outbox job, each inserted once
    settle_touch(session, touch, result)
    return result


@dataclass
class OpenTouch:
    """A touch between its thread's opening and its text."""

    patient: Patient
    visit: Visit | None
    clinic: Clinic
    rules: ClinicRules
    reads: Reads
    now: datetime
    base: str
    nudge: bool
    review: bool
    spec: TouchSpec | None
    template: str
    consent: ConsentClass
    open_handoff: bool | None
    current: Conversation | None  # the patient's open thread, if any, before this touch
    opened: Conversation | None = None  # the thread this touch opened (inserted at the caller's next flush)
    turn: Turn | None = None
    sit: Situation | None = None
    missing: str | None = None


def open_touch(agent: Agent, session: Session, patient: Patient, visit: Visit | None, touch_name: str, *,
               reads: Reads | None = None, open_handoff: bool | None = None) -> OpenTouch:
    """Resolve the touch's template and consent and open its new thread, if it opens one (added to the
    session, not flushed: the caller flushes once, for a batch's threads together)."""
    now = agent.clock.now()
    reads = reads or Reads(session)
    clinic = session.get(Clinic, patient.clinic_id)
    rules = clinic_rules(session, clinic)  # the clinic's timing and wording
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
    current = reads.current_conversation(patient)
    touch = OpenTouch(patient=patient, visit=visit, clinic=clinic, rules=rules, reads=reads, now=now, base=base,
                      nudge=nudge, review=review, spec=spec, template=template, consent=consent,
                      open_handoff=open_handoff, current=current)
    if spec is not None and (current is None or current.mode != Mode.HUMAN):
        touch.opened = _open_conversation(session, patient, visit, base, spec.referral_eligible, now, current)
    return touch


def compose_touch(agent: Agent, session: Session, touch: OpenTouch) -> TurnResult:
    """The touch's turn and text (with its outbox job), added to the session after its thread was flushed;
    their ids are known after the caller's next flush (settle_touch reads them)."""
    patient, visit, clinic, now = touch.patient, touch.visit, touch.clinic, touch.now
    if touch.opened is not None:
        # A thread this touch opened has no messages yet: its situation needs no read of the thread.
        sit = _new_thread(session, clinic, patient, touch.opened, visit, now, touch.open_handoff)
    elif touch.current is not None:
        current = touch.current
        visit_of = visit if visit is not None and current.visit_id == visit.id else (
            session.get(Visit, current.visit_id) if current.visit_id else None)
        sit = load_situation(session, patient, now, rows=TurnRows(patient, clinic, current, visit_of,
                                                                  touch.open_handoff is not False))
    else:
        sit = load_situation(session, patient, now)
    # Inserted once, with its verdicts and disposition, at the next flush (not inserted, then updated
    # twice): the message and its outbox job wait for that same flush (defer_ids).
    turn = Turn(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, brain="touch",
                disposition=Disposition.SILENT, created_at=now)
    session.add(turn)
    touch.turn, touch.sit = turn, sit
    result = TurnResult(conversation_id=sit.conversation.id, brain="touch")
    touch.missing = _missing_consent(patient, touch.consent)
    if touch.missing:
        result.replies.append(ReplyRecord(body="", asks=[], segments=0, disposition=Disposition.BLOCK,
                                          verdicts=[{"policy": "consent", "tripped": True, "reason": touch.missing}]))
    else:
        ctx = sit.brain_context("", agent.policies, frozenset())
        if ctx.language == ENGLISH:  # nothing in this thread says otherwise: the patient's own language
            ctx = replace(ctx, language=touch.reads.language(patient.id))
        with clinic_templates(touch.rules.templates):
            text = agent.offline.render(touch.template, ctx, when=when_phrase(sit.days_since_visit, ctx.language),
                                        when_weeks=weeks_phrase(sit.days_since_visit, ctx.language),
                                        review_link=sit.clinic.review_link or "")
            # An ask touch that trips a guard is not sent at all: cutting the ask would leave an empty text.
            Deliverer(agent, sit, turn, result, defer_ids=True).fixed(
                text, MessageKind.TOUCH, touch=touch.base if not touch.nudge else NUDGE, repairable=not touch.review)
    turn.disposition = result.replies[-1].disposition
    return result


def settle_touch(session: Session, touch: OpenTouch, result: TurnResult) -> None:
    """After the flush that inserted the touch's rows: its ids, its scheduled row's status, its nudge."""
    result.turn_id = touch.turn.id
    result.fill_message_ids()
    record = result.replies[-1]
    visit, sit, base = touch.visit, touch.sit, touch.base
    if visit is None:
        return
    row_name = (sit.conversation.opening_touch or base) + NUDGE_SUFFIX if touch.nudge else base
    _settle_row(touch.reads, visit, row_name, record, touch.now, touch.missing or _blocked_reason(record))
    spec = touch.spec
    if spec is not None and spec.nudge_after_days and record.message_id is not None:
        _schedule_nudge(session, touch.reads, touch.patient, visit, base, spec.hour, spec.nudge_after_days,
                        sit.clinic.timezone, touch.now)


def _new_thread(session: Session, clinic: Clinic, patient: Patient, conversation: Conversation, visit: Visit | None,
                now: datetime, open_handoff: bool | None) -> Situation:
    """load_situation for a conversation inserted in this transaction: its thread is empty, so nothing is
    read (load_situation would read the thread, and the handoffs unless told there are none)."""
    return Situation(session=session, clinic=clinic, settings=ClinicSettings.model_validate(clinic.settings),
                     patient=patient, conversation=conversation, visit=visit, now=now, messages=[],
                     older_than=None, rules=clinic_rules(session, clinic),
                     _open_handoffs=[] if open_handoff is False else None)


def _settle_row(reads: Reads, visit: Visit, name: str, record: ReplyRecord, now: datetime,
                reason: str | None) -> None:
    row = reads.touch_row(visit.id, name)
    if row is None or row.status != TouchStatus.PENDING:
        return
    row.status = TouchStatus.SENT if record.message_id is not None else TouchStatus.SKIPPED
    row.reason = "" if record.message_id is not None else (reason or "held")[:120]
    row.message_id = record.message_id
    row.updated_at = now


def _schedule_nudge(session: Session, reads: Reads, patient: Patient, visit: Visit, base: str, hour: int,
                    days: int, timezone: str, now: datetime) -> None:
    name = base + NUDGE_SUFFIX
    if reads.touch_row(visit.id, name) is not None:
        return  # one nudge, then stop
    due = local_moment(now, hour, timezone, days_later=days)
    session.add(Touch(clinic_id=patient.clinic_id, patient_id=patient.id, visit_id=visit.id, name=name,
                      due_at=due, created_at=now, updated_at=now))


def _open_conversation(session: Session, patient: Patient, visit: Visit, touch: str, eligible: bool,
                       now: datetime, current: Conversation | None) -> Conversation:
    """The touch's new thread. Not called when a person owns the current one (mode HUMAN): the touch runs
    in that thread and the guard chain holds it back."""
    if current is not None:
        close_conversation(current, now)  # superseded by the newer touch
    conversation = Conversation(clinic_id=patient.clinic_id, patient_id=patient.id, visit_id=visit.id,
                                opening_touch=touch, referral_eligible=eligible, stage=Stage.CHECKIN,
                                created_at=now, updated_at=now)
    session.add(conversation)
    return conversation


def _missing_consent(patient: Patient, consent: ConsentClass) -> str | None:
    if not patient.sms_consent:
        return "no consent to texts"
    if consent == ConsentClass.MARKETING and not patient.marketing_consent:
        return "no marketing consent"
    return None


def _blocked_reason(record: ReplyRecord) -> str | None:
    policies = sorted({v["policy"] for v in record.verdicts})
    return ("blocked: " + ", ".join(policies)) if policies else None
