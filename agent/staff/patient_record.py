"""One patient's whole record for staff: visits, the touches scheduled for them with status and reason,
every conversation, the people they referred, and their consent history from the audit log."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from agent.staff.actor import Actor
from agent.staff.queries import owned, patient_summary
from agent.staff.schemas import PatientSummary
from agent.store.models import AuditEvent, Conversation, Patient, Referral, Touch, Visit
from agent.store.referral_models import ReferralCode

@dataclass(frozen=True)
class PatientRecord:
    patient: PatientSummary
    sms_consent: bool
    wrong_number: bool
    referral_declined: bool
    visits: list[Visit]
    touches: list[Touch]
    conversations: list[Conversation]
    referrals: list[Referral]
    consent_events: list[AuditEvent]  # what happened to the patient: opt-out and back in, wrong number, decline
    referral_code: str | None = None  # their code for the friend page, once someone made one


def patient_record(session: Session, actor: Actor, patient_id: int) -> PatientRecord:
    p = owned(session, Patient, patient_id, actor.clinic_id)
    visits = list(session.exec(select(Visit).where(Visit.patient_id == p.id).order_by(Visit.occurred_at.desc())))
    touches = list(session.exec(select(Touch).where(Touch.patient_id == p.id).order_by(Touch.due_at.desc())))
    conversations = list(session.exec(select(Conversation).where(Conversation.patient_id == p.id)
                                      .order_by(Conversation.id.desc())))
    referrals = list(session.exec(select(Referral).where(Referral.referrer_id == p.id).order_by(Referral.id.desc())))
    consent = list(session.exec(select(AuditEvent).where(AuditEvent.clinic_id == actor.clinic_id,
                                                         AuditEvent.subject_type == "patient",
                                                         AuditEvent.subject_id == p.id,
                                                         # staff texts are in the conversations, not consent
                                                         AuditEvent.action.not_like("staff_text.%"))
                                .order_by(AuditEvent.id.desc()).limit(50)))
    code = session.exec(select(ReferralCode.code).where(ReferralCode.patient_id == p.id)).first()
    return PatientRecord(patient_summary(p), p.sms_consent, p.wrong_number, p.referral_declined_at is not None,
                         visits, touches, conversations, referrals, consent, code)


__all__ = ["PatientRecord", "patient_record"]
