"""Tools a brain may call. Code validates the arguments and executes them on the current patient only.

No tool takes a patient id, phone of the patient, or conversation id: the scope comes from the turn
(`ToolScope`), so a brain cannot act on another patient however it is prompted. Unknown tools, bad
arguments and tools not allowed in the current stage are refused and recorded, never raised.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
import sqlalchemy as sa
from sqlmodel import Session, select

from agent.phones import to_e164
from agent.referrals.events import emit, referral_data
from agent.store.models import AuditEvent, Clinic, Conversation, Handoff, Patient, Referral, Touch, Visit
from agent.types import (REVIEW_TOUCH, HandoffStatus, Mode, Priority, Queue, Stage, ToolCall, ToolName, TouchStatus,
                         WebhookEvent)

_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’.\- ]{0,59}$")


def person_name(value: str) -> str:
    value = " ".join(value.split())
    if not _NAME.match(value):
        raise ValueError("a name is letters, spaces, apostrophes, dots or hyphens (max 60)")
    return value


def _e164(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return to_e164(value)


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreateHandoffArgs(Args):
    """Give the thread to a person at the clinic, with why and a short summary for them."""

    queue: Queue
    priority: Priority = Priority.NORMAL
    reason: str = Field(min_length=1, max_length=200)
    summary: str = Field(default="", max_length=1000)


class RecordReferralArgs(Args):
    """Record someone the patient introduces. Opens a front-desk handoff with the visit context."""

    name: Annotated[str, AfterValidator(person_name)]
    phone: Annotated[str | None, AfterValidator(_e164)] = None
    relationship: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=500)


class NoArgs(Args):
    pass


@dataclass
class ToolScope:
    """Everything a tool may touch: this clinic, this patient, this conversation."""

    session: Session
    clinic: Clinic
    patient: Patient
    conversation: Conversation
    visit: Visit | None
    now: datetime
    days_since_visit: int | None
    # What the engine does for a tool (tools sit below the engine and do not import it): text the on-call
    # clinician about a handoff that just became urgent, and stop everything for a patient who opted out.
    alert_urgent: Callable[[ToolScope, Handoff], None]
    opt_out: Callable[[ToolScope], None]
    # This patient's open handoffs when the caller has already read them (the turn's situation): tools
    # look there instead of querying again, and add what they open to the same list.
    open_handoffs: list[Handoff] | None = None


@dataclass
class ToolOutcome:
    name: str
    args: dict
    ok: bool
    error: str | None = None
    handoff: Handoff | None = None
    referral: Referral | None = None

    def as_record(self) -> dict:
        return {"name": self.name, "args": self.args, "ok": self.ok, "error": self.error}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    args_model: type[Args]
    run: Callable[[ToolScope, Args], ToolOutcome]
    description: str
    forbidden_stages: frozenset[Stage] = field(default_factory=lambda: frozenset({Stage.ENDED}))


def audit(scope: ToolScope, action: str, subject_type: str, subject_id: int | None, **data: object) -> None:
    scope.session.add(AuditEvent(clinic_id=scope.clinic.id, actor="agent", action=action,
                                 subject_type=subject_type, subject_id=subject_id, data=data,
                                 created_at=scope.now))


def open_handoff(scope: ToolScope, queue: Queue, priority: Priority, reason: str, summary: str) -> Handoff:
    """Open a handoff, or reuse the patient's open one in the same queue (raising its priority)."""
    if scope.open_handoffs is not None:
        existing = next((h for h in scope.open_handoffs if h.queue == queue), None)
    else:
        existing = scope.session.exec(
            select(Handoff).where(Handoff.patient_id == scope.patient.id, Handoff.queue == queue,
                                  Handoff.status != HandoffStatus.RESOLVED)
        ).first()
    became_urgent = priority == Priority.URGENT and queue == Queue.CLINICAL
    if existing is not None:
        became_urgent = became_urgent and existing.priority != Priority.URGENT
        if priority == Priority.URGENT and existing.priority != Priority.URGENT:
            existing.priority = Priority.URGENT
            existing.reason = reason
            audit(scope, "handoff.escalated", "handoff", existing.id, queue=queue.value)
        if summary and summary not in existing.summary:
            existing.summary = (existing.summary + "\n" + summary).strip()[-1000:]
        handoff = existing
    else:
        handoff = Handoff(clinic_id=scope.clinic.id, conversation_id=scope.conversation.id,
                          patient_id=scope.patient.id, queue=queue, priority=priority, reason=reason,
                          summary=summary, context=visit_context(scope), created_at=scope.now)
        scope.session.add(handoff)
        scope.session.flush()
        if scope.open_handoffs is not None:
            scope.open_handoffs.append(handoff)
        audit(scope, "handoff.opened", "handoff", handoff.id, queue=queue.value, priority=priority.value)
    scope.conversation.mode = Mode.HUMAN
    scope.conversation.updated_at = scope.now
    if became_urgent:
        # In this transaction: the on-call clinician's text commits exactly when the handoff does. An
        # opted-out patient's red flag alerts too: the text goes to staff, not to the patient.
        scope.alert_urgent(scope, handoff)
    return handoff


