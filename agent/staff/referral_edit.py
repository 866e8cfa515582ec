"""Staff add a referral for a patient, or correct one's name, phone, relationship or note.

The same rules as the engine's record_referral: the name is a person's name (agent/tools.py person_name),
a phone is stored E.164. One phone is one referral per referrer (409), so a correction cannot make two
rows that attribution would have to choose between. Audit events carry field names, never the values:
a referral's name and phone are PHI.

A corrected phone does not re-run attribution: agent/referrals/attribution.py matches an arriving visit
to referrals, not a referral to visits already recorded, so the next visit with that phone advances it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from agent.phones import to_e164
from agent.referrals.events import emit, referral_data
from agent.staff.actor import Actor, Conflict
from agent.staff.queries import owned
from agent.staff.roles import Permission
from agent.store.models import AuditEvent, Conversation, Patient, Referral
from agent.tools import person_name
from agent.types import ReferralSource, WebhookEvent

FIELDS = ("name", "phone", "relationship", "note")


def _phone(value: str | None) -> str | None:
    """Blank means no number (a correction may remove a wrong one); the message never repeats the input."""
    if value is None or not value.strip():
        return None
    try:
        return to_e164(value)
    except ValueError:
        raise ValueError("not a valid phone number (for example (415) 555-0123 or +44 20 7946 0958)") from None


def _blank_is_none(value: str | None) -> str | None:
    return value or None


Name = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(person_name)]
Phone = Annotated[str | None, Field(max_length=30), AfterValidator(_phone)]
Relationship = Annotated[str | None, Field(max_length=40), AfterValidator(_blank_is_none)]
Note = Annotated[str, Field(max_length=500)]


class ReferralFields(BaseModel):
    """A new referral: a name is required, the rest optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name
    phone: Phone = None
    relationship: Relationship = None
    note: Note = ""


class ReferralCorrection(BaseModel):
    """Only the fields sent are changed (model_fields_set); a blank phone or relationship removes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name | None = None
    phone: Phone = None
    relationship: Relationship = None
    note: Note | None = None

    @model_validator(mode="after")
    def _keeps_a_name(self) -> ReferralCorrection:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("a referral keeps a name")
        return self

    def changes(self) -> dict[str, object]:
        given = {field: getattr(self, field) for field in FIELDS if field in self.model_fields_set}
        if "note" in given and given["note"] is None:
            given["note"] = ""  # the column is not nullable: no note is an empty one
        return given


def _refuse_same_phone(session: Session, referrer_id: int, phone: str | None) -> None:
    # Only called with a phone the referral does not have yet, so a match is always another referral.
    if phone is None:
        return
    query = select(Referral.id).where(Referral.referrer_id == referrer_id, Referral.phone == phone)
    if session.exec(query).first() is not None:
        raise Conflict("this patient already introduced someone with that phone number")


def _audit(session: Session, actor: Actor, referral: Referral, action: str, now: datetime,
           **data: object) -> None:
    session.add(AuditEvent(clinic_id=referral.clinic_id, actor=actor.label, action=action, subject_type="referral",
                           subject_id=referral.id, data=data, created_at=now))


def add_referral(session: Session, actor: Actor, patient_id: int, data: ReferralFields, now: datetime) -> Referral:
    """Record someone the patient introduced at the desk or on the phone. No handoff is opened: the staff
    member adding it is already the person who follows up."""
    actor.require(Permission.UPDATE_REFERRALS)  # the read-only clinic key has only VIEW: refused here
    referrer = owned(session, Patient, patient_id, actor.clinic_id)
    # Referral.conversation_id is required: the referrer's latest thread is where the introduction belongs.
    conversation = session.exec(select(Conversation).where(Conversation.patient_id == referrer.id)
                                .order_by(col(Conversation.created_at).desc(), col(Conversation.id).desc())).first()
    if conversation is None:
        raise Conflict("this patient has no conversation yet: text them first, then add the referral")
    _refuse_same_phone(session, referrer.id, data.phone)
    referral = Referral(clinic_id=referrer.clinic_id, referrer_id=referrer.id, conversation_id=conversation.id,
                        name=data.name, phone=data.phone, relationship=data.relationship, note=data.note,
                        source=ReferralSource.STAFF, created_at=now, updated_at=now)
    session.add(referral)
    session.flush()
    _audit(session, actor, referral, "referral.created_by_staff", now,
           fields=[field for field in FIELDS if getattr(data, field)])
    emit(session, referral.clinic_id, WebhookEvent.REFERRAL_CREATED, now, referral_data(referral))
    return referral


def correct_referral(session: Session, actor: Actor, referral_id: int, correction: ReferralCorrection,
                     now: datetime) -> Referral:
    """Apply the fields sent; audited with the names of the fields that actually changed."""
    actor.require(Permission.UPDATE_REFERRALS)  # the read-only clinic key has only VIEW: refused here
    referral = owned(session, Referral, referral_id, actor.clinic_id)
    given = correction.changes()
    changed = sorted(field for field, value in given.items() if getattr(referral, field) != value)
    if not changed:
        return referral
    if "phone" in changed:
        _refuse_same_phone(session, referral.referrer_id, given["phone"])
    for field in changed:
        setattr(referral, field, given[field])
    referral.updated_at = now
    _audit(session, actor, referral, "referral.corrected", now, fields=changed)
    return referral
