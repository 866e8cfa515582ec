"""A friend signs up on a referrer's code page: a Referral (new, linked to the referrer) and a front-desk
handoff, so a person calls or texts them back.

The friend becomes a patient record (first name, phone, consent to texts: the page asks for it
explicitly; never marketing consent), with a conversation of their own that the handoff opens. That is
where the front desk texts them, through the same guards as every text, and where their visit will match
by phone when it arrives. The referrer's own thread is left alone: their agent conversation is not taken
over because a friend filled in a form.

One phone is one referral per clinic: a second sign-up with the same number (any referrer, any spelling
of the number) changes nothing and is not told apart from the first on the page, so the page cannot be
used to learn who is already known.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, select

from agent.phones import to_e164
from agent.referrals.events import emit, referral_data
from agent.tools import person_name
from agent.store.models import AuditEvent, Conversation, Handoff, Patient, Referral
from agent.store.referral_models import ReferralCode
from agent.types import HandoffStatus, Mode, Priority, Queue, ReferralFlag, ReferralSource, WebhookEvent

ACTOR = "friend_page"
OPENING = "friend_page"  # the conversation's opening_touch: staff see where the thread came from


def _phone(value: str) -> str:
    try:
        return to_e164(value)
    except ValueError:
        raise ValueError("that does not look like a mobile number") from None


class FriendSignup(BaseModel):
    """What the page asks. Messages are written for the friend and never repeat what was typed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    first_name: Annotated[str, Field(min_length=1, max_length=60), AfterValidator(person_name)]
    phone: Annotated[str, Field(min_length=1, max_length=30), AfterValidator(_phone)]
    sms_consent: bool

    @field_validator("sms_consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise ValueError("please tick the box so the clinic may text you")
        return value


@dataclass
class SignupResult:
    referral: Referral
    created: bool  # False: this phone was already introduced to the clinic (nothing new was written)


def sign_up_friend(session: Session, code: ReferralCode, data: FriendSignup, now: datetime) -> SignupResult:
    known = session.exec(select(Referral).where(Referral.clinic_id == code.clinic_id,
                                                Referral.phone == data.phone)).first()
    if known is not None:
        return SignupResult(known, False)
    referrer = session.get(Patient, code.patient_id)
    friend = session.exec(select(Patient).where(Patient.clinic_id == code.clinic_id,
                                                Patient.phone == data.phone)).first()
    flag = None
    if data.phone == referrer.phone:
        flag = ReferralFlag.SELF_REFERRAL
    elif friend is not None:
        flag = ReferralFlag.ALREADY_PATIENT
    if friend is None:
        friend = Patient(clinic_id=code.clinic_id, phone=data.phone, first_name=data.first_name, sms_consent=True,
                         marketing_consent=False, created_at=now)
        session.add(friend)
        session.flush()
    conversation = Conversation(clinic_id=code.clinic_id, patient_id=friend.id, opening_touch=OPENING,
                                mode=Mode.HUMAN, created_at=now, updated_at=now)
    session.add(conversation)
    session.flush()
    handoff = Handoff(clinic_id=code.clinic_id, conversation_id=conversation.id, patient_id=friend.id,
                      queue=Queue.FRONT_DESK, priority=Priority.NORMAL, reason="referral",
                      summary="Signed up on a patient's referral page and asked to be contacted (SMS consent given)",
                      context={"visit_type": None, "treatment": None, "provider": None, "days_since_visit": None,
                               "opening_touch": OPENING, "stage": conversation.stage.value},
                      status=HandoffStatus.OPEN, created_at=now)
    session.add(handoff)
    session.flush()
    referral = Referral(clinic_id=code.clinic_id, referrer_id=referrer.id, conversation_id=conversation.id,
                        handoff_id=handoff.id, name=data.first_name, phone=data.phone, source=ReferralSource.FRIEND_PAGE,
                        flag=flag, friend_patient_id=friend.id, note="Signed up on the referral page",
                        created_at=now, updated_at=now)
    session.add(referral)
    session.flush()
    _audit(session, code.clinic_id, "handoff.opened", "handoff", handoff.id, now, queue=Queue.FRONT_DESK.value,
           priority=Priority.NORMAL.value)
    _audit(session, code.clinic_id, "referral.recorded", "referral", referral.id, now,
           source=ReferralSource.FRIEND_PAGE.value, has_phone=True)
    if flag is not None:
        _audit(session, code.clinic_id, "referral.flagged", "referral", referral.id, now, flag=flag.value)
    emit(session, code.clinic_id, WebhookEvent.REFERRAL_CREATED, now, referral_data(referral))
    return SignupResult(referral, True)


def _audit(session: Session, clinic_id: int, action: str, subject_type: str, subject_id: int, now: datetime,
           **data: object) -> None:
    session.add(AuditEvent(clinic_id=clinic_id, actor=ACTOR, action=action, subject_type=subject_type,
                           subject_id=subject_id, data=data, created_at=now))
