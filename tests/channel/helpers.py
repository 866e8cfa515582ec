"""Twilio on the wire, as the channel meets it: signed form-encoded webhooks and REST JSON."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.utils import format_datetime

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from agent.channel.http import HttpxTwilioClient
from agent.channel.outbox_worker import OutboxConfig
from agent.channel.sender import TwilioSender
from agent.config import Settings
from agent.engine.turn import Agent
from agent.store.models import Clinic, Message, OutboxJob, Patient
from agent.types import Direction
from agent.worker import Worker

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE = "https://glow.example.com"
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
MESSAGES_URL = f"{API}/Messages.json"
CLINIC_PHONE = "+14155550100"  # the demo clinic's Twilio number


def sid(prefix: str = "SM") -> str:
    return prefix + uuid.uuid4().hex


def sign(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def inbound_params(sender: str, body: str, *, to: str = CLINIC_PHONE, message_sid: str | None = None,
                   media: list[tuple[str, str]] | None = None, **extra: str) -> dict[str, str]:
    """The parameters Twilio posts for an inbound SMS/MMS (field names and shapes as Twilio sends them)."""
    message_sid = message_sid or sid("MM" if media else "SM")
    params = {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": message_sid, "NumMedia": str(len(media or [])),
        "ToCity": "SAN FRANCISCO", "FromZip": "94105", "SmsSid": message_sid, "FromState": "CA",
        "SmsStatus": "received", "FromCity": "SAN FRANCISCO", "Body": body, "FromCountry": "US", "To": to,
        "ToZip": "94105", "NumSegments": "1", "MessageSid": message_sid, "AccountSid": ACCOUNT_SID,
        "From": sender, "ApiVersion": "2010-04-01",
    }
    for i, (url, content_type) in enumerate(media or []):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = content_type
    params.update(extra)
    return params


def status_params(message_sid: str, status: str, *, to: str = "+14155552001", error_code: int | None = None) -> dict:
    params = {"SmsSid": message_sid, "SmsStatus": status, "MessageStatus": status, "To": to,
              "MessageSid": message_sid, "AccountSid": ACCOUNT_SID, "From": CLINIC_PHONE, "ApiVersion": "2010-04-01"}
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    return params


def post_signed(client: TestClient, path: str, params: dict, *, query: str = "", token: str = AUTH_TOKEN,
                base: str = PUBLIC_BASE, signature: str | None = None):  # noqa: ANN201 - an httpx Response
    target = path + (f"?{query}" if query else "")
    signature = signature if signature is not None else sign(base + target, params, token)
    return client.post(target, data=params, headers={"X-Twilio-Signature": signature})


# ---------------------------------------------------------------------- Twilio REST JSON


def _rfc2822(moment: datetime | None = None) -> str:
    return format_datetime(moment or datetime.now(UTC), usegmt=True).replace("GMT", "+0000")


def message_json(message_sid: str, *, to: str, body: str, from_: str = CLINIC_PHONE, status: str = "queued",
                 created: datetime | None = None, messaging_service_sid: str | None = None) -> dict:
    """A Message resource exactly as Messages.create / Messages.list return it."""
    return {
        "account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "body": body,
        "date_created": _rfc2822(created), "date_sent": None, "date_updated": _rfc2822(created),
        "direction": "outbound-api", "error_code": None, "error_message": None, "from": from_,
        "messaging_service_sid": messaging_service_sid, "num_media": "0", "num_segments": "1", "price": None,
        "price_unit": "USD", "sid": message_sid, "status": status,
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}/Media.json"},
        "to": to, "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}.json",
    }


def error_json(code: int, message: str, status: int) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def list_json(messages: list[dict]) -> dict:
    uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?PageSize=20&Page=0"
    return {"end": max(0, len(messages) - 1), "first_page_uri": uri, "next_page_uri": None, "page": 0,
            "page_size": 20, "previous_page_uri": None, "messages": messages, "start": 0, "uri": uri}


# ---------------------------------------------------------------------- app and workers


def channel_settings(**overrides: object) -> Settings:
    values = {"DATABASE_URL": "sqlite://", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
              "PUBLIC_BASE_URL": PUBLIC_BASE, "AFTERGLOW_INPROCESS_WORKER": False, "AFTERGLOW_ENV": "test"}
    values.update(overrides)
    return Settings(**values)


def webhook_client(agent: Agent, **overrides: object) -> TestClient:
    """The real app on the test's database; lifespan (migrations, seeding, in-process worker) not run."""
    from api.app import create_app

    return TestClient(create_app(channel_settings(**overrides), agent=agent, seed=False))


def twilio_worker(agent: Agent, **config: object) -> Worker:
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, http_client=HttpxTwilioClient(timeout_s=2.0))
    return Worker(agent, sender=sender, outbox=OutboxConfig(public_base_url=PUBLIC_BASE, **config),
                  worker_id="test-worker")


def messages(engine: sa.Engine, *, direction: Direction | None = None) -> list[Message]:
    with Session(engine) as s:
        query = select(Message).order_by(Message.id)
        if direction is not None:
            query = query.where(Message.direction == direction)
        return list(s.exec(query))


def jobs(engine: sa.Engine) -> list[OutboxJob]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxJob).order_by(OutboxJob.id)))


def phone_of(engine: sa.Engine, patient_id: int) -> str:
    with Session(engine) as s:
        return s.get(Patient, patient_id).phone


def clinic_phone(engine: sa.Engine) -> str:
    with Session(engine) as s:
        return s.exec(select(Clinic.phone)).first()
