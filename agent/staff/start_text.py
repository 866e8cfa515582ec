"""Staff start a text from the patient page, with no handoff open: the thread then belongs to a person.

A text nobody asked for is outreach, so before the guard chain (opt-out, PHI, one ask, marketing consent,
segments) it keeps the rules a scheduled touch keeps: consent to texts, not a wrong number, not in the
clinic's quiet hours. Once the text passes, it goes out exactly as a handoff reply does: a front-desk
handoff (every role works that queue) is opened and claimed by the sender, the conversation is HUMAN, so
the agent stays silent until someone resolves it, and the send, claim and opening are all audited.

A patient already in a colleague's hands (a claim, or an open handoff of a queue the sender does not work,
such as an unclaimed red flag for a front-desk user) is not texted around them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from agent.engine import drafts as engine_drafts
from agent.engine import handoffs as engine_handoffs
from agent.engine.drafts import DraftStateError, StaffSend
from agent.engine.situation import Situation, current_conversation, latest_visit_id
from agent.schedule import in_quiet_hours
from agent.policy.schema import ClinicSettings, Policies
from agent.staff.actor import Actor, Conflict
from agent.staff.queries import owned
from agent.staff.roles import Permission
from agent.store.models import AuditEvent, Clinic, Conversation, Handoff, Patient, Visit
from agent.types import HandoffStatus, Mode, Priority, Queue

STARTED_QUEUE = Queue.FRONT_DESK
STARTED_REASON = "staff started a text"


class StartRefused(ValueError):
    """The patient may not be texted first right now; the message says why and is safe to show (no PHI)."""


@dataclass
class StartedText:
    outcome: StaffSend
    handoff_id: int | None  # the handoff the text went out in; None when the guards refused it


def outreach_refusal(patient: Patient, clinic: Clinic, now: datetime) -> tuple[str, str] | None:
    """(code, message) saying why a first text may not go to this patient now, or None. Shared by the
    page (to say so before anyone types) and the send; the code is what the audit log keeps."""
    if patient.opted_out:
        return "opted_out", "This patient opted out of texts (STOP). Nobody can text them until they text START."
    if patient.wrong_number:
        return "wrong_number", "This number was reported as not the patient's. Correct it in the practice system first."
    if not patient.sms_consent:
        return "no_consent", "This patient has not consented to texts."
    settings = ClinicSettings.model_validate(clinic.settings or {})
    if in_quiet_hours(now, clinic.timezone, settings):
        return "quiet_hours", (f"Quiet hours at the clinic ({settings.quiet_start:02d}:00 to "
                               f"{settings.quiet_end:02d}:00): a new text can start from {settings.quiet_end:02d}:00.")
    return None


def page_refusal(session: Session, actor: Actor, patient_id: int, now: datetime) -> str | None:
    """What the patient page says instead of offering the form, or None when a text may start."""
    patient = owned(session, Patient, patient_id, actor.clinic_id)
    refusal = outreach_refusal(patient, session.get(Clinic, patient.clinic_id), now)
    return refusal[1] if refusal else None


def start_text(session: Session, actor: Actor, patient_id: int, text: str, now: datetime, policies: Policies, *,
               override_phi: bool = False) -> StartedText:
    """Send `text` to the patient as the start of a staff-owned thread. Raises StartRefused (consent, quiet
    hours), Conflict (a colleague has the patient) or Forbidden; a guard refusal is an outcome, audited."""
    actor.require_queue(STARTED_QUEUE)  # every staff role works it; the read-only clinic key is refused
    if override_phi:
        actor.require(Permission.OVERRIDE_PHI)
    patient = owned(session, Patient, patient_id, actor.clinic_id)
    clinic = session.get(Clinic, patient.clinic_id)
    if (refusal := outreach_refusal(patient, clinic, now)) is not None:
        _audit(session, actor, patient, "staff_text.refused", now, reason=refusal[0])
        raise StartRefused(refusal[1])
    conversation = current_conversation(session, patient)
    handoff = _usable_handoff(session, actor, patient, conversation)
    sit = _situation(session, clinic, patient, conversation, now)
    try:
        outcome = engine_drafts.check(sit, engine_drafts.clean_text(text), policies, override_phi=override_phi)
    except DraftStateError as exc:
        raise StartRefused(str(exc)) from None
    if outcome.blocked_by:
        _audit(session, actor, patient, "staff_text.refused", now, policies=outcome.blocked_by,
               override_requested=override_phi, **engine_drafts.phi_categories(outcome))
        return StartedText(outcome, None)
    if sit.conversation.id is None:
        session.add(sit.conversation)
        session.flush()
    if handoff is None:
        handoff = _open_handoff(session, actor, sit)
    sit.conversation.mode = Mode.HUMAN
    if handoff.status == HandoffStatus.OPEN:
        engine_handoffs.claim(session, handoff, actor.staff_id, now)
    # The reply path re-runs the same guards and writes the message, its outbox job and handoff.replied.
    try:
        outcome = engine_drafts.staff_reply(session, handoff, staff_id=actor.staff_id, text=text, now=now,
                                            policies=policies, override_phi=override_phi)
    except DraftStateError as exc:
        raise Conflict(str(exc)) from None
    if outcome.sent:  # the same guards just passed, so this holds unless the check above missed something
        _audit(session, actor, patient, "staff_text.started", now, handoff_id=handoff.id,
               message_id=outcome.message_id)
    return StartedText(outcome, handoff.id)


def _usable_handoff(session: Session, actor: Actor, patient: Patient,
                    conversation: Conversation | None) -> Handoff | None:
    """The patient's unresolved handoff the sender may text in, None when there is none; Conflict when
    someone else has the patient."""
    unresolved = session.exec(select(Handoff).where(Handoff.patient_id == patient.id,
                                                    Handoff.status != HandoffStatus.RESOLVED)
                              .order_by(Handoff.id)).all()
    for h in unresolved:
        if engine_handoffs.claimed_by_other(h, actor.staff_id):
            raise Conflict("a colleague has claimed this patient's thread: they answer it "
                           "(a manager or admin can take it over from the handoff)")
        if not actor.can_work(h.queue):
            raise Conflict(f"this patient has an open {h.queue.value.replace('_', ' ')} handoff: "
                           "someone who works that queue answers it first")
    mine = [h for h in unresolved if conversation is not None and h.conversation_id == conversation.id]
    return mine[0] if mine else None


def _situation(session: Session, clinic: Clinic, patient: Patient, conversation: Conversation | None,
               now: datetime) -> Situation:
    """The guard view of the thread the text would go into; a patient with none gets one, added to the
    session only once the text passes (a refused text leaves no empty conversation behind)."""
    if conversation is not None:
        return engine_drafts.situation_for(session, conversation.id, now)
    visit_id = latest_visit_id(session, patient)
    fresh = Conversation(clinic_id=clinic.id, patient_id=patient.id, visit_id=visit_id, created_at=now,
                         updated_at=now)
    return Situation(session=session, clinic=clinic, settings=ClinicSettings.model_validate(clinic.settings or {}),
                     patient=patient, conversation=fresh, visit=session.get(Visit, visit_id) if visit_id else None,
                     now=now, messages=[])


def _open_handoff(session: Session, actor: Actor, sit: Situation) -> Handoff:
    from agent.tools import visit_context  # the same internal context the agent's handoffs carry

    handoff = Handoff(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, patient_id=sit.patient.id,
                      queue=STARTED_QUEUE, priority=Priority.NORMAL, reason=STARTED_REASON,
                      context=visit_context(sit), created_at=sit.now)
    session.add(handoff)
    session.flush()
    session.add(AuditEvent(clinic_id=sit.clinic.id, actor=actor.label, action="handoff.opened",
                           subject_type="handoff", subject_id=handoff.id,
                           data={"queue": STARTED_QUEUE.value, "priority": Priority.NORMAL.value,
                                 "started_by_staff": True}, created_at=sit.now))
    return handoff


def _audit(session: Session, actor: Actor, patient: Patient, action: str, now: datetime, **data: object) -> None:
    session.add(AuditEvent(clinic_id=patient.clinic_id, actor=actor.label, action=action, subject_type="patient",
                           subject_id=patient.id, data=data, created_at=now))


__all__ = ["StartRefused", "StartedText", "outreach_refusal", "page_refusal", "start_text"]
