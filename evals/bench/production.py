"""Issue 16: the production path end to end, at 0, 10,000 and 100,000 patients, on SQLite and PostgreSQL.

One production turn: a signed inbound webhook is posted to the real API (create_app, the real routes,
signature check, routing, the durable inbound job) through httpx's in-process ASGI transport -- no
uvicorn: the webhook section measures the server under load; here an extra process would only add
scheduling noise on a 2-core machine -- then `Worker.step` (a worker of its own engine, as an
`afterglow worker` process would have) runs until the reply is in the outbox (a dry-run sender sends
it in the same step). The figure is webhook post -> step done, with its two parts (ack, step).

Beside it, in the same run, the engine-only turn of the `turns` section (`Agent.handle_inbound`) on
other patients of the same database. Every database (each engine, each size) exists at once, and each
round takes one turn of each kind on each database in a freshly shuffled order: the ratios (production
/ engine, 100k / empty) are measured under the same machine noise.

Then, at the largest size on PostgreSQL, due touches per second with two worker processes, and the
EXPLAIN plans of the hot queries (the claim of the next due touch, the inbound job claim,
load_situation's thread query) as the worker sent them, on each engine at its largest size.

The fill is bulk Core inserts: per patient one visit (20 days ago), one open conversation with four
messages (two received, each with its done inbound job; two sent, each with its done outbox job), two
sent touches; every 20th visit's results_checkin is still pending (due in the future). At 100,000
patients: 100k patients, visits and conversations, 200k touches, 400k messages, 200k inbound jobs and
200k outbox jobs.
"""
from __future__ import annotations

import asyncio
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy import event
from twilio.request_validator import RequestValidator

from evals.bench.together import run_together

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 10:00 in Los Angeles: no quiet hours
TOKEN = "bench-auth-token"
BASE = "http://afterglow.bench"  # what the signature covers (PUBLIC_BASE_URL); never resolved
HOOK = "/webhooks/twilio/sms"
TEXT = "Honestly loving it!"  # a clearly positive reply: the engine answers (the referral ask)
PENDING_EVERY = 20
BATCH = 20_000


# ---------------------------------------------------------------------------------------------- fill


