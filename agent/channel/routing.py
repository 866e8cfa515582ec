"""What one inbound text becomes: a patient turn, a front-desk item, or a photo the team must look at.

- Patients on file: the engine runs the turn (keywords, brain, guards, outbox) as for any message.
- A number not on file (no visit with this clinic): recorded under a contact row (no name, no consent
  to outreach) and handed to the front desk; the agent stays silent. STOP / START / HELP still work,
  through the engine's keyword layer: compliance does not depend on being a patient.
- Media: URLs are never stored, only a count noted on the message. Media without text from a reachable
  patient goes to the clinical team (a post-visit photo is usually about a concern) and the patient
  is told, once, that we cannot view photos by text. Media with text: the text is the turn.
- Empty body and no media: nothing to answer, nothing recorded but the job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from agent.channel.compliance import engine_text
from agent.engine.delivery import Deliverer
from agent.engine.result import TurnResult
from agent.engine.scope import tool_scope
from agent.engine.situation import load_situation
from agent.keywords import match_keyword
from agent.phones import display_phone
from agent.store.channel_models import InboundOutcome
from agent.store.models import AuditEvent, Handoff, Message, Patient, Visit
from agent.tools import open_handoff
from agent.types import Direction, HandoffStatus, MessageKind, Priority, Queue

if TYPE_CHECKING:
    from agent.engine.turn import Agent

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CONTACT_REASON = "text from a number not on file"
PHOTO_REASON = "photo by text (cannot be viewed in the thread)"
PHOTO_ACK = ("Thanks{name}! We can't view photos by text, so our care team will follow up with you. "
             "If it's urgent, please call us at {phone}.")


@dataclass(frozen=True)
class InboundText:
    id: int
    clinic_id: int
    message_sid: str
    sender: str
    body: str
    num_media: int
    opt_out_type: str | None


def media_note(count: int) -> str:
    return f"[{count} attachment{'s' if count != 1 else ''} not shown]"


def route(agent: Agent, job: InboundText, session: Session) -> tuple[InboundOutcome, int | None]:
    """The job's turn inside the worker's transaction (`session`): whatever it writes commits with the job."""
    text = job.body.strip()
    if not _E164.match(job.sender):
        return InboundOutcome.NOT_A_PHONE, None  # a short code or alphanumeric sender cannot be texted back
    if not text and job.num_media == 0:
        return InboundOutcome.EMPTY, None
    now = agent.clock.now()
    patient, contact = _patient_for(session, job, now)
    for_engine = engine_text(text, job.opt_out_type, agent.policies.keywords, opted_out=patient.opted_out)
    keyword = match_keyword(for_engine, agent.policies.keywords, opted_out=patient.opted_out) if text else None
    reachable = not (patient.opted_out or patient.wrong_number)
    acknowledge = False
    if contact:
        outcome = InboundOutcome.CONTACT
        if keyword is None:
            _hand_over(session, agent, patient, Queue.FRONT_DESK, CONTACT_REASON,
                       "Someone not on file texted the clinic number; the agent did not answer.")
    elif not text and reachable:
        outcome = InboundOutcome.PHOTO
        acknowledge = _hand_over(session, agent, patient, Queue.CLINICAL, PHOTO_REASON,
                                 "The patient sent a photo or attachment by text; view it in Twilio or call.")
    else:
        outcome = InboundOutcome.TURN
    patient_id = patient.id
    result = agent.handle_inbound(patient_id, for_engine or media_note(job.num_media), sid=job.message_sid,
                                  session=session)
    if result.duplicate:
        return InboundOutcome.DUPLICATE, patient_id
    _annotate(session, job, text, for_engine)
    if acknowledge:
        _acknowledge_photo(session, agent, patient_id)
    return outcome, patient_id


def _patient_for(session: Session, job: InboundText, now: datetime) -> tuple[Patient, bool]:
    """The patient this number belongs to, or a contact row for a number not on file."""
    patient = session.exec(select(Patient).where(Patient.clinic_id == job.clinic_id,
                                                 Patient.phone == job.sender)).first()
    if patient is None:
        patient = Patient(clinic_id=job.clinic_id, phone=job.sender, first_name="", sms_consent=False,
                          marketing_consent=False, created_at=now)
        try:
            with session.begin_nested():
                session.add(patient)
        except IntegrityError:  # a concurrent insert of the same number won: use that row
            patient = session.exec(select(Patient).where(Patient.clinic_id == job.clinic_id,
                                                         Patient.phone == job.sender)).one()
        else:
            session.add(AuditEvent(clinic_id=job.clinic_id, actor="twilio", action="patient.contact_created",
                                   subject_type="patient", subject_id=patient.id, data={}, created_at=now))
    has_visit = session.exec(select(Visit.id).where(Visit.patient_id == patient.id)).first() is not None
    return patient, not has_visit


def _hand_over(session: Session, agent: Agent, patient: Patient, queue: Queue, reason: str, summary: str) -> bool:
    """Open (or join) a handoff so a person owns the thread before the engine sees the message.
    Returns True when this message opened it."""
    already = session.exec(select(Handoff.id).where(Handoff.patient_id == patient.id, Handoff.queue == queue,
                                                    Handoff.status != HandoffStatus.RESOLVED)).first()
    sit = load_situation(session, patient, agent.clock.now())
    open_handoff(tool_scope(sit, share_open_handoffs=False), queue, Priority.NORMAL, reason, summary)
    return already is None


def _annotate(session: Session, job: InboundText, text: str, for_engine: str) -> None:
    """The record keeps what the patient wrote (not the canonical keyword) and notes attachments."""
    if not text or (text == for_engine and job.num_media == 0):
        return
    message = session.exec(select(Message).where(Message.twilio_sid == job.message_sid,
                                                 Message.direction == Direction.INBOUND)).first()
    if message is not None:
        message.body = text + (" " + media_note(job.num_media) if job.num_media else "")


def _acknowledge_photo(session: Session, agent: Agent, patient_id: int) -> None:
    patient = session.get(Patient, patient_id)
    sit = load_situation(session, patient, agent.clock.now())
    name = f", {patient.first_name}" if patient.first_name else ""
    text = PHOTO_ACK.format(name=name, phone=display_phone(sit.clinic.phone))
    # A person owns the thread now; this one fixed text still goes through every guard and the outbox.
    Deliverer(agent, sit, None, TurnResult(conversation_id=sit.conversation.id)).fixed(
        text, MessageKind.REPLY, exempt=True)
