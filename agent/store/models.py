"""The record: SQLModel tables, multi-clinic from the start (every row carries clinic_id).

Datetimes are timezone-aware UTC everywhere (SQLModel's UTCDateTime; SQLite keeps UTC without an offset
and gets it back on read); local time is derived with the clinic's timezone only where it matters.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship
from sqlmodel.sql.sqltypes import UTCDateTime

# The other table modules share this metadata: importing the record imports every table (none of them
# imports this module, so there is no cycle).
from agent.store import channel_models, referral_models, staff_models  # noqa: F401
from agent.store.columns import (
    Row,
    clinic_fk,
    enum_column,
    id_column,
    json_column,
    new_dict,
    new_list,
    now_column,
    utcnow,
)
from agent.types import (
    DeliveryStatus,
    Direction,
    Disposition,
    DraftStatus,
    HandoffOutcome,
    HandoffStatus,
    Intent,
    MessageKind,
    Mode,
    OutboxStatus,
    Priority,
    Queue,
    ReferralFlag,
    ReferralSource,
    ReferralStatus,
    Stage,
    TouchStatus,
    VisitType,
)


class Clinic(Row, table=True):
    id: int | None = id_column()
    name: str = Field(max_length=120)
    timezone: str = Field(default="America/Los_Angeles", max_length=64)
    phone: str = Field(max_length=20, unique=True)  # the clinic's Twilio number, E.164
    hours: dict = Field(default_factory=new_dict, sa_column=json_column())
    review_link: str | None = Field(default=None, max_length=500)
    settings: dict = Field(default_factory=new_dict, sa_column=json_column())
    api_key_hash: str | None = Field(default=None, max_length=64, unique=True)  # sha256 of the JSON API key
    # Bumped whenever the clinic's template or timing overrides change: a turn compares it with what its
    # process cached (agent/engine/clinic_rules.py), so the overrides cost no query on an ordinary turn.
    overrides_revision: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    created_at: datetime = now_column()


class Patient(Row, table=True):
    __table_args__ = (sa.UniqueConstraint("clinic_id", "phone"),)
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    phone: str = Field(max_length=20)  # E.164
    first_name: str = Field(max_length=60)
    sms_consent: bool = True
    marketing_consent: bool = False
    opted_out: bool = False
    opted_out_at: datetime | None = None
    referral_declined_at: datetime | None = None
    wrong_number: bool = False
    # Carrier state from delivery errors (30003 unreachable, 30005 unknown, 30006 landline, 30007 filtered).
    number_state: str | None = Field(default=None, max_length=24)
    # Last time each ask kind went out to this patient ({"referral": iso8601}); drives cooldowns.
    last_asks: dict = Field(default_factory=new_dict, sa_column=json_column())
    created_at: datetime = now_column()


class Visit(Row, table=True):
    __table_args__ = (sa.UniqueConstraint("clinic_id", "external_id"),)
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    patient_id: int = Field(foreign_key="patient.id", index=True)
    external_id: str | None = Field(default=None, max_length=80)
    visit_type: VisitType = Field(sa_column=enum_column(VisitType))
    treatment: str = Field(default="", max_length=200)  # internal only: never sent, never shown to a model
    provider: str = Field(default="", max_length=120)
    occurred_at: datetime
    created_at: datetime = now_column()


class Conversation(Row, table=True):
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    patient_id: int = Field(foreign_key="patient.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id")
    stage: Stage = Field(default=Stage.CHECKIN, sa_column=enum_column(Stage))
    mode: Mode = Field(default=Mode.AGENT, sa_column=enum_column(Mode, index=True))
    opening_touch: str | None = Field(default=None, max_length=40)
    referral_eligible: bool = False
    created_at: datetime = now_column()
    updated_at: datetime = now_column()
    closed_at: datetime | None = None


class Turn(Row, table=True):
    """One patient message processed end to end: what the brain proposed and what policy decided."""

    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    inbound_message_id: int | None = None  # no FK: message.turn_id already points the other way
    brain: str = Field(max_length=80)
    intents: list = Field(default_factory=new_list, sa_column=json_column())
    tool_calls: list = Field(default_factory=new_list, sa_column=json_column())
    verdicts: list = Field(default_factory=new_list, sa_column=json_column())
    disposition: Disposition = Field(sa_column=enum_column(Disposition))
    fell_back: bool = False
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    created_at: datetime = now_column()
    # Lets a turn and its inbound message be inserted in the turn's one flush, with their final values: the
    # unit of work inserts the turn, then the message (its turn_id filled from `Message.turn`), then sets
    # inbound_message_id in one UPDATE (post_update breaks the cycle). Never loaded implicitly.
    inbound_message: Message | None = Relationship(sa_relationship=relationship(
        "Message", primaryjoin="foreign(Turn.inbound_message_id) == Message.id", post_update=True, lazy="raise"))


# A turn reads the newest messages of its thread (ORDER BY id DESC LIMIT n); PostgreSQL needs the pair to
# stop after n rows instead of sorting the whole thread. Settled replies are rare and looked up only when
# they fall outside that window, so a partial index keeps that look-up from walking the thread.
SETTLED = "settled = true"  # TRUE is 1 on SQLite (3.23+), so one spelling serves both engines


class Message(Row, table=True):
    __table_args__ = (
        sa.Index("ix_message_thread", "conversation_id", "id"),
        sa.Index("ix_message_settled", "conversation_id",
                 sqlite_where=sa.text(SETTLED), postgresql_where=sa.text(SETTLED)),
    )
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    # No index of its own: ix_message_thread (conversation_id, id) serves every look-up by conversation
    # (and the foreign key's checks) as its leading column; a second index only cost every insert.
    conversation_id: int = Field(foreign_key="conversation.id")
    patient_id: int = Field(foreign_key="patient.id", index=True)
    direction: Direction = Field(sa_column=enum_column(Direction))
    kind: MessageKind = Field(sa_column=enum_column(MessageKind))
    body: str
    # The deciding intent (inbound). VARCHAR(24) as before, so no migration: only the type is checked now.
    intent: Intent | None = Field(default=None, sa_column=enum_column(Intent, nullable=True))
    intents: list = Field(default_factory=new_list, sa_column=json_column())
    # Inbound: a clearly positive reply, confirmed by the engine; the only thing that unlocks an ask.
    settled: bool = False
    asks: list = Field(default_factory=new_list, sa_column=json_column())  # outbound: asks it carries
    segments: int = 0
    twilio_sid: str | None = Field(default=None, max_length=64, unique=True)
    delivery_status: DeliveryStatus | None = Field(default=None, sa_column=enum_column(DeliveryStatus, nullable=True))
    error_code: int | None = None
    touch: str | None = Field(default=None, max_length=40)  # outbound touches: which one
    handoff_id: int | None = Field(default=None, foreign_key="handoff.id")
    turn_id: int | None = Field(default=None, foreign_key="turn.id")
    created_at: datetime = now_column()
    # The turn this message belongs to, for a turn not yet flushed (see Turn.inbound_message). Never loaded.
    turn: Turn | None = Relationship(sa_relationship=relationship("Turn", foreign_keys="[Message.turn_id]",
                                                                  lazy="raise"))


class Handoff(Row, table=True):
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    queue: Queue = Field(sa_column=enum_column(Queue, index=True))
    priority: Priority = Field(sa_column=enum_column(Priority))
    reason: str = Field(max_length=200)
    summary: str = Field(default="", max_length=1000)
    context: dict = Field(default_factory=new_dict, sa_column=json_column())  # visit context for staff
    status: HandoffStatus = Field(default=HandoffStatus.OPEN, sa_column=enum_column(HandoffStatus, index=True))
    outcome: HandoffOutcome | None = Field(default=None, sa_column=enum_column(HandoffOutcome, nullable=True))
    claimed_by: int | None = None
    created_at: datetime = now_column()
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None


class Referral(Row, table=True):
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    referrer_id: int = Field(foreign_key="patient.id", index=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    handoff_id: int | None = Field(default=None, foreign_key="handoff.id")
    name: str = Field(max_length=80)
    phone: str | None = Field(default=None, max_length=20)
    relationship: str | None = Field(default=None, max_length=40)
    note: str = Field(default="", max_length=500)
    status: ReferralStatus = Field(default=ReferralStatus.NEW, sa_column=enum_column(ReferralStatus))
    source: ReferralSource = Field(default=ReferralSource.CONVERSATION, sa_column=enum_column(ReferralSource))
    # Set once a rule shows the introduction cannot earn a reward (agent/referrals/attribution.py).
    flag: ReferralFlag | None = Field(default=None, sa_column=enum_column(ReferralFlag, nullable=True))
    # The patient record the friend is (made by the friend page, or matched when their visit arrived).
    friend_patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    first_contact_at: datetime | None = None  # when it first left "new": the funnel's time to first contact
    created_at: datetime = now_column()
    updated_at: datetime = now_column()


class Draft(Row, table=True):
    """An outbound reply held for staff approval, with why it was held."""

    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    turn_id: int | None = Field(default=None, foreign_key="turn.id")
    # The turn that held it, for a turn not yet flushed (see Turn.inbound_message). Never loaded.
    turn: Turn | None = Relationship(sa_relationship=relationship("Turn", lazy="raise"))
    body: str
    intent: Intent | None = Field(default=None, sa_column=enum_column(Intent, nullable=True))
    reasons: list = Field(default_factory=new_list, sa_column=json_column())
    verdicts: list = Field(default_factory=new_list, sa_column=json_column())
    status: DraftStatus = Field(default=DraftStatus.PENDING, sa_column=enum_column(DraftStatus, index=True))
    decided_by: int | None = None
    decided_at: datetime | None = None
    created_at: datetime = now_column()


class AuditEvent(Row, table=True):
    """Who did what. `data` is PHI-free by construction: ids, enums and counts only."""

    id: int | None = id_column()
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id", index=True)
    actor: str = Field(max_length=60)  # "agent", "system", "staff:<id>"
    action: str = Field(max_length=60)
    subject_type: str = Field(max_length=30)
    subject_id: int | None = None
    data: dict = Field(default_factory=new_dict, sa_column=json_column())
    created_at: datetime = now_column()


class ClinicTemplate(Row, table=True):
    """A clinic's own wording for one reply or touch template ('replies/positive', 'touches/es/nudge').
    The file under prompts/ stays the default; deleting the row restores it."""

    __tablename__ = "clinic_template"
    __table_args__ = (sa.UniqueConstraint("clinic_id", "name", name="uq_clinic_template_name"),)
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    name: str = Field(max_length=80)
    body: str = Field(max_length=1600)
    updated_by: str = Field(max_length=60)
    updated_at: datetime = now_column()


class ClinicTiming(Row, table=True):
    """A clinic's changes to policies/timing.yaml, as {"neuromodulator.results_checkin.day": 10, ...};
    fields it does not name keep the file's value."""

    __tablename__ = "clinic_timing"
    id: int | None = id_column()
    clinic_id: int = Field(foreign_key="clinic.id", unique=True)
    fields: dict = Field(default_factory=new_dict, sa_column=json_column())
    updated_by: str = Field(max_length=60)
    updated_at: datetime = now_column()


