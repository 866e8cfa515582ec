"""Staff side of a handoff: claim it, resolve it with an outcome, and hand the thread back to the agent."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from agent.store.models import AuditEvent, Conversation, Handoff
from agent.types import HandoffOutcome, HandoffStatus, Mode


class HandoffStateError(ValueError):
    """The handoff is not in a state that allows this action."""


class ClaimedByColleague(HandoffStateError):
    """Claimed by someone else: only the claimer replies in it and resolves it."""


def claimed_by_other(handoff: Handoff, staff_id: int) -> bool:
    return handoff.status == HandoffStatus.CLAIMED and handoff.claimed_by not in (None, staff_id)


def ensure_claimer(handoff: Handoff, staff_id: int) -> None:
    """A claim means one person speaks for the clinic in this thread: a colleague's reply or resolve would
    cross it (two people texting the patient, or the thread handed back under the claimer's feet)."""
    if claimed_by_other(handoff, staff_id):
        raise ClaimedByColleague("claimed by a colleague: only they can reply or resolve it "
                                 "(a manager or admin can take it over)")


def claim(session: Session, handoff: Handoff, staff_id: int, now: datetime, *, take_over: bool = False) -> Handoff:
    """Claim it, or with `take_over` (the caller has checked the role may reassign) take it from a colleague."""
    if handoff.status == HandoffStatus.RESOLVED:
        raise HandoffStateError("handoff is already resolved")
    previous = handoff.claimed_by if claimed_by_other(handoff, staff_id) else None
    if previous is not None and not take_over:
        ensure_claimer(handoff, staff_id)
    handoff.status = HandoffStatus.CLAIMED
    handoff.claimed_by = staff_id
    handoff.claimed_at = handoff.claimed_at or now
    extra = {"taken_from": previous} if previous is not None else {}
    _audit(session, handoff, f"staff:{staff_id}", "handoff.claimed", now, **extra)
    return handoff


def resolve(session: Session, handoff: Handoff, outcome: HandoffOutcome, staff_id: int, now: datetime) -> Handoff:
    """Close the handoff; the agent gets the thread back once no other handoff keeps it with a person."""
    if handoff.status == HandoffStatus.RESOLVED:
        raise HandoffStateError("handoff is already resolved")
    ensure_claimer(handoff, staff_id)
    handoff.status = HandoffStatus.RESOLVED
    handoff.outcome = outcome
    handoff.resolved_at = now
    handoff.claimed_by = handoff.claimed_by or staff_id
    _audit(session, handoff, f"staff:{staff_id}", "handoff.resolved", now, outcome=outcome.value)
    others = session.exec(select(Handoff).where(Handoff.conversation_id == handoff.conversation_id,
                                                Handoff.id != handoff.id,
                                                Handoff.status != HandoffStatus.RESOLVED)).first()
    conversation = session.get(Conversation, handoff.conversation_id)
    if others is None and conversation is not None and conversation.mode == Mode.HUMAN:
        conversation.mode = Mode.AGENT
        conversation.updated_at = now
    return handoff


def _audit(session: Session, handoff: Handoff, actor: str, action: str, now: datetime, **data: object) -> None:
    session.add(AuditEvent(clinic_id=handoff.clinic_id, actor=actor, action=action, subject_type="handoff",
                           subject_id=handoff.id, data=data, created_at=now))