def visit_context(scope: ToolScope) -> dict:
    """What staff need to pick the thread up. Internal: shown in the console, never texted or sent to a model."""
    visit = scope.visit
    return {
        "visit_type": visit.visit_type.value if visit else None,
        "treatment": visit.treatment if visit else None,
        "provider": visit.provider if visit else None,
        "days_since_visit": scope.days_since_visit,
        "opening_touch": scope.conversation.opening_touch,
        "stage": scope.conversation.stage.value,
    }


def _create_handoff(scope: ToolScope, args: CreateHandoffArgs) -> ToolOutcome:
    handoff = open_handoff(scope, args.queue, args.priority, args.reason, args.summary)
    return ToolOutcome(ToolName.CREATE_HANDOFF, args.model_dump(mode="json"), True, handoff=handoff)


def _record_referral(scope: ToolScope, args: RecordReferralArgs) -> ToolOutcome:
    handoff = open_handoff(scope, Queue.FRONT_DESK, Priority.NORMAL, "referral", _introduced(args))
    return save_referral(scope, args, handoff)


def _introduced(args: RecordReferralArgs) -> str:
    return f"Patient introduced {args.name}" + (f" ({args.relationship})" if args.relationship else "")


def attach_referral(scope: ToolScope, args: RecordReferralArgs, handoff: Handoff) -> ToolOutcome:
    """Record a name given while a person owns the thread: on the handoff they are working, no new one."""
    note = _introduced(args)
    if note not in handoff.summary:
        handoff.summary = (handoff.summary + "\n" + note).strip()[-1000:]
    return save_referral(scope, args, handoff)


# The newest referral this patient gave on a handoff that still has no number.
REFERRAL_WITHOUT_PHONE = (select(Referral)
                          .where(Referral.referrer_id == sa.bindparam("referrer_id"),
                                 Referral.handoff_id == sa.bindparam("handoff_id"), Referral.phone.is_(None))
                          .order_by(Referral.id.desc()).limit(1))


def add_referral_phone(scope: ToolScope, phone: str, handoff: Handoff) -> ToolOutcome | None:
    """"her # is 415 555 0199" after "my friend Kim": the number belongs to the person just introduced on
    this handoff. None when no referral on it is waiting for a number (the text stays on the thread
    for staff either way)."""
    referral = scope.session.exec(REFERRAL_WITHOUT_PHONE,
                                  params={"referrer_id": scope.patient.id, "handoff_id": handoff.id}).first()
    if referral is None:
        return None
    referral.phone, referral.updated_at = phone, scope.now
    note = f"Phone added for {referral.name}"
    if note not in handoff.summary:
        handoff.summary = (handoff.summary + "\n" + note).strip()[-1000:]
    audit(scope, "referral.phone_added", "referral", referral.id)
    return ToolOutcome(ToolName.RECORD_REFERRAL, {"name": referral.name, "phone": phone}, True, handoff=handoff,
                       referral=referral)


# Built once: every named referral asks it.
SAME_REFERRAL = select(Referral).where(Referral.referrer_id == sa.bindparam("referrer_id"),
                                       Referral.name == sa.bindparam("name"))


