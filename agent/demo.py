"""The demo clinic `make run`, `afterglow chat` and the evals start from."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from sqlmodel import Session, select

from agent.store.models import Clinic, Patient, Visit
from agent.types import VisitType

DEMO_PHONE = "+14155550100"
DEMO_HOURS = {day: ["09:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["10:00", "16:00"]}


def ensure_demo_clinic(session: Session, now: datetime, *, name: str = "Glow Aesthetics",
                       timezone: str = "America/Los_Angeles", phone: str = DEMO_PHONE) -> Clinic:
    clinic = session.exec(select(Clinic).where(Clinic.phone == phone)).first()
    if clinic is None:
        clinic = Clinic(name=name, timezone=timezone, phone=phone, hours=DEMO_HOURS,
                        review_link="https://g.page/r/glow-aesthetics-demo/review",
                        settings={"sender_name": name}, created_at=now)
        session.add(clinic)
        session.flush()
    return clinic


def add_patient_with_visit(session: Session, clinic: Clinic, now: datetime, *, first_name: str, phone: str,
                           visit_type: VisitType, days_ago: int, treatment: str = "", provider: str = "",
                           marketing_consent: bool = True, sms_consent: bool = True) -> tuple[Patient, Visit]:
    patient = session.exec(select(Patient).where(Patient.clinic_id == clinic.id, Patient.phone == phone)).first()
    if patient is None:
        patient = Patient(clinic_id=clinic.id, phone=phone, first_name=first_name, sms_consent=sms_consent,
                          marketing_consent=marketing_consent, created_at=now)
        session.add(patient)
        session.flush()
    visit = Visit(clinic_id=clinic.id, patient_id=patient.id, visit_type=visit_type, treatment=treatment,
                  provider=provider, occurred_at=now - timedelta(days=days_ago), created_at=now)
    session.add(visit)
    session.flush()
    return patient, visit


# Demo patients seeded by `make run`: one per visit type, at the day their referral-eligible touch is due.
DEMO_PATIENTS = [
    ("Maya", "+14155550111", VisitType.NEUROMODULATOR, 14, "Botox forehead"),
    ("Jordan", "+14155550112", VisitType.DERMAL_FILLER, 1, "Juvederm lips"),
    ("Priya", "+14155550113", VisitType.FACIAL, 7, "HydraFacial"),
    ("Sam", "+14155550114", VisitType.LASER, 14, "IPL photofacial"),
    ("Alex", "+14155550115", VisitType.CONSULTATION, 1, "Consultation"),
]


# Demo console logins seeded with the demo clinic (local mode without live Twilio credentials only).
DEMO_STAFF_PASSWORD = "glow-demo-console"
DEMO_STAFF = [
    ("admin@glow.demo", "Avery Admin", "admin"),
    ("frontdesk@glow.demo", "Fran Front Desk", "front_desk"),
    ("nurse@glow.demo", "Nia Nurse", "clinical"),
]


def seed_demo(session: Session, now: datetime, *, api_key: str | None = None) -> Clinic:
    """The demo clinic with one patient per common visit type; touches scheduled like any intake."""
    from agent.outreach.scheduler import schedule_visit
    from agent.policy.loader import default_policies
    from agent.security import set_api_key

    clinic = ensure_demo_clinic(session, now)
    if api_key and clinic.api_key_hash is None:
        set_api_key(clinic, api_key)
    seed_demo_staff(session, clinic, now)
    if session.exec(select(Patient).where(Patient.clinic_id == clinic.id)).first() is None:
        for first, phone, kind, days, treatment in DEMO_PATIENTS:
            _, visit = add_patient_with_visit(session, clinic, now, first_name=first, phone=phone, visit_type=kind,
                                              days_ago=days, treatment=treatment, provider="Dr. Rivera")
            schedule_visit(session, visit, default_policies())
    return clinic


def seed_demo_staff(session: Session, clinic: Clinic, now: datetime) -> None:
    """The demo console accounts (idempotent; `make run` prints them). Never in production and never with
    live Twilio credentials: their password is public, and real patients' texts would be behind it."""
    from agent.config import get_settings
    from agent.staff.accounts import audit
    from agent.store.staff_models import Staff

    settings = get_settings()
    if settings.environment == "production" or not settings.dry_run:
        return
    for email, name, role in DEMO_STAFF:
        if session.exec(select(Staff.id).where(Staff.email == email)).first() is None:
            staff = Staff(clinic_id=clinic.id, email=email, name=name, role=role,
                          password_hash=_demo_password_hash(), created_at=now)
            session.add(staff)
            session.flush()
            audit(session, clinic.id, "system", "staff.created", "staff", staff.id, now, role=role)


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    """Hashed once per process: argon2 is slow on purpose, and every fresh demo database needs it."""
    from agent.staff.passwords import hash_password

    return hash_password(DEMO_STAFF_PASSWORD)
