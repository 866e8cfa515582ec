"""Scale-out on PostgreSQL: worker PROCESSES share the outbox and every text goes out exactly once, also
when one worker is SIGKILLed while Twilio holds its request; two workers keep a patient's texts in order."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from agent.brains.base import BrainContext, Proposal, Usage
from agent.channel.inbound import InboundSms, InboundWorker, accept
from agent.clock import FixedClock
from agent.demo import ensure_demo_clinic
from agent.engine.outbox import enqueue
from agent.engine.turn import Agent
from agent.store.db import make_engine, migrate, session_scope
from agent.store.models import Conversation, Message, OutboxJob, Patient
from agent.types import Direction, Intent, IntentScore, MessageKind, OutboxStatus
from tests.channel.fake_twilio import FakeTwilio
from tests.channel.helpers import ACCOUNT_SID, AUTH_TOKEN, inbound_params
from tests.conftest import START, PatientFactory, _truncate

# serial: recovery deadlines on the wall clock (make test runs these alone)
pytestmark = [pytest.mark.postgres, pytest.mark.serial]
ROOT = Path(__file__).resolve().parents[2]

PATIENTS, PER_PATIENT = 100, 3  # 300 queued sends over 100 conversations
DEADLINE_S = 90


def _seed_outbox(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        clinic = ensure_demo_clinic(session, START)
        for p in range(PATIENTS):
            patient = Patient(clinic_id=clinic.id, phone=f"+1415555{3000 + p:04d}", first_name="Test", created_at=START)
            session.add(patient)
            session.flush()
            conversation = Conversation(clinic_id=clinic.id, patient_id=patient.id, created_at=START, updated_at=START)
            session.add(conversation)
            session.flush()
            for n in range(PER_PATIENT):
                enqueue(session, Message(clinic_id=clinic.id, conversation_id=conversation.id, patient_id=patient.id,
                                         direction=Direction.OUTBOUND, kind=MessageKind.TOUCH,
                                         body=f"Check-in {p}-{n} from Glow", segments=1, created_at=START), START)


def _spawn_worker(url: str, fake: FakeTwilio, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_API_BASE": fake.url, "AFTERGLOW_ENV": "test", "PUBLIC_BASE_URL": "http://127.0.0.1:9",
           "AFTERGLOW_OUTBOX_LEASE": "2", "AFTERGLOW_OUTBOX_RECONCILE_AFTER": "0.2", "AFTERGLOW_TWILIO_TIMEOUT": "20"}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "agent.cli", "worker", "--interval", "0.05"], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)


def _open_jobs(engine: sa.Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(sa.func.count()).select_from(OutboxJob).where(OutboxJob.status != OutboxStatus.DONE)).one()


def _holder_pid(engine: sa.Engine, body: str) -> int:
    with Session(engine) as s:
        locked_by = s.exec(select(OutboxJob.locked_by).join(Message, Message.id == OutboxJob.message_id)
                           .where(Message.body == body)).one()
    return int(locked_by.split(":")[1])  # worker ids are host:pid:random


def test_worker_processes_send_each_text_exactly_once_even_when_one_is_killed(empty_pg_url, tmp_path):
    engine = make_engine(empty_pg_url)
    migrate(engine)
    _seed_outbox(engine)
    total = PATIENTS * PER_PATIENT
    procs: list[subprocess.Popen] = []
    with FakeTwilio(hang_on=total // 3, delay_s=0.002) as fake:
        try:
            procs = [_spawn_worker(empty_pg_url, fake, tmp_path / f"worker{i}.log") for i in range(3)]
            if not fake.hung.wait(45):
                pytest.fail("no worker reached the held request:\n" + (tmp_path / "worker0.log").read_text()[-3000:])
            victim = _holder_pid(engine, fake.hung_body)
            os.kill(victim, signal.SIGKILL)  # killed while Twilio had recorded the text but not answered
            fake.release.set()
            started = time.monotonic()
            while _open_jobs(engine) and time.monotonic() - started < DEADLINE_S:
                time.sleep(0.2)
            recovery_s = time.monotonic() - started
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        sent = list(fake.sent)
        lists = fake.lists
    codes = {p.pid: p.returncode for p in procs}
    assert codes.pop(victim) == -signal.SIGKILL
    assert set(codes.values()) == {0}, "the other workers stop cleanly on SIGTERM"
    logs = "\n".join((tmp_path / f"worker{i}.log").read_text()[-2000:] for i in range(3))
    assert _open_jobs(engine) == 0, f"jobs still open after {recovery_s:.1f}s\n{logs}"
    bodies = [r["body"] for r in sent]
    duplicates = {b for b in bodies if bodies.count(b) > 1}
    assert not duplicates, f"sent twice: {sorted(duplicates)[:5]}"
    with Session(engine) as s:
        messages = {m.body: m for m in s.exec(select(Message))}
    assert len(bodies) == total and set(bodies) == set(messages)  # none lost
    sid_of = {r["body"]: r["sid"] for r in sent}
    assert all(m.twilio_sid == sid_of[body] for body, m in messages.items())
    assert lists >= 1  # the killed worker's held request was reconciled, not resent
    by_conversation = defaultdict(list)
    for record in sent:
        p, n = record["body"].split()[1].split("-")
        by_conversation[p].append(int(n))
    assert all(order == sorted(order) for order in by_conversation.values())  # each conversation in order
    engine.dispose()


# ---------------------------------------------------------------------- inbound order with two workers


class SlowBrain:
    """Takes its time and records when it saw which patient's message: overlapping turns show up."""

    name = "slow"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, float, float]] = []
        self.lock = threading.Lock()

    def propose(self, ctx: BrainContext) -> Proposal:
        started = time.monotonic()
        time.sleep(0.06 if int(ctx.message.split()[1]) % 2 == 0 else 0.01)  # a later text could overtake
        with self.lock:
            self.seen.append((ctx.first_name, ctx.message, started, time.monotonic()))
        return Proposal(intents=(IntentScore(Intent.NEUTRAL, 0.95),), tool_calls=(), reply=None, brain=self.name,
                        usage=Usage())

    def regenerate(self, ctx, draft, violations):  # noqa: ANN001, ANN201
        return None, Usage()


