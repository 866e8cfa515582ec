"""Staff tables: accounts, console sessions and login attempts (models.py imports them with the record).

SQLModel families: StaffBase holds the shared fields, StaffPublic what the API returns; what an admin
submits, with its password rules, is agent/staff/schemas.py's StaffCreate. The table row (with its password and API key digests) never leaves the server.
"""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from agent.store.columns import enum_column, now_column
from agent.types import StaffRole

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$"


def _moment(*, nullable: bool = True, index: bool = False) -> object:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if not re.match(EMAIL_PATTERN, value):
        raise ValueError("not an email address")
    return value


class StaffBase(SQLModel):
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=120)
    role: StaffRole

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)


class Staff(StaffBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case; logins are by email across clinics
    role: StaffRole = Field(sa_column=enum_column(StaffRole))
    password_hash: str = Field(max_length=255)  # argon2id (pwdlib), never returned
    active: bool = True
    api_key_hash: str | None = Field(default=None, max_length=64, unique=True)  # sha256 of a personal API key
    created_at: datetime = now_column()
    last_login_at: datetime | None = _moment()


class StaffPublic(StaffBase):
    id: int
    clinic_id: int
    active: bool
    created_at: datetime
    last_login_at: datetime | None = None


class StaffSession(SQLModel, table=True):
    """A console login. The cookie carries a random token; only its SHA-256 digest is stored."""

    __tablename__ = "staff_session"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = now_column()
    last_seen_at: datetime = now_column()
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = _moment()


class LoginAttempt(SQLModel, table=True):
    """Failed and successful logins, for throttling. Digests only: no email or address is stored."""

    __tablename__ = "staff_login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    email_digest: str = Field(max_length=64, index=True)
    ip_digest: str = Field(max_length=64, index=True)
    succeeded: bool = False
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))
