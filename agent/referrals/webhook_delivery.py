"""Delivering referral events to clinics' endpoints: claimed with FOR UPDATE SKIP LOCKED (several workers
never send the same event at once), posted outside any transaction, retried with exponential backoff.

A claim moves the delivery's next attempt one lease ahead before the POST, so a worker that dies mid-send
leaves it to be retried, never lost. The receiver may therefore see an event twice (a retry after its 2xx
was lost): the event id in the body and the X-Afterglow-Event-Id header is the idempotency key.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa
from sqlmodel import Session, select

from agent.clock import Clock
from agent.referrals.events import EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from agent.store.db import session_scope
from agent.store.referral_models import PENDING_DELIVERY, WebhookDelivery, WebhookEndpoint
from agent.types import DeliveryState

log = logging.getLogger("afterglow.webhooks")

LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 10  # 1 + 2 + ... minutes, capped at 6 h: about a day and a half of trying
TIMEOUT_S = 10.0
BATCH = 20

CLAIM = (select(WebhookDelivery).where(sa.text(PENDING_DELIVERY),
                                       WebhookDelivery.next_attempt_at <= sa.bindparam("now"))
         .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(BATCH)
         .with_for_update(skip_locked=True))


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.delivered or self.retrying or self.failed)


@dataclass(frozen=True)
class _Claimed:
    id: int
    event_id: str
    body: str
    url: str
    secret: str
    attempt: int


def backoff(attempt: int) -> timedelta:
    """The wait after the attempt-th failed try: 1, 2, 4, ... minutes, at most MAX_DELAY."""
    return min(FIRST_RETRY * (2 ** (attempt - 1)), MAX_DELAY)


class WebhookDeliverer:
    def __init__(self, db: sa.Engine, clock: Clock, http: httpx.Client | None = None) -> None:
        self.db = db
        self.clock = clock
        self._http = http

    @property
    def http(self) -> httpx.Client:
        if self._http is None:  # made on first use: most steps have nothing to deliver
            self._http = httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)
        return self._http

    def drain(self) -> DeliveryReport:
        report = DeliveryReport()
        for claimed in self._claim():
            self._record(claimed, self._post(claimed), report)
        return report

    def _claim(self) -> list[_Claimed]:
        now = self.clock.now()
        with Session(self.db, expire_on_commit=False) as session:
            rows = list(session.exec(CLAIM, params={"now": now}))
            if not rows:
                return []  # most steps: nothing due, so no write and no commit (the worker step's cost test)
            claimed = []
            for row in rows:
                endpoint = session.get(WebhookEndpoint, row.endpoint_id)
                row.attempts += 1
                row.next_attempt_at = now + LEASE
                claimed.append(_Claimed(row.id, row.event_id, row.body, endpoint.url, endpoint.secret, row.attempts))
            session.commit()
            return claimed

    def _post(self, claimed: _Claimed) -> tuple[int | None, str | None]:
        timestamp = int(self.clock.now().timestamp())
        headers = {"content-type": "application/json", EVENT_HEADER: claimed.event_id,
                   TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(claimed.secret, timestamp, claimed.body),
                   "user-agent": "Afterglow-Webhooks/1"}
        try:
            response = self.http.post(claimed.url, content=claimed.body.encode("utf-8"), headers=headers)
        except httpx.HTTPError as exc:
            return None, type(exc).__name__  # the class only: an exception's text can carry the URL
        return response.status_code, None

    def _record(self, claimed: _Claimed, result: tuple[int | None, str | None], report: DeliveryReport) -> None:
        status_code, error = result
        now = self.clock.now()
        with session_scope(self.db) as session:
            row = session.get(WebhookDelivery, claimed.id)
            row.last_status_code, row.last_error = status_code, error or (
                None if status_code and 200 <= status_code < 300 else f"HTTP {status_code}")
            if status_code is not None and 200 <= status_code < 300:
                row.status, row.delivered_at = DeliveryState.DELIVERED, now
                report.delivered += 1
            elif claimed.attempt >= MAX_ATTEMPTS:
                row.status = DeliveryState.FAILED
                report.failed += 1
                log.warning("webhook delivery %s failed for good after %d attempts", row.id, claimed.attempt)
            else:
                row.next_attempt_at = now + backoff(claimed.attempt)
                report.retrying += 1


def deliveries(session: Session, clinic_id: int) -> list[WebhookDelivery]:
    return list(session.exec(select(WebhookDelivery).where(WebhookDelivery.clinic_id == clinic_id)
                             .order_by(WebhookDelivery.id)))