@pytest.fixture
def pg(pg_engine: sa.Engine) -> sa.Engine:
    _truncate(pg_engine)
    return pg_engine


def test_two_workers_keep_each_patients_texts_in_arrival_order(pg):
    clock = FixedClock(START)
    brain = SlowBrain()
    agent = Agent(pg, brain=brain, clock=clock)
    factory = PatientFactory(pg, clock)
    names = ["Ana", "Bea", "Cy"]
    pids = {name: factory(first_name=name) for name in names}
    with Session(pg) as s:
        phones = {name: s.get(Patient, pid).phone for name, pid in pids.items()}
    arrival = defaultdict(list)
    for burst in range(2):  # each patient texts three times in a row, then the next one does
        for name in names:
            for i in range(3):
                # Plain texts the reader takes as ordinary ("message N" reads as maybe-"no more messages",
                # which would hand the thread to a person and keep later texts from the brain).
                text = f"update {burst * 3 + i} from {name}"
                accept(pg, InboundSms.from_params(inbound_params(phones[name], text)), clock.now())
                arrival[name].append(text)
    workers = [InboundWorker(agent, f"w{i}") for i in range(2)]
    handled: dict[str, int] = {}
    threads = [threading.Thread(target=lambda w=w: handled.__setitem__(w.worker_id, w.drain())) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(brain.seen) == 18
    for name in names:
        turns = [(start, end, text) for who, text, start, end in brain.seen if who == name]
        assert [text for _, _, text in sorted(turns)] == arrival[name]
        for (_, end, _), (start, _, _) in zip(sorted(turns), sorted(turns)[1:], strict=False):
            assert start >= end, f"two of {name}'s messages were processed at once"
        with Session(pg) as s:
            stored = [m.body for m in s.exec(select(Message).where(Message.patient_id == pids[name],
                                                                   Message.direction == Direction.INBOUND)
                                             .order_by(Message.id))]
        assert stored == arrival[name]
    assert sum(handled.values()) == 18 and all(handled.values())  # both workers took part


def test_the_webhooks_advisory_lock_serialises_one_senders_inserts(pg):
    """Two API processes receiving one sender's texts: the second insert waits for the first to commit,
    so job ids (the order workers follow) are commit order."""
    from agent.channel.inbound import _serialise_sender

    first = pg.connect()
    first.begin()
    _serialise_sender(first, 1, "+14155552001")  # holds the lock until its transaction ends
    first_committed = threading.Event()
    acquired_after_commit: list[bool] = []

    def second() -> None:
        with pg.begin() as conn:
            _serialise_sender(conn, 1, "+14155552001")
            acquired_after_commit.append(first_committed.is_set())

    other = threading.Thread(target=second)
    other.start()
    other.join(0.3)
    assert other.is_alive()  # blocked behind the first transaction
    with pg.begin() as conn:  # another sender is not held up
        _serialise_sender(conn, 1, "+14155552002")
    first_committed.set()  # set just before: the second may acquire the moment the commit lands
    first.commit()
    first.close()
    other.join(10)
    assert acquired_after_commit == [True]
