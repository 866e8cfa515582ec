"""What the console and the JSON API show: Public models built from the record, never table rows.

They carry what staff need to act (the visit's treatment included: staff may see it; it is never texted
and never shown to a model) and nothing the console does not use (no password or key digests, no
Twilio SIDs).
"""
from __future__ import annotations

from datetime import datetime

from pydantic import ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from agent.staff.roles import StaffRole
from agent.staff.strength import PASSWORD_MAX, PASSWORD_MIN, check_password
from agent.store.staff_models import StaffBase
from agent.types import (
    DeliveryStatus,
    Direction,
    Disposition,
    DraftStatus,
    HandoffOutcome,
    HandoffStatus,
    MessageKind,
    Mode,
    Priority,
    Queue,
    ReferralFlag,
    ReferralSource,
    ReferralStatus,
    RewardStatus,
    Stage,
)


class PatientSummary(SQLModel):
    id: int
    first_name: str
    phone: str
    opted_out: bool
    marketing_consent: bool


class VisitContext(SQLModel):
    """Internal: for staff eyes only."""

    visit_type: str | None = None
    treatment: str | None = None
    provider: str | None = None
    days_since_visit: int | None = None
    opening_touch: str | None = None
    stage: str | None = None


class MessagePublic(SQLModel):
    id: int
    direction: Direction
    kind: MessageKind
    body: str
    intent: str | None = None
    intents: list[dict] = Field(default_factory=list)
    asks: list[str] = Field(default_factory=list)
    segments: int = 0
    delivery_status: DeliveryStatus | None = None
    error_code: int | None = None
    touch: str | None = None
    handoff_id: int | None = None
    turn_id: int | None = None
    created_at: datetime


class TurnPublic(SQLModel):
    id: int
    brain: str
    inbound_message_id: int | None = None
    intents: list[dict] = Field(default_factory=list)
    tool_calls: list[dict] = Field(default_factory=list)
    verdicts: list[dict] = Field(default_factory=list)
    disposition: Disposition
    fell_back: bool = False
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    created_at: datetime


class DraftPublic(SQLModel):
    id: int
    conversation_id: int
    patient: PatientSummary
    body: str
    intent: str | None = None
    reasons: list[str] = Field(default_factory=list)
    verdicts: list[dict] = Field(default_factory=list)
    status: DraftStatus
    created_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None
    thread: list[MessagePublic] = Field(default_factory=list, description="the conversation up to the held reply")
    newer_messages: int = Field(default=0, description="messages in the thread since the draft was held")


class HandoffPublic(SQLModel):
    id: int
    conversation_id: int
    patient: PatientSummary
    queue: Queue
    priority: Priority
    reason: str
    summary: str
    context: VisitContext
    status: HandoffStatus
    outcome: HandoffOutcome | None = None
    claimed_by: int | None = None
    claimed_by_name: str | None = None
    created_at: datetime
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None
    waiting_minutes: int = Field(description="minutes from opening to claim (or to now while unclaimed)")
    can_work: bool = Field(default=False, description="the caller's role works this handoff's queue")
    can_act: bool = Field(default=False, description="the caller may reply in and resolve it now: their role "
                                                     "works the queue and nobody else has claimed it")
    can_take_over: bool = Field(default=False, description="claimed by a colleague, and the caller (a manager "
                                                           "or admin) may take it over")
    latest_text: str | None = Field(default=None, description="the patient's newest text in the thread, as written")
    latest_text_at: datetime | None = None
    new_texts: int = Field(default=0, description="texts from the patient since the handoff opened")


class ReferralPublic(SQLModel):
    id: int
    referrer: PatientSummary
    name: str
    phone: str | None = None
    relationship: str | None = None
    note: str = ""
    status: ReferralStatus
    source: ReferralSource = ReferralSource.CONVERSATION
    flag: ReferralFlag | None = Field(default=None, description="why it can never earn a reward, if it cannot")
    reward_id: int | None = None
    reward_status: RewardStatus | None = None
    conversation_id: int
    handoff_id: int | None = None
    handoff_status: HandoffStatus | None = None
    context: VisitContext
    created_at: datetime
    updated_at: datetime


class RewardPublic(SQLModel):
    id: int
    referral_id: int
    referrer: PatientSummary
    description: str
    credit_cents: int | None = None
    status: RewardStatus
    due_at: datetime
    issued_at: datetime | None = None
    issued_by: int | None = None


class ReferralCodePublic(SQLModel):
    patient_id: int
    code: str
    path: str = Field(description="the friend page, relative to the service's public address")


class ConversationPublic(SQLModel):
    id: int
    patient: PatientSummary
    stage: Stage
    mode: Mode
    opening_touch: str | None = None
    referral_eligible: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    visit: VisitContext | None = None
    messages: list[MessagePublic]
    turns: list[TurnPublic]
    drafts: list[DraftPublic]
    handoffs: list[HandoffPublic]


class ConversationBrief(SQLModel):
    id: int
    patient: PatientSummary
    stage: Stage
    mode: Mode
    opening_touch: str | None = None
    updated_at: datetime
    messages: int
    last_message: str | None = None


class StaffSendPublic(SQLModel):
    """The outcome of a staff text: sent, or why not."""

    sent: bool
    message_id: int | None = None
    blocked_by: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    overridden: list[str] = Field(default_factory=list)
    needs_override: bool = False
    segments: int = 0
    verdicts: list[dict] = Field(default_factory=list)
    handoff_id: int | None = None  # a first text from staff: the handoff the sender now holds


class AuditEventPublic(SQLModel):
    id: int
    actor: str
    action: str
    subject_type: str
    subject_id: int | None = None
    data: dict
    created_at: datetime


class Pulse(SQLModel):
    """Counts for the nav badges and the live urgent banner."""

    urgent_open: int
    open: int
    claimed: int
    pending_drafts: int
    new_referrals: int


class MePublic(SQLModel):
    clinic_id: int
    clinic_name: str
    staff_id: int | None = None
    name: str
    role: StaffRole | None = None
    via: str = Field(description="console session, staff API key, or the clinic's read-only key")
    permissions: list[str]
    queues: list[Queue]


class FunnelRowPublic(SQLModel):
    key: str = Field(description="a month (YYYY-MM), a visit type, or total")
    asks: int
    introductions: int
    contacted: int
    booked: int
    treated: int
    rewarded: int
    flagged: int = Field(description="self-referrals and friends who were already patients: not introductions")
    median_minutes_to_contact: float | None = None


class FunnelPublic(SQLModel):
    by: str
    since: datetime
    until: datetime
    rows: list[FunnelRowPublic]
    total: FunnelRowPublic


class StaffCreate(StaffBase):
    """What an admin submits for a new account: the shared fields and a password strong enough."""

    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX,
                          description="zxcvbn strength 3 of 4 at least (agent/staff/strength.py)")

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str, info: ValidationInfo) -> str:
        # email and name are declared first, so they are here (when valid) to be refused as passwords.
        check_password(value, user_inputs=[str(info.data.get("email", "")), str(info.data.get("name", ""))])
        return value
