"""Issue 13, item 3: a text that arrives while the database is busy is answered at once and never lost.

The attack run held SQLite's write lock (a long CSV import): the webhook waited 30 s, answered 500 and
recorded nothing, and Twilio does not retry. Now the webhook waits AFTERGLOW_WEBHOOK_LOCK_WAIT, spools
the text (fsynced, append-only) and answers 200; the API process drains the spool into the inbound queue
(idempotent on MessageSid) once the database takes writes again, and the worker answers the patient."""
from __future__ import annotations

import json
import sqlite3
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.channel.inbound import Accepted, InboundSms, accept_or_spool, drain_spool, sender_key
from agent.channel.spool import Spool
from agent.config import Settings
from agent.demo import ensure_demo_clinic
from agent.store.channel_models import InboundJob, InboundStatus
from agent.store.db import make_engine, migrate, session_scope
from agent.store.models import Message
from agent.types import DeliveryStatus, Direction
from api.app import create_app
from tests.channel.helpers import AUTH_TOKEN, PUBLIC_BASE, inbound_params, post_signed
from tests.conftest import START, _truncate

# serial: the webhook's answer is timed on the wall clock (make test runs these alone, after the rest)
pytestmark = pytest.mark.serial

MAYA = "+14155550111"  # a demo patient


def _jobs(engine: sa.Engine, sid: str | None = None) -> list[InboundJob]:
    with Session(engine) as session:
        query = select(InboundJob).order_by(InboundJob.id)
        return list(session.exec(query.where(InboundJob.message_sid == sid) if sid else query))


def _hold_write_lock(path) -> sqlite3.Connection:  # noqa: ANN001
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    return lock


def test_a_text_sent_while_the_write_lock_is_held_is_answered_at_once_and_processed_once_afterwards(tmp_path):
    db_path = tmp_path / "busy.db"
    settings = Settings(DATABASE_URL=f"sqlite:///{db_path}", AFTERGLOW_ENV="local", TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                        PUBLIC_BASE_URL=PUBLIC_BASE, AFTERGLOW_SPOOL_DIR=str(tmp_path / "spool"),
                        AFTERGLOW_WORKER_INTERVAL=0.2)
    params = inbound_params(MAYA, "Is some swelling normal after lip filler?")
    sid = params["MessageSid"]
    with TestClient(create_app(settings)) as client:  # the lifespan: seeding, in-process worker, drainer
        engine = make_engine(settings.database_url)
        lock = _hold_write_lock(db_path)
        try:
            started = time.monotonic()
            first = post_signed(client, "/webhooks/twilio/sms", params)
            answered_s = time.monotonic() - started
            retry = post_signed(client, "/webhooks/twilio/sms", params)  # Twilio retrying the same MessageSid
            assert _jobs(engine, sid) == []  # nothing reached the database: it is in the spool
            time.sleep(1.5)  # the lock outlives several drain attempts
        finally:
            lock.rollback()
            lock.close()
        deadline, reply = time.monotonic() + 30, None
        while reply is None and time.monotonic() < deadline:
            with Session(engine) as s:
                reply = s.exec(select(Message).where(Message.direction == Direction.OUTBOUND,
                                                     Message.delivery_status == DeliveryStatus.DRY_RUN)).first()
            time.sleep(0.1)
        late_retry = post_signed(client, "/webhooks/twilio/sms", params)  # and once more, after the drain
        with Session(engine) as s:
            inbound = s.exec(select(Message).where(Message.direction == Direction.INBOUND)).all()
    assert first.status_code == retry.status_code == late_retry.status_code == 200
    assert answered_s < 2.5, f"the webhook took {answered_s:.2f} s with the lock held"
    jobs = _jobs(engine, sid)
    assert len(jobs) == 1 and jobs[0].status == InboundStatus.DONE  # recorded once, processed
    assert len(inbound) == 1 and reply is not None  # one turn, one reply
    assert not Spool(tmp_path / "spool").pending()
    engine.dispose()


