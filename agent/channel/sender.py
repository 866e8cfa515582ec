"""Senders: hand one outbound text to Twilio (or, in dry-run, to nobody) and say exactly what happened.

Messages.create has no idempotency key, so every failure is classified by whether the text can have
left. Only a provably unsent request is retried automatically; anything else is `Ambiguous` and the
outbox reconciles it against Twilio's own message list before any resend.

| what happened                                  | outcome    | the outbox then                     |
|------------------------------------------------|------------|-------------------------------------|
| 2xx with a Message resource                    | Accepted   | done, SID and status recorded        |
| connect error / connect or pool timeout        | NotSent    | retry with backoff                   |
| HTTP 429 (rate limited), 401/403 (credentials) | NotSent    | retry with backoff                   |
| HTTP 400 code 21610 (recipient replied STOP)   | Rejected   | failed; patient marked opted out     |
| other 4xx (invalid number, bad request ...)    | Rejected   | failed, error code recorded          |
| 5xx, read/write timeout, dropped connection    | Ambiguous  | unknown: reconcile, then decide      |
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.rest import Client

from agent.channel.http import HttpxTwilioClient
from agent.types import DeliveryStatus

log = logging.getLogger("afterglow.channel.sender")

NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
RETRY_STATUSES = frozenset({401, 403, 429})  # refused before anything was created


@dataclass(frozen=True)
class SendRequest:
    message_id: int
    to: str
    from_: str
    body: str
    status_callback: str | None = None


@dataclass(frozen=True)
class Accepted:
    sid: str | None  # None in dry-run
    status: DeliveryStatus


@dataclass(frozen=True)
class NotSent:
    """Provably never reached Twilio (or Twilio refused before creating anything): safe to retry."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """Twilio refused the message for good; resending the same request cannot help."""

    code: int | None
    reason: str


@dataclass(frozen=True)
class Ambiguous:
    """The text may or may not have gone out."""

    reason: str


SendOutcome = Accepted | NotSent | Rejected | Ambiguous


@dataclass(frozen=True)
class RemoteMessage:
    """A message as Twilio's list shows it (for reconciliation)."""

    sid: str
    body: str
    status: DeliveryStatus | None
    created_at: datetime | None


class TwilioLookupError(Exception):
    """Twilio's message list could not be read: reconciliation has to wait."""


class Sender(Protocol):
    dry_run: bool

    def send(self, request: SendRequest) -> SendOutcome: ...

    def recent(self, to: str, from_: str, limit: int = 20) -> list[RemoteMessage]: ...


def delivery_status(value: object) -> DeliveryStatus | None:
    try:
        return DeliveryStatus(str(value))
    except ValueError:
        return None


class DryRunSender:
    """No Twilio credentials: the text is recorded as DRY_RUN and nothing leaves the machine."""

    dry_run = True

    def send(self, request: SendRequest) -> SendOutcome:
        return Accepted(None, DeliveryStatus.DRY_RUN)

    def recent(self, to: str, from_: str, limit: int = 20) -> list[RemoteMessage]:
        return []


class TwilioSender:
    dry_run = False

    def __init__(self, account_sid: str, auth_token: str, *, http_client: HttpxTwilioClient | None = None,
                 messaging_service_sid: str | None = None) -> None:
        self.http_client = http_client or HttpxTwilioClient()
        self.client = Client(account_sid, auth_token, http_client=self.http_client)
        self.messaging_service_sid = messaging_service_sid

    def send(self, request: SendRequest) -> SendOutcome:
        extra = {"status_callback": request.status_callback} if request.status_callback else {}
        if self.messaging_service_sid:
            extra["messaging_service_sid"] = self.messaging_service_sid
        try:
            message = self.client.messages.create(to=request.to, from_=request.from_, body=request.body, **extra)
        except (TwilioRestException, TwilioServiceException) as exc:
            return classify_rest_error(exc)
        except NEVER_SENT as exc:
            return NotSent(type(exc).__name__)
        except (httpx.HTTPError, TwilioException, ValueError) as exc:
            # Read/write timeouts, dropped connections, unparseable answers: it may have been created.
            return Ambiguous(type(exc).__name__)
        return Accepted(message.sid, delivery_status(message.status) or DeliveryStatus.QUEUED)

    def recent(self, to: str, from_: str, limit: int = 20) -> list[RemoteMessage]:
        try:
            rows = self.client.messages.list(to=to, from_=from_, limit=limit)
        except (TwilioException, httpx.HTTPError, ValueError) as exc:
            raise TwilioLookupError(type(exc).__name__) from None
        return [RemoteMessage(sid=m.sid, body=m.body or "", status=delivery_status(m.status),
                              created_at=m.date_created) for m in rows]


def classify_rest_error(exc: TwilioRestException | TwilioServiceException) -> SendOutcome:
    status = int(exc.status or 0)
    code = _int(getattr(exc, "code", None))
    reason = f"HTTP {status}" + (f" code {code}" if code and code != status else "")
    if status in RETRY_STATUSES:
        return NotSent(reason)
    if 400 <= status < 500:
        return Rejected(code if code != status else None, reason)
    return Ambiguous(reason)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