def fill(engine: sa.Engine, clinic_id: int, patients: int) -> None:
    """`patients` patients with their history, in batches of Core executemany (the ORM would take minutes)."""
    from agent.store.channel_models import InboundJob, InboundOutcome, InboundStatus
    from agent.store.models import Conversation, Message, OutboxJob, Patient, Touch, Visit
    from agent.types import Direction, MessageKind, Mode, OutboxStatus, Stage, TouchStatus, VisitType

    pt, vt, ct, tt, mt, jt, ot = (m.__table__ for m in (Patient, Visit, Conversation, Touch, Message, InboundJob,
                                                          OutboxJob))
    for start in range(0, patients, BATCH):
        n = min(BATCH, patients - start)
        with engine.begin() as conn:
            first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(pt.c.id), 0))).scalar_one() + 1
            conn.execute(sa.insert(pt), [
                {"clinic_id": clinic_id, "phone": f"+1650{start + i:07d}", "first_name": "Maya", "sms_consent": True,
                 "marketing_consent": True, "opted_out": False, "wrong_number": False, "last_asks": {},
                 "created_at": NOW - timedelta(days=30)} for i in range(n)])
            pids = list(conn.execute(sa.select(pt.c.id).where(pt.c.id >= first).order_by(pt.c.id)).scalars())
            first_visit = conn.execute(sa.select(sa.func.coalesce(sa.func.max(vt.c.id), 0))).scalar_one() + 1
            conn.execute(sa.insert(vt), [
                {"clinic_id": clinic_id, "patient_id": pid, "visit_type": VisitType.NEUROMODULATOR,
                 "treatment": "Botox forehead", "provider": "Dr. Rivera", "occurred_at": NOW - timedelta(days=20),
                 "created_at": NOW - timedelta(days=20)} for pid in pids])
            visits = list(conn.execute(sa.select(vt.c.id, vt.c.patient_id).where(vt.c.id >= first_visit)
                                       .order_by(vt.c.id)))
            touches = []
            for k, (vid, pid) in enumerate(visits):
                pending = (start + k) % PENDING_EVERY == 0
                for name, days in (("clinical_checkin", 19), ("results_checkin", 6)):
                    later = pending and name == "results_checkin"
                    touches.append({"clinic_id": clinic_id, "patient_id": pid, "visit_id": vid, "name": name,
                                    "due_at": NOW + timedelta(hours=1 + k % 500) if later else NOW - timedelta(days=days),
                                    "status": TouchStatus.PENDING if later else TouchStatus.SENT, "reason": "",
                                    "created_at": NOW - timedelta(days=20), "updated_at": NOW - timedelta(days=days)})
            conn.execute(sa.insert(tt), touches)
            first_convo = conn.execute(sa.select(sa.func.coalesce(sa.func.max(ct.c.id), 0))).scalar_one() + 1
            conn.execute(sa.insert(ct), [
                {"clinic_id": clinic_id, "patient_id": pid, "visit_id": vid, "stage": Stage.CHECKIN, "mode": Mode.AGENT,
                 "opening_touch": "clinical_checkin", "referral_eligible": False,
                 "created_at": NOW - timedelta(days=19), "updated_at": NOW - timedelta(days=6)} for vid, pid in visits])
            convos = conn.execute(sa.select(ct.c.id, ct.c.patient_id).where(ct.c.id >= first_convo).order_by(ct.c.id))
            messages = []
            for cid, pid in convos:
                for j in range(4):
                    inbound = j % 2 == 1
                    messages.append({
                        "clinic_id": clinic_id, "conversation_id": cid, "patient_id": pid,
                        "direction": Direction.INBOUND if inbound else Direction.OUTBOUND,
                        "kind": MessageKind.PATIENT if inbound else MessageKind.REPLY,
                        "body": "ok thanks" if inbound else "Hi Maya, how are you feeling?", "intent": None,
                        "intents": [], "settled": False, "asks": [], "segments": 0 if inbound else 1,
                        "twilio_sid": None, "created_at": NOW - timedelta(days=19 - j)})
            first_message = conn.execute(sa.select(sa.func.coalesce(sa.func.max(mt.c.id), 0))).scalar_one() + 1
            conn.execute(sa.insert(mt), messages)
            # The queues' history: one done inbound job per text received, one done outbox job per text sent.
            sent = conn.execute(sa.select(mt.c.id, mt.c.conversation_id, mt.c.patient_id, mt.c.direction)
                                .where(mt.c.id >= first_message).order_by(mt.c.id)).all()
            phones = dict(conn.execute(sa.select(pt.c.id, pt.c.phone).where(pt.c.id >= first)).all())
            conn.execute(sa.insert(jt), [
                {"clinic_id": clinic_id, "message_sid": f"SM{mid:032x}", "sender": phones[pid], "patient_id": pid,
                 "body": "", "body_truncated": False, "num_media": 0, "status": InboundStatus.DONE,
                 "outcome": InboundOutcome.TURN, "attempts": 1, "available_at": NOW - timedelta(days=18),
                 "created_at": NOW - timedelta(days=18), "processed_at": NOW - timedelta(days=18)}
                for mid, _, pid, direction in sent if direction == Direction.INBOUND])
            conn.execute(sa.insert(ot), [
                {"clinic_id": clinic_id, "message_id": mid, "conversation_id": cid, "status": OutboxStatus.DONE,
                 "attempts": 1, "available_at": NOW - timedelta(days=18), "created_at": NOW - timedelta(days=18)}
                for mid, cid, _, direction in sent if direction == Direction.OUTBOUND])
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


# ------------------------------------------------------------------------------------ one database


@dataclass
class Setup:
    engine_name: str
    size: int
    url: str
    fill_s: float = 0.0
    prod: list[tuple[float, float, float]] = field(default_factory=list)  # (total, ack, step) seconds
    engine_only: list[float] = field(default_factory=list)
    idle_step: list[float] = field(default_factory=list)
    statements: dict[str, int] = field(default_factory=dict)
    misses: int = 0  # production turns whose reply was not sent by the step
    phases: dict[str, list[float]] = field(default_factory=dict)  # where a production turn's step goes

    @property
    def label(self) -> str:
        return f"{self.engine_name}_{self.size}"


