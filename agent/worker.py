"""The worker: inbound turns, due touches and the outbox, one step at a time. Runs in-process (embedded
default, SQLite) or as `afterglow worker` processes beside the API on PostgreSQL; every claim is
`FOR UPDATE SKIP LOCKED`, so several workers share the work without doing any of it twice."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from agent.brains.factory import build_brain
from agent.channel.http import HttpxTwilioClient
from agent.channel.inbound import InboundWorker
from agent.channel.outbox_worker import OutboxConfig, OutboxWorker
from agent.channel.sender import DryRunSender, Sender, TwilioSender
from agent.clock import Clock, SystemClock
from agent.config import Settings
from agent.engine import alerts
from agent.engine.turn import Agent
from agent.outreach.scheduler import run_due
from agent.referrals.webhook_delivery import DeliveryReport, WebhookDeliverer

log = logging.getLogger("afterglow.worker")


@dataclass
class StepReport:
    touches: int
    delivered: int
    inbound: int = 0
    retried: int = 0
    unknown: int = 0
    failed: int = 0
    alerts: int = 0  # staff alerts queued by the re-alert/escalation check
    webhooks: int = 0  # referral webhook deliveries attempted (delivered, retrying or given up)

    @property
    def busy(self) -> bool:
        return bool(self.touches or self.delivered or self.inbound or self.retried or self.unknown or self.failed
                    or self.alerts or self.webhooks)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_agent(engine: sa.Engine, settings: Settings, *, clock: Clock | None = None) -> Agent:
    """The engine with the configured brain (AFTERGLOW_MODEL, built by agent.brains.factory.build_brain,
    which logs it); UnknownModel when the spec names nothing this installation can build."""
    return Agent(engine, brain=build_brain(settings), clock=clock or SystemClock())


def build_sender(settings: Settings) -> Sender:
    """Twilio when credentials are set; otherwise dry-run (recorded, nothing leaves the machine)."""
    if settings.dry_run:
        return DryRunSender()
    http = HttpxTwilioClient(timeout_s=settings.twilio_timeout_s, base_url=settings.twilio_api_base)
    return TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http,
                        messaging_service_sid=settings.twilio_messaging_service_sid)


class Worker:
    def __init__(self, agent: Agent, *, sender: Sender | None = None, outbox: OutboxConfig | None = None,
                 inbound_lease_s: float = 300.0, worker_id: str | None = None,
                 webhooks: WebhookDeliverer | None = None) -> None:
        self.agent = agent
        self.worker_id = worker_id or new_worker_id()
        self.sender = sender or DryRunSender()
        self.inbound = InboundWorker(agent, self.worker_id, lease_s=inbound_lease_s)
        self.outbox = OutboxWorker(agent.db, self.sender, agent.clock, worker_id=self.worker_id, config=outbox)
        self.webhooks = webhooks or WebhookDeliverer(agent.db, agent.clock)

    @classmethod
    def from_settings(cls, agent: Agent, settings: Settings, *, sender: Sender | None = None) -> Worker:
        config = OutboxConfig(lease_s=settings.outbox_lease_s, reconcile_after_s=settings.outbox_reconcile_after_s,
                              public_base_url=settings.public_base_url)
        return cls(agent, sender=sender or build_sender(settings), outbox=config,
                   inbound_lease_s=settings.inbound_lease_s)

    def step(self) -> StepReport:
        # Patients who wrote first: their turns (and replies) before proactive touches.
        inbound = self.inbound.drain()
        touches = len(run_due(self.agent))
        # Before the outbox drains, so a re-alert or an escalation goes out in this same step.
        queued = self.realert()
        sent = self.outbox.drain()
        hooks = self.deliver_webhooks()
        return StepReport(touches=touches, delivered=sent.sent, inbound=inbound, retried=sent.retried,
                          unknown=sent.unknown, failed=sent.failed, alerts=queued,
                          webhooks=hooks.delivered + hooks.retrying + hooks.failed)

    def deliver_webhooks(self) -> DeliveryReport:
        try:
            return self.webhooks.drain()
        except Exception as exc:  # noqa: BLE001 - a clinic's endpoint must not stop patients' texts
            log.warning("webhook delivery failed: %s", type(exc).__name__)
            return DeliveryReport()

    def realert(self) -> int:
        try:
            return alerts.run_due(self.agent.db, self.agent.clock.now(), self.agent.policies)
        except Exception as exc:  # noqa: BLE001 - a failed escalation check must not stop patients' replies
            log.warning("urgent alert check failed: %s", type(exc).__name__)
            return 0


def step(agent: Agent, *, dry_run: bool = True, sender: Sender | None = None) -> StepReport:
    """One step with a throwaway worker (tests, scripts). Long-running callers keep a `Worker`."""
    if not dry_run and sender is None:
        raise ValueError("a live step needs a sender (see build_sender)")
    return Worker(agent, sender=sender or DryRunSender()).step()


def run_forever(worker: Worker, *, interval_s: float, max_steps: int | None = None,
                stop: threading.Event | None = None) -> None:
    """Step until stopped; a busy step is followed at once by the next, an idle one waits `interval_s`."""
    stop = stop or threading.Event()
    steps = 0
    while not stop.is_set() and (max_steps is None or steps < max_steps):
        busy = False
        try:
            report = worker.step()
            busy = report.busy
            if busy:
                log.info("worker step: %d inbound, %d touch(es), %d sent, %d retrying, %d unknown, %d failed",
                         report.inbound, report.touches, report.delivered, report.retried, report.unknown,
                         report.failed)
        except Exception as exc:  # noqa: BLE001 - one bad step must not stop outreach for every clinic
            log.warning("worker step failed: %s", type(exc).__name__)
        steps += 1
        if not busy:
            stop.wait(interval_s)
        elif max_steps is None:
            time.sleep(0)  # yield