# The claim reads pending touches in due order. Sent/cancelled rows pile up forever (two per patient and
# visit), so an index on due_at alone walks every past touch to find the few pending ones; this partial
# index holds only the pending rows. Queries spell the predicate with the same literal, not a bound
# parameter: a PostgreSQL generic plan (psycopg prepares a statement after 5 runs) cannot prove a partial
# index from a parameter and falls back to ix_touch_due_at plus a filter (checked with EXPLAIN EXECUTE).
PENDING_TOUCH = "status = 'pending'"


class Touch(Row, table=True):
    """A scheduled proactive text for one visit (durable: the scheduler survives restarts)."""

    __table_args__ = (
        sa.UniqueConstraint("visit_id", "name"),
        sa.Index("ix_touch_pending_due", "due_at", "id",
                 sqlite_where=sa.text(PENDING_TOUCH), postgresql_where=sa.text(PENDING_TOUCH)),
    )
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    patient_id: int = Field(foreign_key="patient.id", index=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    name: str = Field(max_length=60)  # touch name from timing.yaml; nudges are "<touch>_nudge"
    due_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))
    status: TouchStatus = Field(default=TouchStatus.PENDING, sa_column=enum_column(TouchStatus, index=True))
    reason: str = Field(default="", max_length=120)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = now_column()
    updated_at: datetime = now_column()