def save_referral(scope: ToolScope, args: RecordReferralArgs, handoff: Handoff) -> ToolOutcome:
    duplicate = scope.session.exec(SAME_REFERRAL, params={"referrer_id": scope.patient.id, "name": args.name}).first()
    if duplicate is not None:
        if args.phone and not duplicate.phone:
            duplicate.phone = args.phone
        return ToolOutcome(ToolName.RECORD_REFERRAL, args.model_dump(mode="json"), True, handoff=handoff, referral=duplicate)
    referral = Referral(clinic_id=scope.clinic.id, referrer_id=scope.patient.id,
                        conversation_id=scope.conversation.id, handoff_id=handoff.id, name=args.name,
                        phone=args.phone, relationship=args.relationship, note=args.note or "",
                        created_at=scope.now, updated_at=scope.now)
    scope.session.add(referral)
    scope.session.flush()
    scope.conversation.stage = Stage.REFERRED
    audit(scope, "referral.recorded", "referral", referral.id, has_phone=args.phone is not None)
    emit(scope.session, scope.clinic.id, WebhookEvent.REFERRAL_CREATED, scope.now, referral_data(referral))
    return ToolOutcome(ToolName.RECORD_REFERRAL, args.model_dump(mode="json"), True, handoff=handoff, referral=referral)


def _record_decline(scope: ToolScope, args: NoArgs) -> ToolOutcome:
    # A decline is respected for good: stored on the patient, not the conversation.
    if scope.patient.referral_declined_at is None:
        scope.patient.referral_declined_at = scope.now
    scope.conversation.stage = Stage.DECLINED
    # Someone who just said no to being asked is not asked for a review days later either.
    for touch in scope.session.exec(select(Touch).where(Touch.patient_id == scope.patient.id,
                                                        Touch.name == REVIEW_TOUCH,
                                                        Touch.status == TouchStatus.PENDING)):
        touch.status, touch.reason, touch.updated_at = TouchStatus.CANCELLED, "patient declined asks", scope.now
    audit(scope, "referral.declined", "patient", scope.patient.id)
    return ToolOutcome(ToolName.RECORD_DECLINE, {}, True)


def _mark_wrong_number(scope: ToolScope, args: NoArgs) -> ToolOutcome:
    scope.patient.wrong_number = True
    scope.conversation.stage = Stage.ENDED
    scope.conversation.mode = Mode.CLOSED
    scope.conversation.closed_at = scope.now
    audit(scope, "patient.wrong_number", "patient", scope.patient.id)
    return ToolOutcome(ToolName.MARK_WRONG_NUMBER, {}, True)


def _opt_out(scope: ToolScope, args: NoArgs) -> ToolOutcome:
    scope.opt_out(scope)  # the engine's consent path, the same as the keyword layer's
    return ToolOutcome(ToolName.OPT_OUT, {}, True)


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(ToolName.CREATE_HANDOFF, CreateHandoffArgs, _create_handoff,
                 "Hand the conversation to clinic staff (clinical, front_desk or manager queue)."),
        ToolSpec(ToolName.RECORD_REFERRAL, RecordReferralArgs, _record_referral,
                 "Record a person the patient refers (name, optional phone and relationship)."),
        ToolSpec(ToolName.RECORD_DECLINE, NoArgs, _record_decline,
                 "The patient does not want to refer anyone; never ask again."),
        ToolSpec(ToolName.MARK_WRONG_NUMBER, NoArgs, _mark_wrong_number,
                 "This phone number does not belong to the patient."),
        ToolSpec(ToolName.OPT_OUT, NoArgs, _opt_out,
                 "The patient asked to stop receiving texts in their own words."),
    )
}


def execute(scope: ToolScope, call: ToolCall) -> ToolOutcome:
    """Validate and run one tool call; refusals are outcomes, not exceptions."""
    spec = TOOLS.get(call.name)
    if spec is None:
        return ToolOutcome(call.name, {}, False, "unknown tool")
    if scope.conversation.stage in spec.forbidden_stages:
        return ToolOutcome(call.name, {}, False, f"not allowed at stage {scope.conversation.stage.value}")
    try:
        args = spec.args_model.model_validate(call.args)
    except ValidationError as exc:
        # Field names and error types only: the values may carry PHI.
        problems = sorted({f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['type']}" for e in exc.errors()})
        return ToolOutcome(call.name, {}, False, "invalid arguments: " + "; ".join(problems))
    return spec.run(scope, args)
