"""Referral tables beyond the Referral itself: a referrer's code, the rewards it earns, and the friend
page's attempts (for its rate limit). Imported at the bottom of models.py, on the same metadata."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field
from sqlmodel.sql.sqltypes import UTCDateTime

from agent.store.columns import Row, clinic_fk, id_column, now_column, enum_column
from agent.types import DeliveryState, RewardStatus, WebhookEvent


class ReferralCode(Row, table=True):
    """A referrer's short code: the friend page's address and what a friend can say at the front desk."""

    __tablename__ = "referral_code"
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    patient_id: int = Field(foreign_key="patient.id", unique=True)  # one code per referrer
    # Unique across clinics, not only within one: the friend page's address is the code alone.
    code: str = Field(max_length=12, unique=True)
    created_at: datetime = now_column()


class Reward(Row, table=True):
    """What the referrer earns for one referral: due when the clinic's milestone is met, then issued by
    staff. One per referral at most (the unique key makes a second one impossible, whoever races)."""

    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    referral_id: int = Field(foreign_key="referral.id", unique=True)
    referrer_id: int = Field(foreign_key="patient.id", index=True)
    description: str = Field(max_length=200)  # from the rewards policy: "$50 credit", never a treatment
    credit_cents: int | None = None
    status: RewardStatus = Field(default=RewardStatus.DUE, sa_column=enum_column(RewardStatus, index=True))
    due_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    issued_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
    issued_by: int | None = None  # staff id
    created_at: datetime = now_column()


class FriendPageAttempt(Row, table=True):
    """One submission of a friend page, for the per-address and per-code limits. The address is kept
    only as a keyed digest (nothing that identifies a visitor is stored)."""

    __tablename__ = "friend_page_attempt"
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    code_id: int = Field(foreign_key="referral_code.id", index=True)
    ip_digest: str = Field(max_length=64, index=True)
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))


class WebhookEndpoint(Row, table=True):
    """Where a clinic's practice system wants referral events. The secret signs every delivery (HMAC-SHA256);
    it is kept as given because signing needs it, and never returned by the API after it is set."""

    __tablename__ = "webhook_endpoint"
    id: int | None = id_column()
    clinic_id: int = Field(foreign_key="clinic.id", unique=True)  # one endpoint per clinic
    url: str = Field(max_length=500)
    secret: str = Field(max_length=128)
    active: bool = True
    created_at: datetime = now_column()
    updated_at: datetime = now_column()


# The worker looks for deliveries waiting and due; delivered and failed rows pile up, so the index holds
# only the pending ones (the query repeats this literal, as for touches).
PENDING_DELIVERY = "status = 'pending'"


class WebhookDelivery(Row, table=True):
    """One event for one endpoint, written in the transaction that made the change (so an event exists
    exactly when its change committed) and delivered by the worker with retries and backoff. The event id
    is the receiver's idempotency key: a retry sends the same id and the same body."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_pending_due", "next_attempt_at", "id",
                               sqlite_where=sa.text(PENDING_DELIVERY), postgresql_where=sa.text(PENDING_DELIVERY)),)
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    event_id: str = Field(max_length=40, unique=True)
    event_type: WebhookEvent = Field(sa_column=enum_column(WebhookEvent))
    body: str  # the exact JSON sent (and signed), the same on every attempt
    status: DeliveryState = Field(default=DeliveryState.PENDING, sa_column=enum_column(DeliveryState))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=200)
    delivered_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
    created_at: datetime = now_column()
