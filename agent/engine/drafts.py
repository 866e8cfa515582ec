"""Staff-sent text: approving a held draft, editing it, rejecting it, and replying in a human-owned thread.

Every staff text runs the full guard chain at send time (the record keeps every verdict), built with
`human_mode_exempt=True`: the staff member *is* the human who owns the thread, so THREAD_OWNER never
stops them (no exemption hack). What each tripped policy does to a staff text:

- OPTED_OUT: hard block. Revocation is the law (FCC 24-24): no override exists, for anyone.
- PHI: blocks unless an authorised role (clinical, manager, admin) gives an explicit override, audited with
  the categories hit (never the words). SMS is unencrypted; a clinician may judge that a patient who asked
  needs a specific answer.
- ASK_CONSENT: hard block. A referral or review ask is marketing; it needs marketing consent whoever writes it.
- ONE_ASK: hard block. The product's core guardrail (never stack asks); cheap for a person to fix.
- SEGMENTS: hard block. The clinic's cost and carrier-filtering budget; shorten the text.
- ASK_TIMING: a recorded warning. Automation etiquette (cooldowns, positive reply first): a person has
  read the thread.
- THREAD_OWNER: exempt. Staff are the owner.

A sent staff text is a Message of kind STAFF through the transactional outbox, with a Turn
(brain "staff") holding the send-time verdicts, so the conversation view shows them like any other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from agent.engine.outbox import enqueue
from agent.engine.situation import Situation
from agent.guards import count_segments, detect_asks, run_guards, smart_encode
from agent.policy.schema import ClinicSettings, Policies
from agent.store.models import AuditEvent, Clinic, Conversation, Draft, Handoff, Message, Patient, Turn, Visit
from agent.types import (
    AskKind,
    Direction,
    Disposition,
    DraftStatus,
    GuardPolicy,
    HandoffStatus,
    MessageKind,
    Mode,
    Stage,
)

HARD = frozenset({GuardPolicy.OPTED_OUT, GuardPolicy.ASK_CONSENT, GuardPolicy.ONE_ASK, GuardPolicy.SEGMENTS})
OVERRIDABLE = frozenset({GuardPolicy.PHI})
ADVISORY = frozenset({GuardPolicy.ASK_TIMING})
MAX_STAFF_TEXT = 1600


class DraftStateError(ValueError):
    """The draft or thread is not in a state that allows this action (already decided, thread closed)."""


class StaleDraft(DraftStateError):
    """The thread moved on after the reply was held (the patient wrote again, or something was sent): sending
    it as it is may answer the wrong thing or acknowledge twice. Approve with confirm_stale, or edit it."""


def newer_messages(session: Session, draft: Draft) -> int:
    """Texts in the draft's thread after the patient message it answers (or after it was held)."""
    turn = session.get(Turn, draft.turn_id) if draft.turn_id else None
    if turn is not None and turn.inbound_message_id:
        after = Message.id > turn.inbound_message_id
    else:
        after = Message.created_at > draft.created_at
    return len(session.exec(select(Message.id).where(Message.conversation_id == draft.conversation_id, after)).all())


@dataclass
class StaffSend:
    """What happened to one staff text."""

    sent: bool
    message_id: int | None = None
    verdicts: list[dict] = field(default_factory=list)  # every tripped verdict, PHI-free records
    blocked_by: list[str] = field(default_factory=list)  # policies that stopped it
    warnings: list[str] = field(default_factory=list)  # advisory policies that tripped
    overridden: list[str] = field(default_factory=list)  # policies sent through on an explicit override
    segments: int = 0

    @property
    def needs_override(self) -> bool:
        """Only overridable policies stand in the way: an authorised person could send it on purpose."""
        return not self.sent and bool(self.blocked_by) and set(self.blocked_by) <= {p.value for p in OVERRIDABLE}


# ------------------------------------------------------------------ drafts