class Harness:
    """The API app (in process) and a worker on one database, with patients waiting for their turn."""

    def __init__(self, setup: Setup, turns: int, spool_dir: Path) -> None:
        from agent.clock import FixedClock
        from agent.config import Settings
        from agent.demo import add_patient_with_visit, ensure_demo_clinic
        from agent.engine.touches import send_touch
        from agent.engine.turn import Agent
        from agent.store.db import make_engine, migrate, session_scope
        from agent.types import VisitType
        from agent.worker import Worker
        from api.app import create_app

        self.setup = setup
        self.db = make_engine(setup.url)  # the API process's engine
        migrate(self.db)
        started = time.perf_counter()
        with session_scope(self.db) as session:
            clinic = ensure_demo_clinic(session, NOW)
            self.clinic_id, self.clinic_phone = clinic.id, clinic.phone
        if setup.size:
            fill(self.db, self.clinic_id, setup.size)
        setup.fill_s = round(time.perf_counter() - started, 1)
        settings = Settings(DATABASE_URL=setup.url, AFTERGLOW_ENV="local", TWILIO_AUTH_TOKEN=TOKEN,
                            TWILIO_ACCOUNT_SID="", PUBLIC_BASE_URL=BASE, AFTERGLOW_INPROCESS_WORKER=False,
                            AFTERGLOW_SPOOL_DIR=str(spool_dir / setup.label), AFTERGLOW_DEV_ROUTES=False)
        self.api_agent = Agent(self.db, clock=FixedClock(NOW))
        self.app = create_app(settings, agent=self.api_agent, seed=False)
        self.worker_db = make_engine(setup.url)  # the worker process's engine
        self.worker_agent = Agent(self.worker_db, clock=FixedClock(NOW))
        self.worker = Worker(self.worker_agent)
        self.timing = False
        for phase, owner, name in (("inbound", self.worker.inbound, "drain"), ("realert", self.worker, "realert"),
                                   ("outbox", self.worker.outbox, "drain")):
            setattr(owner, name, self._timed(phase, getattr(owner, name)))
        self.worker_agent.warm()
        self.api_agent.warm()
        # Patients who got their results check-in and have not answered yet: one turn each.
        phones, ids = [], []
        with session_scope(self.db) as session:
            clinic = ensure_demo_clinic(session, NOW)
            for n in range(2 * turns):
                patient, _ = add_patient_with_visit(session, clinic, NOW, first_name="Maya", phone=f"+1415{7000000 + n}",
                                                    visit_type=VisitType.NEUROMODULATOR, days_ago=14, treatment="Botox")
                ids.append(patient.id)
                phones.append(patient.phone)
        for pid in ids:
            send_touch(self.worker_agent, pid, "results_checkin")
        while self.worker.step().busy:  # the touches' texts leave the outbox before the clock starts
            pass
        self.prod_phones = phones[:turns]
        self.engine_ids = ids[turns:]
        self.validator = RequestValidator(TOKEN)
        self.sent = 0

    def _timed(self, phase: str, fn):  # noqa: ANN001, ANN202
        def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if self.timing:
                    self.setup.phases.setdefault(phase, []).append(time.perf_counter() - t0)
        return run

    def production_turn(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop, phone: str) -> None:
        self.sent += 1
        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32, "From": phone,
                  "To": self.clinic_phone, "Body": TEXT, "NumMedia": "0"}
        headers = {"X-Twilio-Signature": self.validator.compute_signature(BASE + HOOK, params)}
        t0 = time.perf_counter()
        response = loop.run_until_complete(client.post(HOOK, data=params, headers=headers))
        t1 = time.perf_counter()
        response.raise_for_status()
        self.timing = True
        report = self.worker.step()
        t2 = time.perf_counter()
        self.timing = False
        self.setup.phases.setdefault("step", []).append(t2 - t1)
        if report.inbound != 1 or report.delivered < 1:
            self.setup.misses += 1
        self.setup.prod.append((t2 - t0, t1 - t0, t2 - t1))

    def engine_turn(self, patient_id: int) -> None:
        t0 = time.perf_counter()
        self.worker_agent.handle_inbound(patient_id, TEXT)
        self.setup.engine_only.append(time.perf_counter() - t0)

    def idle_step(self) -> None:
        t0 = time.perf_counter()
        self.worker.step()
        self.setup.idle_step.append(time.perf_counter() - t0)

    def close(self) -> None:
        self.db.dispose()
        self.worker_db.dispose()


