"""The outbox records a batch's outcomes in one commit (issue 16): what that costs after a crash.

Until the batch's commit every job of it stays `sending` under the worker's lease, so a worker that dies
after handing some of its texts to Twilio leaves the whole batch to lease expiry and reconciliation:
Twilio's own list decides which were created, and only the others are sent again. Nothing twice,
nothing lost, on both engines.
"""
from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from agent.channel.outbox_worker import OutboxConfig, OutboxWorker
from agent.channel.sender import Accepted, RemoteMessage, SendRequest
from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.store.db import session_scope
from agent.store.models import Message, Patient
from agent.types import DeliveryStatus, OutboxStatus, VisitType
from tests.channel.helpers import jobs
from tests.conftest import START
from tests.engine.helpers import rows

J = OutboxStatus
TEXTS = 5


class Carrier:
    """A stand-in for Twilio shared by every worker: what was created, and its message list."""

    dry_run = False

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.created: list[tuple[str, SendRequest]] = []  # (sid, request), in creation order
        self.sids = (f"SM{n:032d}" for n in itertools.count(1))
        self.lookups = 0

    def send(self, request: SendRequest) -> Accepted:
        sid = next(self.sids)
        self.created.append((sid, request))
        return Accepted(sid, DeliveryStatus.QUEUED)

    def recent(self, to: str, from_: str, limit: int = 20) -> list[RemoteMessage]:
        self.lookups += 1
        mine = [RemoteMessage(sid=sid, body=r.body, status=DeliveryStatus.QUEUED, created_at=self.clock.now())
                for sid, r in self.created if r.to == to]
        return list(reversed(mine))[:limit]  # newest first, as Twilio lists them


class DiesOnSend(Carrier):
    """The dying worker's view of the same carrier: its `die_at`-th text is created at Twilio, and then the
    answer does not come: to the database the worker is dead (nothing of its batch recorded) until
    `release`, when it wakes up long after its lease, as a stuck process would."""

    def __init__(self, carrier: Carrier, die_at: int) -> None:
        self.carrier, self.die_at, self.calls = carrier, die_at, 0
        self.hung, self.release = threading.Event(), threading.Event()

    def send(self, request: SendRequest) -> Accepted:
        self.calls += 1
        outcome = self.carrier.send(request)
        if self.calls == self.die_at:
            self.hung.set()
            self.release.wait(30)
        return outcome

    def recent(self, to: str, from_: str, limit: int = 20) -> list[RemoteMessage]:
        return self.carrier.recent(to, from_, limit)


def _queue_touches(engine, clock) -> None:  # noqa: ANN001
    agent = Agent(engine, clock=clock)
    with session_scope(engine) as session:
        clinic = ensure_demo_clinic(session, clock.now())
        pids = [add_patient_with_visit(session, clinic, clock.now(), first_name="Maya", phone=f"+1415555{3000 + n}",
                                       visit_type=VisitType.NEUROMODULATOR, days_ago=14,
                                       treatment="Botox")[0].id for n in range(TEXTS)]
    for pid in pids:
        send_touch(agent, pid, "results_checkin")


@pytest.mark.parametrize("die_at", [1, 3, TEXTS], ids=["first", "middle", "last"])
def test_a_worker_killed_mid_batch_leaves_every_text_sent_exactly_once(any_engine, die_at):
    clock = FixedClock(START)
    _queue_touches(any_engine, clock)
    carrier = Carrier(clock)
    dying = DiesOnSend(carrier, die_at)
    config = OutboxConfig(lease_s=120, reconcile_after_s=0, batch=TEXTS)
    dead = OutboxWorker(any_engine, dying, clock, worker_id="dead", config=config)
    thread = threading.Thread(target=dead.drain, daemon=True)
    thread.start()
    assert dying.hung.wait(30)
    # Twilio has the first `die_at` texts; the database has recorded none of them.
    assert len(carrier.created) == die_at
    assert {j.status for j in jobs(any_engine)} == {J.SENDING}
    live = OutboxWorker(any_engine, carrier, clock, worker_id="live", config=config)
    live.drain()
    assert len(carrier.created) == die_at  # the dead worker's leases still hold: nothing is touched
    clock.advance(timedelta(seconds=121))
    for _ in range(3):
        live.drain()
    assert carrier.lookups >= die_at  # each text the dead worker may have sent was looked up first
    _assert_each_sent_once(any_engine, carrier)
    # The "dead" worker wakes up: it records what Twilio accepted from it and sends nothing more (the rest
    # of its batch is no longer under its lease, and it renews before sending past half a lease).
    dying.release.set()
    thread.join(10)
    assert not thread.is_alive()
    _assert_each_sent_once(any_engine, carrier)


