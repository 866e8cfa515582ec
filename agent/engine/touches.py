"""Proactive touches (check-ins, results check-ins, nudges): the agent opens the conversation.

The scheduler (and evals, `afterglow chat`, `afterglow simulate`) call `send_touch`; the text goes
through the same guard chain and outbox as every reply.
"""
from __future__ import annotations

from sqlmodel import select

from agent.engine.consent import close_conversation
from agent.engine.delivery import Deliverer
from agent.engine.result import ReplyRecord, TurnResult
from agent.engine.situation import current_conversation, load_situation
from agent.store.db import session_scope
from agent.store.models import Conversation, Patient, Turn, Visit
from agent.types import ConsentClass, Disposition, MessageKind, Mode, Stage

NUDGE = "nudge"


def when_phrase(days: int | None) -> str:
    if days is None:
        return "recently"
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return "a few days ago"
    if days < 14:
        return "last week"
    return "recently"


def weeks_phrase(days: int | None) -> str:
    weeks = max(1, round((days or 7) / 7))
    return {1: "a week", 2: "two weeks", 3: "three weeks", 4: "a month"}.get(weeks, f"{weeks} weeks")


def send_touch(agent, patient_id: int, touch_name: str, *, visit_id: int | None = None) -> TurnResult:  # noqa: ANN001
    """Send one touch now. A new touch (not a nudge) opens a fresh conversation for its visit."""
    now = agent.clock.now()
    timing = agent.policies.timing
    with session_scope(agent.db) as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise LookupError(f"no patient {patient_id}")
        visit = session.get(Visit, visit_id) if visit_id else session.exec(
            select(Visit).where(Visit.patient_id == patient.id).order_by(Visit.occurred_at.desc())).first()
        if touch_name == NUDGE:
            template, consent = timing.nudge_template, ConsentClass.CARE
        else:
            if visit is None:
                raise LookupError("a touch needs a visit")
            spec = timing.touch(visit.visit_type, touch_name)
            template, consent = spec.template, spec.consent
            _open_conversation(session, patient, visit, touch_name, spec.referral_eligible, now)
        sit = load_situation(session, patient, now)
        turn = Turn(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, brain="touch",
                    disposition=Disposition.SILENT.value, created_at=now)
        session.add(turn)
        session.flush()
        result = TurnResult(conversation_id=sit.conversation.id, turn_id=turn.id, brain="touch")
        missing = _missing_consent(patient, consent)
        if missing:
            result.replies.append(ReplyRecord(body="", asks=[], segments=0, disposition=Disposition.BLOCK,
                                              verdicts=[{"policy": "consent", "tripped": True, "reason": missing}]))
        else:
            text = agent.offline.render(template, sit.brain_context("", agent.policies, frozenset()),
                                        when=when_phrase(sit.days_since_visit),
                                        when_weeks=weeks_phrase(sit.days_since_visit))
            Deliverer(agent, sit, turn, result).fixed(text, MessageKind.TOUCH, touch=touch_name)
        turn.disposition = result.replies[-1].disposition.value
        return result


def _open_conversation(session, patient: Patient, visit: Visit, touch: str, eligible: bool, now) -> None:  # noqa: ANN001
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

