"""Referral tables beyond the Referral itself: a referrer's code, the rewards it earns, and the friend
page's attempts (for its rate limit). Imported at the bottom of models.py, on the same metadata."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field
from sqlmodel.sql.sqltypes import UTCDateTime

from agent.store.models import Row, _clinic_fk, _id, _now_column, enum_column
from agent.types import RewardStatus


class ReferralCode(Row, table=True):
    """A referrer's short code: the friend page's address and what a friend can say at the front desk."""

    __tablename__ = "referral_code"
    id: int | None = _id()
    clinic_id: int = _clinic_fk()
    patient_id: int = Field(foreign_key="patient.id", unique=True)  # one code per referrer
    # Unique across clinics, not only within one: the friend page's address is the code alone.
    code: str = Field(max_length=12, unique=True)
    created_at: datetime = _now_column()


class Reward(Row, table=True):
    """What the referrer earns for one referral: due when the clinic's milestone is met, then issued by
    staff. One per referral at most (the unique key makes a second one impossible, whoever races)."""

    id: int | None = _id()
    clinic_id: int = _clinic_fk()
    referral_id: int = Field(foreign_key="referral.id", unique=True)
    referrer_id: int = Field(foreign_key="patient.id", index=True)
    description: str = Field(max_length=200)  # from the rewards policy: "$50 credit", never a treatment
    credit_cents: int | None = None
    status: RewardStatus = Field(default=RewardStatus.DUE, sa_column=enum_column(RewardStatus, index=True))
    due_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    issued_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
    issued_by: int | None = None  # staff id
    created_at: datetime = _now_column()


class FriendPageAttempt(Row, table=True):
    """One submission of a friend page, for the per-address and per-code limits. The address is kept
    only as a keyed digest (nothing that identifies a visitor is stored)."""

    __tablename__ = "friend_page_attempt"
    id: int | None = _id()
    clinic_id: int = _clinic_fk()
    code_id: int = Field(foreign_key="referral_code.id", index=True)
    ip_digest: str = Field(max_length=64, index=True)
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))