def approve(session: Session, draft: Draft, *, staff_id: int, now: datetime, policies: Policies,
            text: str | None = None, override_phi: bool = False, confirm_stale: bool = False) -> StaffSend:
    """Send the held text (or the staff member's edit of it) through the outbox, re-checked now. The held
    text as it is, after the thread moved on, needs confirm_stale (an edit is written now, for now)."""
    if draft.status != DraftStatus.PENDING:
        raise DraftStateError(f"draft is already {draft.status.value}")
    edited = text is not None and text.strip() != draft.body.strip()
    if not edited and not confirm_stale and (newer := newer_messages(session, draft)):
        raise StaleDraft(f"{newer} newer message(s) in the thread since this reply was held: approve again with "
                         "confirm_stale to send it as it is, or edit it")
    body = clean_text(text if edited else draft.body)
    sit = situation_for(session, draft.conversation_id, now)
    stage = "staff_edit" if edited else "staff_approve"
    outcome = _send(sit, body, staff_id=staff_id, policies=policies, override_phi=override_phi, stage=stage)
    actor = f"staff:{staff_id}"
    if outcome.sent:
        draft.status = DraftStatus.APPROVED
        draft.decided_by = staff_id
        draft.decided_at = now
        draft.verdicts = [*draft.verdicts, _attempt(stage, outcome, actor)]
        if edited:
            draft.body = body
        _audit(session, sit, actor, "draft.approved", "draft", draft.id, now, edited=edited,
               message_id=outcome.message_id, overridden=outcome.overridden, warnings=outcome.warnings)
    else:
        _audit(session, sit, actor, "draft.send_refused", "draft", draft.id, now, edited=edited,
               policies=outcome.blocked_by, override_requested=override_phi, **phi_categories(outcome))
    return outcome


def reject(session: Session, draft: Draft, *, staff_id: int, now: datetime) -> Draft:
    if draft.status != DraftStatus.PENDING:
        raise DraftStateError(f"draft is already {draft.status.value}")
    draft.status = DraftStatus.REJECTED
    draft.decided_by = staff_id
    draft.decided_at = now
    session.add(AuditEvent(clinic_id=draft.clinic_id, actor=f"staff:{staff_id}", action="draft.rejected",
                           subject_type="draft", subject_id=draft.id, data={}, created_at=now))
    return draft


# ------------------------------------------------------------------ replies in a human-owned thread


def staff_reply(session: Session, handoff: Handoff, *, staff_id: int, text: str, now: datetime, policies: Policies,
                override_phi: bool = False) -> StaffSend:
    """A person answers the patient from the console. The thread must be theirs (an unresolved handoff,
    mode HUMAN); the agent stays silent meanwhile. Replying to an unclaimed handoff claims it."""
    from agent.engine.handoffs import claim

    if handoff.status == HandoffStatus.RESOLVED:
        raise DraftStateError("handoff is already resolved")
    sit = situation_for(session, handoff.conversation_id, now)
    if sit.conversation.mode == Mode.AGENT:
        raise DraftStateError("the agent owns this thread; a reply needs an open handoff")
    outcome = _send(sit, clean_text(text), staff_id=staff_id, policies=policies, override_phi=override_phi,
                    stage="staff_reply", handoff_id=handoff.id)
    actor = f"staff:{staff_id}"
    if outcome.sent:
        if handoff.status == HandoffStatus.OPEN:
            claim(session, handoff, staff_id, now)
        _audit(session, sit, actor, "handoff.replied", "handoff", handoff.id, now, message_id=outcome.message_id,
               overridden=outcome.overridden, warnings=outcome.warnings)
    else:
        _audit(session, sit, actor, "handoff.reply_refused", "handoff", handoff.id, now, policies=outcome.blocked_by,
               override_requested=override_phi, **phi_categories(outcome))
    return outcome


# ------------------------------------------------------------------ the send


