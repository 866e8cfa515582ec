"""Visit intake from a practice-management system: JSON API or CSV (agent/outreach/csv_import.py), one
validated shape, idempotent on the clinic's own visit id, patients matched by phone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticUseDefault
from sqlmodel import Session, select

from agent.outreach.scheduler import schedule_visit
from agent.phones import to_e164
from agent.policy.schema import Policies
from agent.referrals.attribution import Arrival, attribute
from agent.store.models import AuditEvent, Clinic, Patient, Referral, Touch, Visit
from agent.types import VisitStatus, VisitType


def _e164(value: str) -> str:
    try:
        return to_e164(value)
    except ValueError as exc:
        raise ValueError(f"phone is {exc}") from None


def _yes_no(value: object) -> object:
    """CSV-friendly booleans: yes/no, y/n, true/false, 1/0; empty means the default."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == "":
            raise PydanticUseDefault()
        if lowered in ("yes", "y", "true", "1"):
            return True
        if lowered in ("no", "n", "false", "0"):
            return False
        raise ValueError("must be yes or no")
    return value


YesNo = Annotated[bool, BeforeValidator(_yes_no)]


class PatientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: Annotated[str, AfterValidator(_e164)]
    first_name: str = Field(min_length=1, max_length=60)
    sms_consent: YesNo = True
    marketing_consent: YesNo = False


class VisitIn(BaseModel):
    """A completed visit, or a booked one (`status: booked`: only a referred friend's referral moves; no
    visit is recorded and nothing is scheduled). `occurred_at` without a zone is read in the clinic's local
    time. `referral_code` is the referrer code the patient gave at the desk, if any."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    external_id: str = Field(min_length=1, max_length=80)
    patient: PatientIn
    visit_type: VisitType
    treatment: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=120)
    occurred_at: datetime
    status: VisitStatus = VisitStatus.COMPLETED
    referral_code: str | None = Field(default=None, max_length=20)

    @field_validator("visit_type", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else value


@dataclass
class IntakeResult:
    visit: Visit
    patient: Patient
    created: bool
    touches: list[Touch]
    referral: Referral | None = None  # the open referral this visit advanced (or flagged)


def intake_visit(session: Session, clinic: Clinic, data: VisitIn, policies: Policies, now: datetime) -> IntakeResult:
    if data.status != VisitStatus.COMPLETED:
        raise ValueError("a booked visit goes to intake_booking")
    existing = session.exec(select(Visit).where(Visit.clinic_id == clinic.id,
                                                Visit.external_id == data.external_id)).first()
    if existing is not None:
        touches = list(session.exec(select(Touch).where(Touch.visit_id == existing.id).order_by(Touch.due_at)))
        return IntakeResult(existing, session.get(Patient, existing.patient_id), False, touches)
    patient = _match_patient(session, clinic, data.patient, now)
    occurred = data.occurred_at
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=ZoneInfo(clinic.timezone))
    visit = Visit(clinic_id=clinic.id, patient_id=patient.id, external_id=data.external_id,
                  visit_type=data.visit_type, treatment=data.treatment, provider=data.provider,
                  occurred_at=occurred.astimezone(UTC), created_at=now)
    session.add(visit)
    session.flush()
    touches = schedule_visit(session, visit, policies)
    session.add(AuditEvent(clinic_id=clinic.id, actor="system", action="visit.received", subject_type="visit",
                           subject_id=visit.id, data={"visit_type": visit.visit_type.value,
                                                      "touches": len(touches)}, created_at=now))
    referral = attribute(session, clinic, _arrival(data), now, policies.rewards)
    return IntakeResult(visit, patient, True, touches, referral)


def intake_booking(session: Session, clinic: Clinic, data: VisitIn, policies: Policies, now: datetime) -> Referral | None:
    """A booked visit: the referral of the friend it belongs to (if any) reaches consult booked. No visit is
    recorded and no patient is made: the visit arrives again, completed, when it happened."""
    return attribute(session, clinic, _arrival(data), now, policies.rewards)


def _arrival(data: VisitIn) -> Arrival:
    return Arrival(phone=data.patient.phone, first_name=data.patient.first_name, status=data.status,
                   referral_code=data.referral_code)


def _match_patient(session: Session, clinic: Clinic, data: PatientIn, now: datetime) -> Patient:
    patient = session.exec(select(Patient).where(Patient.clinic_id == clinic.id, Patient.phone == data.phone)).first()
    if patient is None:
        patient = Patient(clinic_id=clinic.id, phone=data.phone, first_name=data.first_name,
                          sms_consent=data.sms_consent, marketing_consent=data.marketing_consent, created_at=now)
        session.add(patient)
        session.flush()
        return patient
    # The practice system is the source of truth for name and consent, except an opt-out: that only
    # the patient can undo (by texting START).
    patient.first_name = data.first_name
    patient.sms_consent = data.sms_consent
    patient.marketing_consent = data.marketing_consent
    return patient