@pytest.fixture
def file_engine(tmp_path):  # noqa: ANN001, ANN201
    engine = make_engine(f"sqlite:///{tmp_path}/spool.db")
    migrate(engine)
    with session_scope(engine) as session:
        ensure_demo_clinic(session, START)
    yield engine
    engine.dispose()


def _sms(body: str, sender: str = MAYA) -> InboundSms:
    return InboundSms.from_params(inbound_params(sender, body))


def test_a_senders_texts_keep_their_order_through_the_spool(tmp_path, file_engine):
    spool = Spool(tmp_path / "spool")
    lock = _hold_write_lock(tmp_path / "spool.db")
    try:
        started = time.monotonic()
        assert accept_or_spool(file_engine, _sms("first"), START, spool, lock_wait_s=0.3) == Accepted.SPOOLED
        assert time.monotonic() - started < 2
    finally:
        lock.rollback()
        lock.close()
    # The database is free again, but the first text still waits: the second joins it rather than pass it.
    assert accept_or_spool(file_engine, _sms("second"), START, spool, lock_wait_s=0.3) == Accepted.SPOOLED
    report = drain_spool(file_engine, spool)
    assert (report.queued, report.waiting) == (2, False)
    assert [job.body for job in _jobs(file_engine)] == ["first", "second"]
    assert not spool.pending()
    assert accept_or_spool(file_engine, _sms("third"), START, spool, lock_wait_s=0.3) == Accepted.QUEUED


def test_a_drain_while_the_database_is_still_busy_keeps_every_line(tmp_path, file_engine):
    spool = Spool(tmp_path / "spool")
    texts = [_sms("one"), _sms("two")]
    for sms in texts:
        spool.append(sms, START)
    spool.append(texts[0], START + timedelta(seconds=5))  # Twilio's retry, spooled too
    lock = _hold_write_lock(tmp_path / "spool.db")
    try:
        impatient = make_engine(f"sqlite:///{tmp_path}/spool.db", busy_timeout_s=0.2)
        report = drain_spool(impatient, spool)
        impatient.dispose()
    finally:
        lock.rollback()
        lock.close()
    assert report.waiting and report.queued == 0 and spool.pending()
    report = drain_spool(file_engine, spool)
    assert (report.queued, report.duplicates) == (2, 1)
    assert sorted(job.message_sid for job in _jobs(file_engine)) == sorted(s.message_sid for s in texts)


def test_a_line_that_cannot_be_queued_is_set_aside_and_does_not_hold_up_the_rest(tmp_path, file_engine):
    spool = Spool(tmp_path / "spool")
    spool.append(_sms("before"), START)
    with spool.path.open("a") as f:
        f.write(json.dumps({"unexpected": 1, "received_at": START.isoformat()}) + "\n")  # a bug's line
        f.write('{"message_sid": "SM0123\n')  # torn: a crash mid-write, never acknowledged
    spool.append(_sms("after"), START)
    report = drain_spool(file_engine, spool)
    assert (report.queued, report.failed, report.unreadable) == (2, 1, 1)
    assert [job.body for job in _jobs(file_engine)] == ["before", "after"]
    assert spool.failed_path.read_text().count("\n") == 1 and not spool.pending()
    assert oct(spool.path.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(spool.failed_path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.postgres
def test_on_postgresql_a_held_sender_lock_spools_instead_of_waiting(pg_engine, tmp_path):
    _truncate(pg_engine)
    with session_scope(pg_engine) as session:
        clinic_id = ensure_demo_clinic(session, START).id
    spool = Spool(tmp_path / "spool")
    sms = _sms("Botox question")
    holder = pg_engine.connect()
    transaction = holder.begin()
    holder.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                   {"ns": 0x4147, "key": sender_key(clinic_id, sms.sender)})
    try:
        started = time.monotonic()
        assert accept_or_spool(pg_engine, sms, START, spool, lock_wait_s=0.3) == Accepted.SPOOLED
        assert time.monotonic() - started < 2
    finally:
        transaction.rollback()
        holder.close()
    assert drain_spool(pg_engine, spool).queued == 1
    assert [job.body for job in _jobs(pg_engine)] == ["Botox question"]