class StaffAlert(Row, table=True):
    """An SMS to a clinician about an urgent handoff. Not a Message: it goes to staff, not to a patient, so
    it has no patient or conversation, no consent rules and no place in a transcript. PHI-free by
    construction (clinic name and a console link only)."""

    __tablename__ = "staff_alert"
    # One text per handoff, round and number: a second worker's duplicate fails instead of texting twice.
    __table_args__ = (sa.UniqueConstraint("handoff_id", "round", "to", name="uq_staff_alert_round"),)
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    handoff_id: int = Field(foreign_key="handoff.id", index=True)
    round: str = Field(max_length=16)  # "first", "repeat" (still unclaimed), "manager" (escalated)
    to: str = Field(max_length=20)  # the on-call or manager number, E.164
    body: str = Field(max_length=320)
    twilio_sid: str | None = Field(default=None, max_length=64, unique=True)
    delivery_status: DeliveryStatus | None = Field(default=None, sa_column=enum_column(DeliveryStatus, nullable=True))
    error_code: int | None = None
    created_at: datetime = now_column()


# Spelled from the enum, it reads "status IN ('sending', 'reconciling')": the same text as migration 0004's.
LEASED_OUTBOX = f"status IN ('{OutboxStatus.SENDING}', '{OutboxStatus.RECONCILING}')"


class OutboxJob(Row, table=True):
    """A send, committed in the same transaction as its message row (transactional outbox). Exactly one of
    message_id (a patient text) and staff_alert_id (an alert to a clinician) is set."""

    # Every outbox pass looks for leases that outlived their worker: a partial index of the jobs held right
    # now (literal predicate, repeated by the query), whatever the history.
    __table_args__ = (sa.Index("ix_outboxjob_leased", "locked_at",
                               sqlite_where=sa.text(LEASED_OUTBOX), postgresql_where=sa.text(LEASED_OUTBOX)),)
    id: int | None = id_column()
    clinic_id: int = clinic_fk()
    message_id: int | None = Field(default=None, foreign_key="message.id", unique=True)
    staff_alert_id: int | None = Field(default=None, foreign_key="staff_alert.id", unique=True)
    # Lets a turn add a reply and its job without a flush in between: the unit of work inserts the message
    # first and fills message_id (one flush per turn instead of one per reply). Never loaded implicitly.
    message: Message | None = Relationship(sa_relationship=relationship("Message", lazy="raise"))
    # Per-conversation send order; None for staff alerts, which wait behind nobody.
    conversation_id: int | None = Field(default=None, index=True)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_column=enum_column(OutboxStatus, index=True))
    attempts: int = 0
    available_at: datetime = now_column()
    locked_by: str | None = Field(default=None, max_length=80)
    locked_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = now_column()

