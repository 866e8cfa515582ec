"""A referrer's code: six characters a patient can read out at the front desk or type on a phone.

The alphabet leaves out every character that is easy to mistake for another when said or handwritten
(0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V), so a code typed from memory is either right or not a code.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlmodel import Session, select

from agent.store.models import AuditEvent, Patient
from agent.store.referral_models import ReferralCode

ALPHABET = "ACEFGHJKMNPRTWXY34679"
CODE_LENGTH = 6
_SHAPE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
_TRIES = 20  # 21**6 = 85 million codes: a collision twice in a row is already unlikely


def normalise_code(text: str | None) -> str | None:
    """What a person typed ("acf 349", "ACF-349") as a code, or None when it cannot be one."""
    if not text:
        return None
    folded = re.sub(r"[\s\-]", "", text).upper()
    return folded if _SHAPE.match(folded) else None


def code_for(session: Session, patient: Patient, now: datetime, *, actor: str) -> ReferralCode:
    """The patient's code, made the first time someone asks for it (staff, the API)."""
    existing = session.exec(select(ReferralCode).where(ReferralCode.patient_id == patient.id)).first()
    if existing is not None:
        return existing
    for _ in range(_TRIES):
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(ReferralCode.id).where(ReferralCode.code == code)).first() is None:
            break
    else:  # pragma: no cover - 20 collisions in a row means the table is nearly full
        raise RuntimeError("no free referral code")
    row = ReferralCode(clinic_id=patient.clinic_id, patient_id=patient.id, code=code, created_at=now)
    session.add(row)
    session.flush()
    session.add(AuditEvent(clinic_id=patient.clinic_id, actor=actor, action="referral_code.created",
                           subject_type="patient", subject_id=patient.id, data={"code_id": row.id}, created_at=now))
    return row


def find_code(session: Session, text: str | None, clinic_id: int | None = None) -> ReferralCode | None:
    code = normalise_code(text)
    if code is None:
        return None
    query = select(ReferralCode).where(ReferralCode.code == code)
    if clinic_id is not None:
        query = query.where(ReferralCode.clinic_id == clinic_id)
    return session.exec(query).first()
