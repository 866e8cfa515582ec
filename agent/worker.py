"""The worker step: send due touches and deliver the outbox. Run in-process (embedded default) or as
`afterglow worker` processes beside the API on PostgreSQL."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from agent.engine.outbox import drain_dry_run
from agent.engine.turn import Agent
from agent.outreach.scheduler import run_due
from agent.store.db import session_scope

log = logging.getLogger("afterglow.worker")


@dataclass
class StepReport:
    touches: int
    delivered: int


def step(agent: Agent, *, dry_run: bool = True) -> StepReport:
    touches = len(run_due(agent))
    delivered = 0
    if dry_run:
        with session_scope(agent.db) as session:
            delivered = drain_dry_run(session, agent.clock.now())
    return StepReport(touches, delivered)


def run_forever(agent: Agent, *, interval_s: float, dry_run: bool = True, max_steps: int | None = None) -> None:
    steps = 0
    while max_steps is None or steps < max_steps:
        try:
            report = step(agent, dry_run=dry_run)
            if report.touches or report.delivered:
                log.info("worker step: %d touch(es), %d send(s)", report.touches, report.delivered)
        except Exception as exc:  # noqa: BLE001 - one bad step must not stop outreach for every clinic
            log.warning("worker step failed: %s", type(exc).__name__)
        steps += 1
        time.sleep(interval_s)
