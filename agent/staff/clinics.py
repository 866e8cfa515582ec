"""Creating and changing a clinic: its name, Twilio number, time zone, review link and the settings the
engine reads (quiet hours, HELP text, sender name, segment budget), validated as the policy files are.

One place for the rules, whatever asks (the CLI, the console's admin pages): a bad value is refused with a
message that names the field, never a half-changed clinic.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, select

from agent.phones import to_e164
from agent.policy.schema import ClinicSettings
from agent.security import set_api_key
from agent.store.models import AuditEvent, Clinic

# The settings a clinic manager sets here; on-call numbers have their own commands (agent/staff/oncall.py).
EDITABLE_SETTINGS = ("segment_budget", "quiet_start", "quiet_end", "help_text", "sender_name", "phi_extra_terms")


class ClinicError(ValueError):
    """Bad clinic input; the message names the field and is safe to show."""


class ClinicFields(BaseModel):
    """What may change on a clinic; None leaves a field as it is."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    phone: str | None = None
    timezone: str | None = None
    review_link: str | None = Field(default=None, max_length=500)
    segment_budget: int | None = None
    quiet_start: int | None = None
    quiet_end: int | None = None
    help_text: str | None = Field(default=None, min_length=1, max_length=300)  # HELP must answer
    sender_name: str | None = Field(default=None, max_length=60)
    phi_extra_terms: list[str] | None = None

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None else to_e164(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone (e.g. America/Los_Angeles)") from None
        return value

    @field_validator("review_link")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return value
        if not value.startswith("https://"):
            raise ValueError("must be an https:// link")
        return value


def _fields(values: dict) -> ClinicFields:
    try:
        return ClinicFields.model_validate(values)
    except ValidationError as exc:
        raise ClinicError(_first(exc)) from None


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "clinic"
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


def create_clinic(session: Session, values: dict, now: datetime, *, actor: str = "system") -> tuple[Clinic, str]:
    """A new clinic and its JSON API key (shown once; only its hash is kept)."""
    fields = _fields(values)
    if not fields.name or not fields.phone:
        raise ClinicError("a clinic needs at least a name and its Twilio number")
    clinic = Clinic(name=fields.name, phone="", timezone=fields.timezone or "America/Los_Angeles",
                    review_link=fields.review_link or None, settings={}, created_at=now)
    _apply(session, clinic, fields, now)  # checks the number is free
    session.add(clinic)
    session.flush()
    key = set_api_key(clinic)
    _audit(session, clinic, "clinic.created", now, fields, actor)
    return clinic, key


def update_clinic(session: Session, clinic: Clinic, values: dict, now: datetime, *, actor: str = "system") -> Clinic:
    fields = _fields(values)
    _apply(session, clinic, fields, now)
    _audit(session, clinic, "clinic.updated", now, fields, actor)
    return clinic


def _apply(session: Session, clinic: Clinic, fields: ClinicFields, now: datetime) -> None:
    if fields.phone is not None and fields.phone != clinic.phone:
        taken = session.exec(select(Clinic.id).where(Clinic.phone == fields.phone)).first()
        if taken is not None:
            raise ClinicError("phone: another clinic already uses this Twilio number")
        clinic.phone = fields.phone
    for name in ("name", "timezone"):
        if getattr(fields, name) is not None:
            setattr(clinic, name, getattr(fields, name))
    if fields.review_link is not None:
        clinic.review_link = fields.review_link or None
    changes = {k: getattr(fields, k) for k in EDITABLE_SETTINGS if getattr(fields, k) is not None}
    try:
        settings = ClinicSettings.model_validate({**(clinic.settings or {}), **changes})
    except ValidationError as exc:
        raise ClinicError(_first(exc)) from None
    clinic.settings = settings.model_dump(mode="json", exclude_defaults=True)


def _audit(session: Session, clinic: Clinic, action: str, now: datetime, fields: ClinicFields, actor: str) -> None:
    session.add(AuditEvent(clinic_id=clinic.id, actor=actor, action=action, subject_type="clinic",
                           subject_id=clinic.id, data={"fields": sorted(fields.model_dump(exclude_none=True))},
                           created_at=now))


def describe(clinic: Clinic) -> list[tuple[str, str]]:
    """The clinic as (setting, value) rows, defaults included."""
    settings = ClinicSettings.model_validate(clinic.settings or {})
    rows = [("id", str(clinic.id)), ("name", clinic.name), ("phone", clinic.phone), ("timezone", clinic.timezone),
            ("review_link", clinic.review_link or "")]
    rows += [(name, str(getattr(settings, name))) for name in EDITABLE_SETTINGS]
    return rows


__all__ = ["ClinicError", "ClinicFields", "EDITABLE_SETTINGS", "create_clinic", "describe", "update_clinic"]