def situation_for(session: Session, conversation_id: int, now: datetime) -> Situation:
    """The guard view of one given conversation (not the patient's newest one; nothing is created)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise DraftStateError("no such conversation")
    patient = session.get(Patient, conversation.patient_id)
    clinic = session.get(Clinic, conversation.clinic_id)
    visit = session.get(Visit, conversation.visit_id) if conversation.visit_id else None
    messages = list(session.exec(select(Message).where(Message.conversation_id == conversation.id)
                                 .order_by(Message.id)))
    return Situation(session=session, clinic=clinic, settings=ClinicSettings.model_validate(clinic.settings),
                     patient=patient, conversation=conversation, visit=visit, now=now, messages=messages)


def check(sit: Situation, body: str, policies: Policies, *, override_phi: bool = False) -> StaffSend:
    """The staff rules on one text, without sending (the console's preview and the send both use it)."""
    gctx = sit.guard_context(policies, sit.ask_facts(), exempt=True)
    verdicts = run_guards(body, gctx)
    tripped = [v for v in verdicts if v.tripped]
    hard = [v for v in tripped if v.policy in HARD]
    overridable = [v for v in tripped if v.policy in OVERRIDABLE]
    blocked = hard + ([] if override_phi else overridable)
    return StaffSend(sent=False, verdicts=[v.as_record() for v in tripped],
                     blocked_by=_names(blocked), warnings=_names(v for v in tripped if v.policy in ADVISORY),
                     overridden=[] if blocked else _names(overridable),
                     segments=count_segments(body).segments if body else 0)


def _send(sit: Situation, body: str, *, staff_id: int, policies: Policies, override_phi: bool, stage: str,
          handoff_id: int | None = None) -> StaffSend:
    if not body:
        raise DraftStateError("the text is empty")
    outcome = check(sit, body, policies, override_phi=override_phi)
    if outcome.blocked_by:
        return outcome
    if sit.conversation.mode == Mode.CLOSED:
        raise DraftStateError("this conversation is closed; the patient has a newer thread")
    turn = Turn(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, brain="staff",
                verdicts=[_attempt(stage, outcome, f"staff:{staff_id}")], disposition=Disposition.SEND,
                created_at=sit.now)
    sit.session.add(turn)
    sit.session.flush()
    asks = list(dict.fromkeys(a.value for a in detect_asks(body, policies.asks, sit.clinic.review_link)))
    message = Message(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, patient_id=sit.patient.id,
                      direction=Direction.OUTBOUND, kind=MessageKind.STAFF, body=body, asks=asks,
                      segments=outcome.segments, handoff_id=handoff_id, turn_id=turn.id, created_at=sit.now)
    enqueue(sit.session, message, sit.now)
    _note_asks(sit, asks)
    sit.conversation.updated_at = sit.now
    outcome.sent = True
    outcome.message_id = message.id
    return outcome


def _note_asks(sit: Situation, asks: list[str]) -> None:
    """A staff ask counts toward the patient's cooldowns exactly like the agent's."""
    if not asks:
        return
    stamped = dict(sit.patient.last_asks)
    for ask in asks:
        stamped[ask] = sit.now.isoformat()
    sit.patient.last_asks = stamped
    if AskKind.REFERRAL.value in asks and sit.conversation.stage in (Stage.CHECKIN, Stage.SETTLED):
        sit.conversation.stage = Stage.ASKED


def clean_text(text: str | None) -> str:
    """A staff text as it will be sent: trimmed, GSM-7 where a lookalike allows, within the length cap."""
    body = smart_encode((text or "").strip())
    if len(body) > MAX_STAFF_TEXT:
        raise DraftStateError(f"the text is longer than {MAX_STAFF_TEXT} characters")
    return body


def _names(verdicts) -> list[str]:  # noqa: ANN001 - any iterable of verdicts
    return sorted({v.policy.value for v in verdicts})


def _attempt(stage: str, outcome: StaffSend, actor: str) -> dict:
    return {"stage": stage, "actor": actor, "verdicts": outcome.verdicts, "overridden": outcome.overridden,
            "warnings": outcome.warnings}


def phi_categories(outcome: StaffSend) -> dict:
    """The categories a PHI verdict named (product, area, ...): PHI-free by the guard's construction."""
    cats = sorted({c for v in outcome.verdicts if v.get("policy") == GuardPolicy.PHI.value
                   for c in v.get("categories", [])})
    return {"phi_categories": cats} if cats else {}


def _audit(session: Session, sit: Situation, actor: str, action: str, subject_type: str, subject_id: int | None,
           now: datetime, **data: object) -> None:
    session.add(AuditEvent(clinic_id=sit.clinic.id, actor=actor, action=action, subject_type=subject_type,
                           subject_id=subject_id, data=data, created_at=now))


__all__ = ["DraftStateError", "StaffSend", "approve", "reject", "staff_reply", "check", "clean_text", "phi_categories",
           "situation_for"]
