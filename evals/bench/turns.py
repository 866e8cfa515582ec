"""Full patient turns per second through the engine on the offline brain (keyword layer, brain, tools,
guards, persistence, outbox), on SQLite and PostgreSQL, with one worker process and with two.

Each worker is its own process with its own engine and connection pool, handling a disjoint set of
patients, as `afterglow worker` processes would. Every patient plays the same three-turn script:
a clearly positive reply (referral ask), a named referral with a phone number (tool, handoff), and a
thank-you while a person owns the thread (silent turn).
"""
from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import SQLModel

from evals.bench.together import run_together

SCRIPT = ("Honestly loving it!", "My sister Dana 415-555-0134 wants to come too", "thanks so much!")
START = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def _prepare(url: str, patients: int) -> list[int]:
    from agent.clock import FixedClock
    from agent.demo import add_patient_with_visit, ensure_demo_clinic
    from agent.engine.touches import send_touch
    from agent.engine.turn import Agent
    from agent.store.db import make_engine, session_scope
    from agent.types import VisitType

    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    agent = Agent(engine, clock=FixedClock(START))
    ids = []
    with session_scope(engine) as session:
        clinic = ensure_demo_clinic(session, START)
        for n in range(patients):
            patient, _ = add_patient_with_visit(session, clinic, START, first_name="Maya", phone=f"+1415{5550000 + n}",
                                                visit_type=VisitType.NEUROMODULATOR, days_ago=14, treatment="Botox")
            ids.append(patient.id)
    for pid in ids:
        send_touch(agent, pid, "results_checkin")
    engine.dispose()
    return ids


def _worker(url: str, patient_ids: list[int], ready, go, results) -> None:  # noqa: ANN001
    from agent.clock import FixedClock
    from agent.engine.turn import Agent
    from agent.store.db import make_engine
    from evals.bench.memo import forget

    engine = make_engine(url)
    agent = Agent(engine, clock=FixedClock(START))
    agent.warm()  # compile the reader, lexicons and PHI matcher before the clock starts
    ready.put(os.getpid())
    go.wait()
    started = time.perf_counter()
    latencies = []
    for text in SCRIPT:
        for pid in patient_ids:
            forget()  # every patient's text is new to the reader, as in production (evals/bench/memo.py)
            t0 = time.perf_counter()
            agent.handle_inbound(pid, text)
            latencies.append(time.perf_counter() - t0)
    results.put((len(latencies), time.perf_counter() - started, latencies))
    engine.dispose()


def measure(url: str, workers: int, patients_per_worker: int = 150) -> dict:
    ids = _prepare(url, workers * patients_per_worker)
    shares = [(url, ids[i::workers]) for i in range(workers)]
    outcomes, started = run_together(_worker, shares, result_timeout=600)
    wall = time.perf_counter() - started
    turns = sum(n for n, _, _ in outcomes)
    latencies = sorted(x for _, _, lat in outcomes for x in lat)
    return {"workers": workers, "turns": turns, "wall_s": round(wall, 2), "turns_per_s": round(turns / wall, 1),
            "per_worker_turns_per_s": round(turns / wall / workers, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)}


def sqlite_url(directory: str) -> str:
    path = os.path.join(directory, f"turns-{uuid.uuid4().hex[:8]}.db")
    return f"sqlite:///{path}"


class PostgresDatabase:
    """A throwaway database on the local server, dropped afterwards."""

    def __init__(self, admin_url: str) -> None:
        from agent.store.db import make_engine

        self.admin = make_engine(admin_url)
        self.name = f"afterglow_bench_{uuid.uuid4().hex[:8]}"
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def __enter__(self) -> str:
        with self.admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()