def _assert_each_sent_once(engine, carrier: Carrier) -> None:  # noqa: ANN001
    sent_to = [r.to for _, r in carrier.created]
    assert len(sent_to) == TEXTS and len(set(sent_to)) == TEXTS  # every text once: none twice, none lost
    assert {j.status for j in jobs(engine)} == {J.DONE}
    sid_of = {r.message_id: sid for sid, r in carrier.created}
    assert all(m.twilio_sid == sid_of[m.id] for m in rows(engine, Message) if m.direction == "outbound")


def test_an_error_mid_batch_records_the_texts_already_sent(any_engine):
    clock = FixedClock(START)
    _queue_touches(any_engine, clock)
    carrier = Carrier(clock)

    class Breaks(Carrier):
        def send(self, request: SendRequest) -> Accepted:
            if len(carrier.created) == 2:
                raise RuntimeError("the HTTP client broke")
            return carrier.send(request)

    worker = OutboxWorker(any_engine, Breaks(clock), clock, worker_id="w", config=OutboxConfig(batch=TEXTS))
    with pytest.raises(RuntimeError):
        worker.drain()
    statuses = [j.status for j in jobs(any_engine)]
    # Recorded before the error propagated: no reconciliation needed for those two.
    assert statuses[:2] == [J.DONE, J.DONE] and set(statuses[2:]) == {J.SENDING}


def test_a_long_batch_renews_its_leases_before_another_worker_can_take_them(any_engine):
    clock = FixedClock(START)
    _queue_touches(any_engine, clock)
    carrier = Carrier(clock)
    config = OutboxConfig(lease_s=120, batch=TEXTS)
    other = OutboxWorker(any_engine, carrier, clock, worker_id="other", config=config)
    expired = []

    class Slow(Carrier):
        def send(self, request: SendRequest) -> Accepted:
            expired.append(other.expire_leases())  # another worker's lease check, as each call starts
            clock.advance(timedelta(seconds=50))  # a slow Twilio: the batch outlives one lease
            return carrier.send(request)

    report = OutboxWorker(any_engine, Slow(clock), clock, worker_id="w", config=config).drain()
    assert report.sent == TEXTS and not any(expired)
    assert {j.status for j in jobs(any_engine)} == {J.DONE} and len(carrier.created) == TEXTS


def test_an_opt_out_during_a_long_batch_stops_its_remaining_texts(any_engine):
    clock = FixedClock(START)
    _queue_touches(any_engine, clock)
    carrier = Carrier(clock)

    class OptOutMidway(Carrier):
        def send(self, request: SendRequest) -> Accepted:
            if len(carrier.created) == 1:  # the last text's patient opts out while the batch is out
                with session_scope(any_engine) as s:
                    last = s.exec(select(Patient).order_by(Patient.id.desc())).first()
                    last.opted_out = True
            clock.advance(timedelta(seconds=50))
            return carrier.send(request)

    report = OutboxWorker(any_engine, OptOutMidway(clock), clock, worker_id="w",
                          config=OutboxConfig(lease_s=120, batch=TEXTS)).drain()
    assert report.sent == TEXTS - 1 and report.canceled == 1
    assert [j.status for j in jobs(any_engine)][-1] == J.CANCELED


def test_an_opt_out_mid_batch_stops_the_next_text_at_once(any_engine):
    """No time passes (a fast carrier): the opt-out is read again right before each text, not only when the
    batch's checks grow old."""
    clock = FixedClock(START)
    _queue_touches(any_engine, clock)
    carrier = Carrier(clock)
    with session_scope(any_engine) as s:
        second = s.exec(select(Patient).where(Patient.phone == "+14155553001")).one().id  # the batch's second text

    class OptOutAfterFirst(Carrier):
        def send(self, request: SendRequest) -> Accepted:
            if not carrier.created:  # the second text's patient opts out as the first one leaves
                with session_scope(any_engine) as s:
                    s.get(Patient, second).opted_out = True
            return carrier.send(request)

    report = OutboxWorker(any_engine, OptOutAfterFirst(clock), clock, worker_id="w",
                          config=OutboxConfig(lease_s=120, batch=TEXTS)).drain()
    assert report.sent == TEXTS - 1 and report.canceled == 1
    with session_scope(any_engine) as s:
        phone = s.get(Patient, second).phone
    assert phone not in [r.to for _, r in carrier.created]
