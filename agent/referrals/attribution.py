"""Attribution: a visit from the practice system (API or CSV) advances the open referral it belongs to.

Matching, in order: the referral whose friend phone is the visit's phone (both E.164, so any spelling of
the number matches); else, when the visit names a referrer code, that referrer's referral without a
phone whose first name is the visit's first name (the phone is then learned from the visit). A booking
moves the referral to consult booked, a completed visit to treated; never backwards.

Before the first move the referral is checked once: the friend's phone being the referrer's own is a
self-referral, and a friend who was a patient before the introduction was already the clinic's. Either
is flagged, audited, and the referral stays where it is: it never earns a reward.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from agent.policy.schema import RewardPolicy
from agent.referrals.codes import find_code
from agent.referrals.progress import advance
from agent.store.models import AuditEvent, Clinic, Patient, Referral
from agent.types import ReferralFlag, ReferralStatus, VisitStatus

ACTOR = "system"
OPEN = (ReferralStatus.NEW, ReferralStatus.CONTACTED, ReferralStatus.CONSULT_BOOKED)
TARGET = {VisitStatus.BOOKED: ReferralStatus.CONSULT_BOOKED, VisitStatus.COMPLETED: ReferralStatus.TREATED}


@dataclass(frozen=True)
class Arrival:
    """The part of an arriving visit that attribution reads (no treatment: it never needs one)."""

    phone: str  # E.164
    first_name: str
    status: VisitStatus
    referral_code: str | None = None


def attribute(session: Session, clinic: Clinic, arrival: Arrival, now: datetime,
              policy: RewardPolicy) -> Referral | None:
    """The referral this visit advanced or flagged, or None when it belongs to no open referral."""
    referral, matched_by = _match(session, clinic, arrival)
    if referral is None:
        return None
    patient = session.exec(select(Patient).where(Patient.clinic_id == clinic.id,
                                                 Patient.phone == arrival.phone)).first()
    if referral.phone is None:
        referral.phone = arrival.phone  # learned from the visit: the next one matches by phone
    if patient is not None and referral.friend_patient_id is None and referral.flag is None:
        flag = _flag(session, referral, patient)
        referral.friend_patient_id = patient.id
        if flag is not None:
            referral.flag, referral.updated_at = flag, now
            _audit(session, referral, "referral.flagged", now, flag=flag.value, matched_by=matched_by)
    if referral.flag is not None:
        return referral
    if advance(session, referral, TARGET[arrival.status], now, actor=ACTOR, policy=policy):
        _audit(session, referral, "referral.attributed", now, matched_by=matched_by, visit=arrival.status.value)
    return referral


def _match(session: Session, clinic: Clinic, arrival: Arrival) -> tuple[Referral | None, str]:
    by_phone = session.exec(select(Referral).where(Referral.clinic_id == clinic.id, Referral.phone == arrival.phone,
                                                   Referral.status.in_(OPEN)).order_by(Referral.id)).first()
    if by_phone is not None:
        return by_phone, "phone"
    code = find_code(session, arrival.referral_code, clinic.id)
    if code is None:
        return None, ""
    wanted = arrival.first_name.split()[0].casefold() if arrival.first_name.split() else ""
    candidates = session.exec(select(Referral).where(Referral.clinic_id == clinic.id,
                                                     Referral.referrer_id == code.patient_id,
                                                     Referral.phone.is_(None), Referral.status.in_(OPEN))
                              .order_by(Referral.id))
    for referral in candidates:
        if referral.name.split()[0].casefold() == wanted:
            return referral, "code"
    return None, ""


def _flag(session: Session, referral: Referral, patient: Patient) -> ReferralFlag | None:
    if patient.id == referral.referrer_id:
        return ReferralFlag.SELF_REFERRAL
    if patient.created_at < referral.created_at:
        return ReferralFlag.ALREADY_PATIENT
    return None


def _audit(session: Session, referral: Referral, action: str, now: datetime, **data: object) -> None:
    session.add(AuditEvent(clinic_id=referral.clinic_id, actor=ACTOR, action=action, subject_type="referral",
                           subject_id=referral.id, data=data, created_at=now))
