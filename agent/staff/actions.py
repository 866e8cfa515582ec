"""Staff actions, shared by the console and the JSON API: role check, clinic scope, engine call, audit.

Callers commit. Refused sends are outcomes (StaffSend with blocked_by), not exceptions, so the refusal
and its audit event are committed too.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from agent.engine import drafts as engine_drafts
from agent.engine import handoffs as engine_handoffs
from agent.engine.drafts import DraftStateError, StaffSend
from agent.engine.handoffs import HandoffStateError
from agent.policy.schema import Policies, RewardPolicy
from agent.referrals import endpoints, rewards
from agent.referrals.endpoints import EndpointIn
from agent.referrals.progress import change_status
from agent.staff import accounts
from agent.staff.actor import Actor, Conflict, Forbidden, NotFound
from agent.staff.queries import owned
from agent.staff.roles import Permission
from agent.referrals.codes import code_for
from agent.store.models import Draft, Handoff, Patient, Referral
from agent.store.referral_models import ReferralCode, Reward, WebhookEndpoint
from agent.store.staff_models import Staff
from agent.staff.schemas import StaffCreate
from agent.types import HandoffOutcome, ReferralStatus

__all__ = ["Conflict", "Forbidden", "NotFound", "WrongPassword", "approve_draft", "reject_draft", "claim_handoff",
           "resolve_handoff", "reply", "set_referral_status", "referral_code", "issue_reward", "set_webhook", "switch_off_webhook", "create_staff", "set_staff_active", "issue_staff_key",
           "change_own_password"]


class WrongPassword(Forbidden):
    """The current password given with a password change is not the account's."""


def _staff_id(actor: Actor) -> int:
    if actor.staff_id is None:
        raise Forbidden("the clinic API key is read-only; act with a staff login or a staff API key")
    return actor.staff_id


def _check_override(actor: Actor, override_phi: bool) -> None:
    if override_phi:
        actor.require(Permission.OVERRIDE_PHI)


# ------------------------------------------------------------------ drafts


def approve_draft(session: Session, actor: Actor, draft_id: int, now: datetime, policies: Policies, *,
                  text: str | None = None, override_phi: bool = False, confirm_stale: bool = False) -> StaffSend:
    """Approve as held (text None) or edited. The send re-runs the guards at this moment."""
    actor.require(Permission.DECIDE_DRAFTS)
    _check_override(actor, override_phi)
    draft = owned(session, Draft, draft_id, actor.clinic_id)
    try:
        return engine_drafts.approve(session, draft, staff_id=_staff_id(actor), now=now, policies=policies,
                                     text=text, override_phi=override_phi, confirm_stale=confirm_stale)
    except DraftStateError as exc:
        raise Conflict(str(exc)) from None


def reject_draft(session: Session, actor: Actor, draft_id: int, now: datetime) -> Draft:
    actor.require(Permission.DECIDE_DRAFTS)
    draft = owned(session, Draft, draft_id, actor.clinic_id)
    try:
        return engine_drafts.reject(session, draft, staff_id=_staff_id(actor), now=now)
    except DraftStateError as exc:
        raise Conflict(str(exc)) from None


# ------------------------------------------------------------------ handoffs


def claim_handoff(session: Session, actor: Actor, handoff_id: int, now: datetime) -> Handoff:
    handoff = owned(session, Handoff, handoff_id, actor.clinic_id)
    actor.require_queue(handoff.queue)
    staff_id = _staff_id(actor)
    if engine_handoffs.claimed_by_other(handoff, staff_id) and not actor.can(Permission.TAKE_OVER_HANDOFFS):
        raise Conflict("already claimed by a colleague; a manager can reassign it")
    try:
        engine_handoffs.claim(session, handoff, staff_id, now, take_over=True)
    except HandoffStateError as exc:
        raise Conflict(str(exc)) from None
    return handoff


def resolve_handoff(session: Session, actor: Actor, handoff_id: int, outcome: HandoffOutcome,
                    now: datetime) -> Handoff:
    """Close it with an outcome; the thread goes back to the agent once no other handoff keeps it."""
    handoff = owned(session, Handoff, handoff_id, actor.clinic_id)
    actor.require_queue(handoff.queue)
    try:
        engine_handoffs.resolve(session, handoff, outcome, _staff_id(actor), now)
    except HandoffStateError as exc:
        raise Conflict(str(exc)) from None
    return handoff


