"""Moving a referral along the pipeline, by staff or by attribution, with the same audit and the same
reward rule either way (so a reward cannot depend on who clicked)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from agent.policy.schema import RewardPolicy
from agent.referrals.rewards import issue_reward, reached, reward_if_due, status_changed
from agent.store.models import Referral
from agent.types import ReferralStatus, RewardStatus


def change_status(session: Session, referral: Referral, status: ReferralStatus, now: datetime, *, actor: str,
                  policy: RewardPolicy, staff_id: int | None = None) -> None:
    """Set the status (any direction: staff correct mistakes), audit it, and settle the reward: due when
    the milestone is reached, issued when staff move the referral to reward issued."""
    if referral.status == status:
        return
    previous, referral.status, referral.updated_at = referral.status, status, now
    if previous == ReferralStatus.NEW and referral.first_contact_at is None:
        referral.first_contact_at = now  # contacted, or booked straight away: either way the friend was reached
    status_changed(session, referral, previous, now, actor)
    reward = reward_if_due(session, referral, policy, now, actor)
    if status == ReferralStatus.REWARD_ISSUED and reward is not None and reward.status == RewardStatus.DUE \
            and staff_id is not None:
        issue_reward(session, reward, staff_id, now)


def advance(session: Session, referral: Referral, status: ReferralStatus, now: datetime, *, actor: str,
            policy: RewardPolicy) -> bool:
    """Forward only: a booking that arrives after the visit was completed never moves a referral back."""
    if reached(referral.status, status):
        return False
    change_status(session, referral, status, now, actor=actor, policy=policy)
    return True
