"""The friend page's rate limits: per visitor address and per code, counted in the database so every API
process shares them. An address is stored only as a keyed digest."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from agent.store.referral_models import FriendPageAttempt, ReferralCode

WINDOW = timedelta(hours=1)
PER_ADDRESS = 5  # a person signs up a friend or two; a script does not get a sixth try this hour
PER_CODE = 30  # a referrer's link shared in a group chat: generous, but not a spam funnel


def address_digest(secret_key: str, address: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), b"friend-page:" + address.encode("utf-8"), hashlib.sha256).hexdigest()


def over_limit(session: Session, code: ReferralCode, ip_digest: str, now: datetime) -> bool:
    recent = select(func.count()).select_from(FriendPageAttempt).where(FriendPageAttempt.created_at > now - WINDOW)
    by_address = session.exec(recent.where(FriendPageAttempt.ip_digest == ip_digest)).one()
    by_code = session.exec(recent.where(FriendPageAttempt.code_id == code.id)).one()
    return by_address >= PER_ADDRESS or by_code >= PER_CODE


def count_attempt(session: Session, code: ReferralCode, ip_digest: str, now: datetime) -> None:
    """Every submission counts, accepted or not: a bot that gets the form wrong still spends its budget."""
    session.add(FriendPageAttempt(clinic_id=code.clinic_id, code_id=code.id, ip_digest=ip_digest, created_at=now))
