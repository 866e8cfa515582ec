"""Issue 16: what one worker-path turn costs the database, pinned so that it cannot grow unnoticed.

A patient's text, already accepted by the webhook (its inbound job), then one `Worker.step`: the job is
claimed, the turn runs, the reply goes through the outbox to a dry-run sender. Counted on the worker's
engine: commits (each a round trip, and on PostgreSQL a WAL flush when it wrote) and statements. The
figures were measured when they were set; lower them when the path gets cheaper. The webhook's own
insert is not counted: it is a separate process's, one commit, measured by the production bench.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event

from agent.channel.inbound import InboundSms, accept
from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.store.db import session_scope
from agent.store.models import Message
from agent.types import Direction, DeliveryStatus, VisitType
from agent.worker import Worker
from tests.channel.helpers import inbound_params
from tests.conftest import START
from tests.engine.helpers import rows

# One commit each: the inbound lease check with the job's claim; the turn with its reply's outbox job,
# the job's done and the (empty) next claim; the due-touch claim; the staff re-alert check; the outbox
# lease check with the reconciliation claim, the send's claim and its preparation; the send's outcome
# with the (empty) next claim. The referral webhooks due (issue 14) are one more read a step, and no commit
# when none is due.
COMMITS = 6
STATEMENTS = {"sqlite": 35, "postgresql": 35}


@dataclass
class Cost:
    commits: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counted(engine: sa.Engine) -> Iterator[Cost]:
    cost = Cost()

    def statement(conn, cursor, sql, params, context, executemany):  # noqa: ANN001, ARG001
        cost.statements.append(" ".join(sql.split())[:90])

    def commit(conn) -> None:  # noqa: ANN001, ARG001
        cost.commits += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield cost
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def test_a_worker_path_turn_costs_what_it_was_measured_at(any_engine):
    clock = FixedClock(START)
    agent = Agent(any_engine, clock=clock)
    with session_scope(any_engine) as session:
        clinic = ensure_demo_clinic(session, clock.now())
        patient, _ = add_patient_with_visit(session, clinic, clock.now(), first_name="Maya", phone="+14155552001",
                                            visit_type=VisitType.NEUROMODULATOR, days_ago=14, treatment="Botox")
        pid, clinic_phone = patient.id, clinic.phone
    send_touch(agent, pid, "results_checkin")
    worker = Worker(agent)
    worker.step()  # the touch's text leaves the outbox; first-call costs (the reader, caches) are paid
    sms = InboundSms.from_params(inbound_params("+14155552001", "Honestly loving it!", to=clinic_phone))
    accept(any_engine, sms, clock.now())
    with counted(any_engine) as cost:
        report = worker.step()
    assert report.inbound == 1 and report.delivered == 1  # the turn ran and its reply was sent
    reply = [m for m in rows(any_engine, Message) if m.direction == Direction.OUTBOUND][-1]
    assert reply.delivery_status == DeliveryStatus.DRY_RUN
    dialect = any_engine.dialect.name
    assert cost.commits == COMMITS, cost.statements
    assert len(cost.statements) <= STATEMENTS[dialect], "\n".join(cost.statements)