@contextmanager
def statements(*engines: sa.Engine) -> Iterator[list[tuple[str, object]]]:
    """Every statement sent to the driver by `engines` inside the block (with its parameters)."""
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        sent.append((statement, parameters))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", keep)


HOT = {
    "touch claim (next due touch)": re.compile(r"FROM touch\b.*due_at <=", re.S),
    "inbound job claim": re.compile(r"FROM inbound_job\b.*ORDER BY inbound_job\.id", re.S),
    "load_situation thread": re.compile(r"FROM message\b.*ORDER BY message\.id DESC\s+LIMIT", re.S),
}


def explain(engine: sa.Engine, sent: list[tuple[str, object]]) -> dict[str, str]:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    out = {}
    with engine.connect() as conn:
        for name, pattern in HOT.items():
            hit = next(((s, p) for s, p in sent if s.lstrip().upper().startswith("SELECT") and pattern.search(s)), None)
            if hit is None:
                out[name] = "(not sent)"
                continue
            rows = conn.exec_driver_sql(prefix + hit[0], hit[1]).all()
            out[name] = "\n".join(str(r[-1]) for r in rows)
        conn.rollback()
    return out


@contextmanager
def checkouts(*engines: sa.Engine) -> Iterator[list[int]]:
    """How many connections `engines` hand out inside the block: one per transaction (and, on PostgreSQL,
    one pre-ping round trip each: make_engine sets pool_pre_ping)."""
    count = [0]

    def one(*_: object) -> None:
        count[0] += 1

    for engine in engines:
        event.listen(engine.pool, "checkout", one)
    try:
        yield count
    finally:
        for engine in engines:
            event.remove(engine.pool, "checkout", one)


def _count_statements(h: Harness, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient) -> dict[str, int]:
    """How many statements (and connection checkouts) one production turn sends (API and worker), one
    engine-only turn and one idle worker step."""
    with statements(h.db, h.worker_db) as prod, checkouts(h.db, h.worker_db) as prod_tx:
        h.production_turn(client, loop, h.prod_phones.pop())
    with statements(h.worker_db) as engine_only, checkouts(h.worker_db) as engine_tx:
        h.engine_turn(h.engine_ids.pop())
    with statements(h.worker_db) as idle, checkouts(h.worker_db) as idle_tx:
        h.worker.step()
    h.setup.prod.pop()  # a first call of each kind, not a measured one
    h.setup.engine_only.pop()
    h.setup.phases.clear()
    return {"production_turn": len(prod), "engine_turn": len(engine_only), "idle_step": len(idle),
            "production_turn_checkouts": prod_tx[0], "engine_turn_checkouts": engine_tx[0],
            "idle_step_checkouts": idle_tx[0]}


# ------------------------------------------------------------------------ due touches, two workers


