"""Referral events for a clinic's practice system (outbound webhooks).

An event is a row written in the same transaction as the change it describes, so it exists exactly when
the change committed; the worker delivers it (agent/referrals/webhook_delivery.py). A payload carries
ids, statuses and timestamps only: no name, no phone, no treatment. A practice system that needs more
looks the patient up by id in its own records.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime

from sqlmodel import Session, select

from agent.store.models import Referral
from agent.store.referral_models import Reward, WebhookDelivery, WebhookEndpoint
from agent.types import WebhookEvent

SIGNATURE_HEADER = "X-Afterglow-Signature"
TIMESTAMP_HEADER = "X-Afterglow-Timestamp"
EVENT_HEADER = "X-Afterglow-Event-Id"


def sign(secret: str, timestamp: int, body: str) -> str:
    """`sha256=` + HMAC-SHA256 of "<timestamp>.<body>": the timestamp is signed too, so a captured delivery
    cannot be replayed later under a fresh one."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def referral_data(referral: Referral) -> dict:
    return {"referral_id": referral.id, "referrer_patient_id": referral.referrer_id,
            "friend_patient_id": referral.friend_patient_id, "status": referral.status.value,
            "source": referral.source.value, "flag": referral.flag.value if referral.flag else None}


def reward_data(reward: Reward) -> dict:
    return {"reward_id": reward.id, "referral_id": reward.referral_id, "referrer_patient_id": reward.referrer_id,
            "status": reward.status.value, "credit_cents": reward.credit_cents}


def emit(session: Session, clinic_id: int, event: WebhookEvent, now: datetime, data: dict) -> WebhookDelivery | None:
    """Queue the event for the clinic's endpoint; nothing when the clinic has none (or it is switched off)."""
    endpoint = session.exec(select(WebhookEndpoint).where(WebhookEndpoint.clinic_id == clinic_id,
                                                          WebhookEndpoint.active == True)).first()  # noqa: E712
    if endpoint is None:
        return None
    event_id = f"evt_{uuid.uuid4().hex}"
    body = json.dumps({"id": event_id, "type": event.value, "created_at": now.isoformat(), "clinic_id": clinic_id,
                       "data": data}, separators=(",", ":"), sort_keys=True)
    delivery = WebhookDelivery(clinic_id=clinic_id, endpoint_id=endpoint.id, event_id=event_id, event_type=event,
                               body=body, next_attempt_at=now, created_at=now)
    session.add(delivery)
    return delivery
