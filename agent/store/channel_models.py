"""Channel tables: the durable inbound queue (imported at the bottom of models.py, same metadata).

A Twilio webhook writes one `InboundJob` keyed by MessageSid and answers at once; a worker runs the turn.
The job keeps the text only until the turn has recorded it as a Message (minimum necessary), then clears it.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from agent.store.columns import now_column, enum_column


class InboundStatus(StrEnum):
    PENDING = "pending"  # waiting for a worker (or for an earlier message of the same sender)
    PROCESSING = "processing"  # a worker holds it (lease: locked_at)
    DONE = "done"  # the turn ran (or was a duplicate / deliberately ignored: see outcome)
    FAILED = "failed"  # gave up after repeated errors: needs a person


class InboundOutcome(StrEnum):
    TURN = "turn"  # a patient turn ran through the engine
    DUPLICATE = "duplicate"  # the engine had already recorded this MessageSid
    CONTACT = "contact"  # a number not on file: recorded and handed to the front desk
    PHOTO = "photo"  # media only: handed to the clinical team, patient told we cannot view it
    EMPTY = "empty"  # no text and no media: nothing to do
    NOT_A_PHONE = "not_a_phone"  # a sender we can never text back (short code, alphanumeric)


LEASED_INBOUND = "status = 'processing'"


class InboundJob(SQLModel, table=True):
    __tablename__ = "inbound_job"
    # Claims look for the oldest open job of one sender: (clinic, sender, id) answers that from the index.
    # Every worker step looks for leases that outlived their worker among the jobs held right now: a partial
    # index of those few, whatever the history (literal predicate, repeated by the query: LEASED_INBOUND).
    __table_args__ = (sa.Index("ix_inbound_job_sender_order", "clinic_id", "sender", "id"),
                      sa.Index("ix_inbound_job_leased", "locked_at",
                               sqlite_where=sa.text(LEASED_INBOUND), postgresql_where=sa.text(LEASED_INBOUND)))

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id")
    message_sid: str = Field(max_length=64, unique=True)
    sender: str = Field(max_length=32)  # the From number as Twilio sent it (E.164 for SMS)
    patient_id: int | None = Field(default=None, foreign_key="patient.id")  # set once processed
    body: str = ""  # cleared once the turn has recorded the message
    body_truncated: bool = False
    num_media: int = 0  # a count only: media URLs are never stored
    opt_out_type: str | None = Field(default=None, max_length=8)  # Twilio Advanced Opt-Out: STOP|START|HELP
    status: InboundStatus = Field(default=InboundStatus.PENDING, sa_column=enum_column(InboundStatus, index=True))
    outcome: InboundOutcome | None = Field(default=None, sa_column=enum_column(InboundOutcome, nullable=True))
    attempts: int = 0
    available_at: datetime = now_column()
    locked_by: str | None = Field(default=None, max_length=80)
    locked_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=200)  # exception type names only, never text
    created_at: datetime = now_column()
    processed_at: datetime | None = None