def _touch_worker(url: str, ready, go, results) -> None:  # noqa: ANN001
    from agent.clock import FixedClock
    from agent.engine.turn import Agent
    from agent.store.db import make_engine
    from agent.worker import Worker

    engine = make_engine(url)
    agent = Agent(engine, clock=FixedClock(NOW))
    agent.warm()
    worker = Worker(agent)
    outbox_s = [0.0]
    drain = worker.outbox.drain

    def timed_drain(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        t0 = time.perf_counter()
        try:
            return drain(*args, **kwargs)
        finally:
            outbox_s[0] += time.perf_counter() - t0

    worker.outbox.drain = timed_drain
    ready.put(1)
    go.wait()
    touches = 0
    started = time.perf_counter()
    while True:
        report = worker.step()
        touches += report.touches
        if report.touches == 0:
            break
    results.put((touches, time.perf_counter(), outbox_s[0], time.perf_counter() - started))
    engine.dispose()


def due_touches_per_s(url: str, due: int, workers: int = 2) -> dict:
    """Make `due` pending touches of the fill due now, then let `workers` worker processes send them all."""
    from agent.store.db import make_engine
    from agent.store.models import Touch
    from agent.types import TouchStatus

    engine = make_engine(url)
    tt = Touch.__table__
    with engine.begin() as conn:
        ids = list(conn.execute(sa.select(tt.c.id).where(tt.c.status == TouchStatus.PENDING, tt.c.due_at > NOW,
                                                         tt.c.name == "results_checkin")  # the fill's, not the turns'

                                .order_by(tt.c.id).limit(due)).scalars())
        conn.execute(sa.update(tt).where(tt.c.id.in_(ids)).values(due_at=NOW - timedelta(minutes=5)))
    try:
        outcomes, started = run_together(_touch_worker, [(url,)] * workers, result_timeout=900)
    except Exception as exc:  # noqa: BLE001 - a worker that died is a reported figure, not a lost run
        engine.dispose()
        return {"workers": workers, "due": len(ids), "error": f"{type(exc).__name__}: a worker did not report",
                "tried": 0, "sent": 0, "wall_s": 0.0, "per_s": 0.0}
    wall = max(end for _, end, _, _ in outcomes) - started
    with engine.connect() as conn:
        sent = conn.execute(sa.select(sa.func.count()).select_from(tt).where(
            tt.c.id.in_(ids), tt.c.status == TouchStatus.SENT)).scalar_one()
    engine.dispose()
    tried = sum(n for n, _, _, _ in outcomes)
    # Where a worker's time went: sending the texts (the outbox drain) against claiming and composing them.
    outbox_share = sum(o for _, _, o, _ in outcomes) / max(1e-9, sum(busy for _, _, _, busy in outcomes))
    return {"workers": workers, "due": len(ids), "tried": tried, "sent": sent, "wall_s": round(wall, 2),
            "per_s": round(tried / wall, 1) if wall else 0.0, "per_worker": [n for n, _, _, _ in outcomes],
            "outbox_share": round(outbox_share, 2)}


def touch_cost(url: str, due: int = 400) -> dict:
    """What a due touch costs the database: `due` more of the fill's pending touches made due, sent by one
    worker in this process (back to back, untimed against anything else), every statement and commit on
    its engine counted. Statements: an executemany is one (one call; one pipelined round trip)."""
    from agent.clock import FixedClock
    from agent.engine.turn import Agent
    from agent.store.db import make_engine
    from agent.store.models import Touch
    from agent.types import TouchStatus
    from agent.worker import Worker

    engine = make_engine(url)
    tt = Touch.__table__
    with engine.begin() as conn:
        ids = list(conn.execute(sa.select(tt.c.id).where(tt.c.status == TouchStatus.PENDING, tt.c.due_at > NOW,
                                                         tt.c.name == "results_checkin")
                                .order_by(tt.c.id).limit(due)).scalars())
        conn.execute(sa.update(tt).where(tt.c.id.in_(ids)).values(due_at=NOW - timedelta(minutes=5)))
    agent = Agent(engine, clock=FixedClock(NOW))
    agent.warm()
    worker = Worker(agent)
    commits = [0]

    def commit(*_: object) -> None:
        commits[0] += 1

    event.listen(engine, "commit", commit)
    touches = 0
    started = time.perf_counter()
    try:
        with statements(engine) as sent:
            while (report := worker.step()).touches:
                touches += report.touches
    finally:
        event.remove(engine, "commit", commit)
        engine.dispose()
    elapsed = time.perf_counter() - started
    return {"touches": touches, "statements_per_touch": round(len(sent) / max(1, touches), 2),
            "commits_per_touch": round(commits[0] / max(1, touches), 3),
            "one_worker_per_s": round(touches / elapsed, 1) if elapsed else 0.0}


# ------------------------------------------------------------------------------------------ the run


def _ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    if q == 0.5:
        return round(statistics.median(values) * 1000, 2)
    return round(values[max(0, min(len(values) - 1, int(len(values) * q) - 1))] * 1000, 2)


def measure(*, sizes: tuple[int, ...] = (0, 10_000, 100_000), turns: int = 100, due: int = 2_000,
            pg_admin_url: str | None = None, seed: int = 16) -> dict:
    """The figures of the production section. `pg_admin_url` None: SQLite only (reported as such)."""
    from evals.bench.turns import PostgresDatabase

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        setups = [Setup("sqlite", size, f"sqlite:///{tmp}/prod-{size}.db") for size in sizes]
        pg_error = None
        if pg_admin_url:
            try:
                setups += [Setup("postgres", size, stack.enter_context(PostgresDatabase(pg_admin_url)))
                           for size in sizes]
            except sa.exc.OperationalError as exc:
                pg_error = f"PostgreSQL unavailable: {type(exc).__name__}"
        harnesses = []
        for setup in setups:
            harnesses.append(Harness(setup, turns + 2, Path(tmp)))  # + the statement count's and the plans' turns
        loop = asyncio.new_event_loop()
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=h.app), base_url=BASE) for h in harnesses]
        try:
            for h, client in zip(harnesses, clients, strict=True):  # one of each, unmeasured: first-call costs
                h.setup.statements = _count_statements(h, loop, client)
            for _ in range(turns):
                order = list(zip(harnesses, clients, strict=True))
                rng.shuffle(order)
                for h, client in order:
                    kinds = ["prod", "engine", "idle"]
                    rng.shuffle(kinds)
                    for kind in kinds:
                        if kind == "prod":
                            h.production_turn(client, loop, h.prod_phones.pop())
                        elif kind == "engine":
                            h.engine_turn(h.engine_ids.pop())
                        else:
                            h.idle_step()
            plans = {}
            for engine_name in ("sqlite", "postgres"):
                mine = [(h, c) for h, c in zip(harnesses, clients, strict=True) if h.setup.engine_name == engine_name]
                if not mine:
                    continue
                h, client = max(mine, key=lambda hc: hc[0].setup.size)
                # One more turn, every statement kept: the plans are those of the SQL the path really sent.
                with statements(h.db, h.worker_db) as sent:
                    h.production_turn(client, loop, h.prod_phones.pop())
                h.setup.prod.pop()
                plans[f"{engine_name}_{h.setup.size}"] = explain(h.worker_db, sent)
        finally:
            for client in clients:
                loop.run_until_complete(client.aclose())
            loop.close()
            for h in harnesses:
                h.close()
        touches = None
        pg = [s for s in setups if s.engine_name == "postgres"]
        if pg:
            largest = max(pg, key=lambda s: s.size)
            touches = {"size": largest.size, **due_touches_per_s(largest.url, due if largest.size else 0)}
            if largest.size:
                touches["cost"] = touch_cost(largest.url)
    out: dict = {"sizes": list(sizes), "turns": turns, "transport": "httpx ASGITransport (in process)",
                 "engines": sorted({s.engine_name for s in setups}), "setups": {}, "plans": plans,
                 "due_touches": touches}
    if pg_error:
        out["postgres_error"] = pg_error
    for s in setups:
        totals = [t for t, _, _ in s.prod]
        out["setups"][s.label] = {
            "engine": s.engine_name, "patients": s.size, "fill_s": s.fill_s,
            "prod_p50_ms": _ms(totals, 0.5), "prod_p99_ms": _ms(totals, 0.99),
            "ack_p50_ms": _ms([a for _, a, _ in s.prod], 0.5), "step_p50_ms": _ms([b for _, _, b in s.prod], 0.5),
            "engine_p50_ms": _ms(s.engine_only, 0.5), "engine_p99_ms": _ms(s.engine_only, 0.99),
            "idle_step_p50_ms": _ms(s.idle_step, 0.5),
            "step_phases_p50_ms": {k: _ms(v, 0.5) for k, v in s.phases.items()}, "statements": s.statements, "misses": s.misses,
            "turns": len(s.prod)}
    return out