def reply(session: Session, actor: Actor, handoff_id: int, text: str, now: datetime, policies: Policies, *,
          override_phi: bool = False) -> StaffSend:
    handoff = owned(session, Handoff, handoff_id, actor.clinic_id)
    actor.require_queue(handoff.queue)
    _check_override(actor, override_phi)
    try:
        engine_handoffs.ensure_claimer(handoff, _staff_id(actor))  # a colleague's claim: theirs to answer
        return engine_drafts.staff_reply(session, handoff, staff_id=_staff_id(actor), text=text, now=now,
                                         policies=policies, override_phi=override_phi)
    except (DraftStateError, HandoffStateError) as exc:
        raise Conflict(str(exc)) from None


# ------------------------------------------------------------------ referrals


def set_referral_status(session: Session, actor: Actor, referral_id: int, status: ReferralStatus,
                        now: datetime, policy: RewardPolicy) -> Referral:
    """Move a referral along the pipeline (new, contacted, consult booked, treated, reward issued).
    Any step may be corrected backwards; every change is audited with its from and to. Reaching the
    rewards milestone makes the referrer's reward due; reward issued marks a due reward issued."""
    actor.require(Permission.UPDATE_REFERRALS)
    referral = owned(session, Referral, referral_id, actor.clinic_id)
    staff_id = _staff_id(actor)
    change_status(session, referral, status, now, actor=actor.label, policy=policy, staff_id=staff_id)
    return referral


def referral_code(session: Session, actor: Actor, patient_id: int, now: datetime) -> ReferralCode:
    """The patient's referral code, made now if they have none (audited when made)."""
    actor.require(Permission.UPDATE_REFERRALS)
    patient = owned(session, Patient, patient_id, actor.clinic_id)
    return code_for(session, patient, now, actor=actor.label)


def issue_reward(session: Session, actor: Actor, reward_id: int, now: datetime) -> Reward:
    """Staff gave the referrer their reward (a credit booked, a gift handed over)."""
    actor.require(Permission.UPDATE_REFERRALS)
    reward = owned(session, Reward, reward_id, actor.clinic_id)
    return rewards.issue_reward(session, reward, _staff_id(actor), now)


# ------------------------------------------------------------------ webhooks (admin)


def set_webhook(session: Session, actor: Actor, data: EndpointIn, now: datetime) -> WebhookEndpoint:
    actor.require(Permission.MANAGE_CLINIC)
    _staff_id(actor)
    return endpoints.set_endpoint(session, actor.clinic_id, data, now, actor.label)


def switch_off_webhook(session: Session, actor: Actor, now: datetime) -> WebhookEndpoint | None:
    actor.require(Permission.MANAGE_CLINIC)
    _staff_id(actor)
    return endpoints.switch_off(session, actor.clinic_id, now, actor.label)


# ------------------------------------------------------------------ staff accounts (admin)


def create_staff(session: Session, actor: Actor, payload: StaffCreate, now: datetime) -> Staff:
    actor.require(Permission.MANAGE_STAFF)
    try:
        return accounts.create_staff(session, actor.clinic_id, payload, now, actor=actor.label)
    except accounts.AccountError as exc:
        raise Conflict(str(exc)) from None


def set_staff_active(session: Session, actor: Actor, staff_id: int, active: bool, now: datetime) -> Staff:
    actor.require(Permission.MANAGE_STAFF)
    staff = owned(session, Staff, staff_id, actor.clinic_id)
    if staff.id == actor.staff_id and not active:
        raise Conflict("you cannot deactivate your own account")
    accounts.set_active(session, staff, active, now, actor=actor.label)
    return staff


def issue_staff_key(session: Session, actor: Actor, staff_id: int, now: datetime) -> str:
    """Admins issue keys for anyone in their clinic; everyone else only for themselves."""
    if staff_id != actor.staff_id:
        actor.require(Permission.MANAGE_STAFF)
    staff = owned(session, Staff, staff_id, actor.clinic_id)
    if not staff.active:
        raise Conflict("the account is deactivated")
    return accounts.issue_api_key(session, staff, now, actor=actor.label)


# ------------------------------------------------------------------ one's own account


def change_own_password(session: Session, actor: Actor, current: str, new: str, ip: str, now: datetime, *,
                        keep_token: str | None = None) -> None:
    """Any staff member, for their own account only, knowing the current password (a stolen session or API
    key alone cannot lock the owner out). Raises WrongPassword, accounts.Throttled, WeakPassword."""
    staff = owned(session, Staff, _staff_id(actor), actor.clinic_id)
    if not accounts.change_own_password(session, staff, current, new, ip, now, keep_token=keep_token):
        raise WrongPassword("the current password is not right")
