"""Rewards as policy (policies/rewards.yaml): due when a referral reaches the clinic's milestone, capped
per referrer per year, never for a flagged referral; issued by staff. Every change is audited."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from agent.policy.schema import RewardPolicy
from agent.referrals.events import emit, referral_data, reward_data
from agent.store.models import AuditEvent, Referral
from agent.store.referral_models import Reward
from agent.types import ReferralStatus, RewardStatus, WebhookEvent

# The pipeline in order: a referral "has reached" a status when it is at it or beyond.
PIPELINE = (ReferralStatus.NEW, ReferralStatus.CONTACTED, ReferralStatus.CONSULT_BOOKED, ReferralStatus.TREATED,
            ReferralStatus.REWARD_ISSUED)
YEAR = timedelta(days=365)


def reached(status: ReferralStatus, milestone: ReferralStatus) -> bool:
    return PIPELINE.index(status) >= PIPELINE.index(milestone)


def reward_if_due(session: Session, referral: Referral, policy: RewardPolicy, now: datetime,
                  actor: str) -> Reward | None:
    """The referral's reward, made due now if this referral has just earned it; None if it has not."""
    existing = session.exec(select(Reward).where(Reward.referral_id == referral.id)).first()
    if existing is not None:
        return existing
    if referral.flag is not None or not reached(referral.status, ReferralStatus(policy.milestone.value)):
        return None
    earned = session.exec(select(func.count()).select_from(Reward).where(
        Reward.referrer_id == referral.referrer_id, Reward.due_at > now - YEAR)).one()
    if earned >= policy.cap_per_referrer_per_year:
        _audit(session, referral.clinic_id, actor, "reward.capped", referral.id, now,
               cap=policy.cap_per_referrer_per_year)
        return None
    offer = policy.referrer_reward
    reward = Reward(clinic_id=referral.clinic_id, referral_id=referral.id, referrer_id=referral.referrer_id,
                    description=offer.text, credit_cents=offer.credit_cents, due_at=now, created_at=now)
    session.add(reward)
    session.flush()
    _audit(session, referral.clinic_id, actor, "reward.due", referral.id, now, reward_id=reward.id)
    emit(session, referral.clinic_id, WebhookEvent.REWARD_DUE, now, reward_data(reward))
    return reward


def issue_reward(session: Session, reward: Reward, staff_id: int, now: datetime) -> Reward:
    """Staff gave the reward: the reward is issued and the referral reaches the end of the pipeline."""
    if reward.status == RewardStatus.ISSUED:
        return reward
    reward.status, reward.issued_at, reward.issued_by = RewardStatus.ISSUED, now, staff_id
    referral = session.get(Referral, reward.referral_id)
    actor = f"staff:{staff_id}"
    _audit(session, reward.clinic_id, actor, "reward.issued", referral.id, now, reward_id=reward.id)
    emit(session, reward.clinic_id, WebhookEvent.REWARD_ISSUED, now, reward_data(reward))
    if referral.status != ReferralStatus.REWARD_ISSUED:
        previous, referral.status, referral.updated_at = referral.status, ReferralStatus.REWARD_ISSUED, now
        status_changed(session, referral, previous, now, actor)
    return reward


def status_changed(session: Session, referral: Referral, previous: ReferralStatus, now: datetime, actor: str) -> None:
    """The audit event and the webhook of a status change, wherever the change was made."""
    _audit(session, referral.clinic_id, actor, "referral.status_changed", referral.id, now,
           **{"from": previous.value, "to": referral.status.value})
    emit(session, referral.clinic_id, WebhookEvent.REFERRAL_STATUS_CHANGED, now,
         {**referral_data(referral), "previous_status": previous.value})


def _audit(session: Session, clinic_id: int, actor: str, action: str, referral_id: int, now: datetime,
           **data: object) -> None:
    session.add(AuditEvent(clinic_id=clinic_id, actor=actor, action=action, subject_type="referral",
                           subject_id=referral_id, data=data, created_at=now))
