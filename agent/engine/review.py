"""The review path: one review-ask touch a few days after a clearly positive reply, never in the same
message as a referral ask (asks.yaml spacing and cooldown are enforced again when it is sent)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.schedule import local_moment
from agent.policy.schema import TimingPolicy
from agent.store.models import Clinic, Patient, Touch, Visit
from agent.types import REVIEW_TOUCH


# Built once: every happy reply asks it.
REVIEW_EXISTS = select(Touch.id).where(Touch.visit_id == sa.bindparam("visit_id"), Touch.name == REVIEW_TOUCH)


def schedule_review(session: Session, clinic: Clinic, patient: Patient, visit: Visit | None, timing: TimingPolicy,
                    now: datetime) -> Touch | None:
    """Idempotent per visit; nothing without a review link, marketing consent or a visit."""
    if visit is None or not clinic.review_link or not patient.marketing_consent:
        return None
    exists = session.exec(REVIEW_EXISTS, params={"visit_id": visit.id}).first()
    if exists is not None:
        return None
    touch = Touch(clinic_id=clinic.id, patient_id=patient.id, visit_id=visit.id, name=REVIEW_TOUCH,
                  due_at=local_moment(now, timing.review.hour, clinic.timezone, days_later=timing.review.delay_days),
                  created_at=now, updated_at=now)
    session.add(touch)
    return touch
