"""Issue 16: the worker's claim and a turn's thread read cost the same at 100,000 touches as at none.

Plans, not timings (timings are tests/scale/bench.py's job): every statement the code sends is captured
and EXPLAINed on a filled database, and a full scan of touch or message fails. Then the bounded thread
is checked against what the whole thread would have said.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, SQLModel, select

from agent.channel.inbound import InboundWorker
from agent.channel.outbox_worker import OutboxWorker
from agent.channel.sender import DryRunSender
from agent.clock import FixedClock
from agent.engine.situation import HISTORY_LINES, THREAD_WINDOW, load_situation
from agent.engine.turn import Agent
from agent.nlu.language import conversation_language
from agent.outreach.scheduler import _claim_next
from agent.store.db import make_engine
from agent.store.models import Message, Patient, Touch
from agent.types import Direction, TouchStatus
from tests.conftest import PG_ADMIN_URL
from tests.scale.fill import NOW, Filled, fill, fill_jobs

THREAD = 5_000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def big(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[tuple[sa.Engine, Filled]]:
    """A database of its own per engine (~100,000 touches), filled once: the checks share one test per
    engine, so two xdist workers fill one database each instead of each filling both."""
    if request.param == "sqlite":
        engine, drop = make_engine(f"sqlite:///{tmp_path}/big.db"), None
    else:
        request.getfixturevalue("pg_url")  # skips, or fails under CI, without a server
        admin = make_engine(PG_ADMIN_URL)
        name = f"afterglow_scale_{uuid.uuid4().hex[:10]}"
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
        drop = (admin, name)
    SQLModel.metadata.create_all(engine)
    filled = fill(engine, thread=THREAD, old_spanish=True)
    fill_jobs(engine, filled.clinic_id)
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))  # PostgreSQL plans from statistics; SQLite uses them too
    yield engine, filled
    engine.dispose()
    if drop is not None:
        admin, name = drop
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def captured(engine: sa.Engine) -> Iterator[list[tuple[str, object]]]:
    """The statements (with their parameters, as sent to the driver) executed inside the block."""
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plans(engine: sa.Engine, sent: list[tuple[str, object]], table: str) -> list[str]:
    """EXPLAIN of each captured statement that reads `table`, as one text per statement."""
    pattern = re.compile(rf"\bFROM {table}\b")
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    out = []
    with engine.connect() as conn:
        for statement, parameters in sent:
            if pattern.search(statement) and statement.lstrip().upper().startswith("SELECT"):
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                out.append("\n".join(str(r[-1]) for r in rows))
        conn.rollback()
    assert out, f"no statement read {table}"
    return out


def assert_no_full_scan(engine: sa.Engine, plan: str, table: str) -> None:
    if engine.dialect.name == "sqlite":
        # "SCAN touch" is the whole table; "SEARCH touch USING INDEX ..." (or a covering index) is not.
        assert not re.search(rf"^SCAN {table}\b(?! USING)", plan, re.M), plan
    else:
        assert f"Seq Scan on {table}" not in plan, plan


def check_claim_reads_only_pending_touches(big) -> None:
    engine, filled = big
    with Session(engine) as session:
        with captured(engine) as sent:
            touch = _claim_next(session, NOW)
        # The earliest due pending touch, as before the index (the fill makes touch n due n+1 minutes ago).
        assert touch is not None and touch.status == TouchStatus.PENDING and touch.due_at <= NOW
        earliest = session.exec(select(Touch).where(Touch.status == TouchStatus.PENDING, Touch.due_at <= NOW)
                                .order_by(Touch.due_at, Touch.id)).first()
        assert touch.id == earliest.id
        session.rollback()
    [plan] = plans(engine, sent, "touch")
    assert_no_full_scan(engine, plan, "touch")
    assert "ix_touch_pending_due" in plan, plan


def check_thread_reads_are_indexed(big, policies) -> None:
    engine, filled = big
    with Session(engine) as session:
        patient = session.get(Patient, filled.long_patient_id)
        with captured(engine) as sent:
            sit = load_situation(session, patient, NOW)
            sit.ask_facts()
            sit.last_outbound()
            sit.brain_context("ok", policies, frozenset())  # message count and language look further back
        session.rollback()
    found = plans(engine, sent, "message")
    assert len(found) >= 3  # the window, and the look-backs this thread needs (settled, count, language)
    for plan in found:
        assert_no_full_scan(engine, plan, "message")


def _whole_thread(session: Session, conversation_id: int) -> list[Message]:
    return list(session.exec(select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)))


def check_bounded_thread_says_what_the_whole_thread_said(big, policies) -> None:
    engine, filled = big
    with Session(engine) as session:
        patient = session.get(Patient, filled.long_patient_id)
        sit = load_situation(session, patient, NOW)
        whole = _whole_thread(session, filled.long_conversation_id)
        assert len(whole) == THREAD
        assert len(sit.messages) == THREAD_WINDOW  # bounded, newest, oldest first
        assert [m.id for m in sit.messages] == [m.id for m in whole[-THREAD_WINDOW:]]
        # The only settled (and only Spanish) reply is the thread's second message, far out of the window.
        assert sit.ask_facts().positive_reply_seen is True
        assert sit.message_count() == THREAD
        assert sit.last_outbound().id == whole[-2].id
        context = sit.brain_context("ok", policies, frozenset())
        assert [line.text for line in context.history] == [m.body for m in whole[-HISTORY_LINES:]]
        assert context.variant == filled.long_conversation_id + THREAD
        full_language = conversation_language("ok", [m.body for m in whole if m.direction == Direction.INBOUND])
        assert context.language == full_language == "es"
        session.rollback()


def check_last_outbound_and_settled_beyond_a_window_of_replies(big) -> None:
    """A window of nothing but patient texts: the last outbound is found further back, and no settled
    reply is invented."""
    engine, filled = big
    with Session(engine) as session:
        patient = session.exec(select(Patient).where(Patient.id != filled.long_patient_id)).first()
        sit = load_situation(session, patient, NOW, window=1)
        whole = _whole_thread(session, sit.conversation.id)
        assert sit.messages[-1].direction == Direction.INBOUND and sit.older_than is not None
        outbound = [m for m in whole if m.direction == Direction.OUTBOUND]
        assert sit.last_outbound().id == outbound[-1].id
        assert sit.ask_facts().positive_reply_seen is False
        assert sit.message_count() == len(whole)
        session.rollback()


def check_lease_expiry_reads_only_held_jobs(big) -> None:
    """Every worker step looks for leases that outlived their worker: among the few jobs held right now,
    never through 100,000 done ones. Last: it takes the one stale lease of each queue."""
    engine, _ = big
    clock = FixedClock(NOW)
    inbound = InboundWorker(Agent(engine, clock=clock), worker_id="w2")
    outbox = OutboxWorker(engine, DryRunSender(), clock, worker_id="w2")
    with captured(engine) as sent:
        assert inbound.expire_leases() == 1 and outbox.expire_leases() == 1  # the 30-minute-old ones only
    for table, index in (("inbound_job", "ix_inbound_job_leased"), ("outboxjob", "ix_outboxjob_leased")):
        [plan] = plans(engine, sent, table)
        assert_no_full_scan(engine, plan, table)
        if engine.dialect.name == "sqlite":
            # SQLite keeps no per-value statistics and scanned here before this index; PostgreSQL knows
            # 'processing' is rare and may as well take the status index: either way, no scan.
            assert index in plan, plan


def test_hot_queries_at_100k(big, policies) -> None:
    check_claim_reads_only_pending_touches(big)
    check_thread_reads_are_indexed(big, policies)
    check_bounded_thread_says_what_the_whole_thread_said(big, policies)
    check_last_outbound_and_settled_beyond_a_window_of_replies(big)
    check_lease_expiry_reads_only_held_jobs(big)
