"""Per-call cost of the two hot queries at issue-16 size, on SQLite and PostgreSQL (printed, not asserted).

    PYTHONPATH=. .venv/bin/python -m tests.scale.bench [--pg-admin-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import SQLModel

from agent.engine.situation import load_situation
from agent.policy.loader import default_policies
from agent.outreach.scheduler import _claim_next
from agent.store.db import make_engine, session_scope
from agent.store.models import Patient
from tests.scale.fill import NOW, fill


def per_call_ms(fn, repeat: int = 30) -> float:  # noqa: ANN001
    fn()  # warm: statement caches, pages
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(engine: sa.Engine, label: str) -> None:
    SQLModel.metadata.create_all(engine)
    started = time.perf_counter()
    filled = fill(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"{label}: filled in {time.perf_counter() - started:.1f} s")

    def claim() -> None:
        with engine.connect() as conn, conn.begin():
            from sqlmodel import Session
            with Session(bind=conn) as session:
                assert _claim_next(session, NOW) is not None
            conn.rollback()

    def situation() -> None:
        with session_scope(engine) as session:
            patient = session.get(Patient, filled.long_patient_id)
            sit = load_situation(session, patient, NOW)
            sit.ask_facts()
            session.rollback()

    policies = default_policies()

    def situation_of(patient_id: int, brain: bool) -> Callable[[], None]:
        def run() -> None:
            with session_scope(engine) as session:
                sit = load_situation(session, session.get(Patient, patient_id), NOW)
                sit.ask_facts()
                if brain:
                    sit.brain_context("ok", policies, frozenset())
                session.rollback()
        return run

    with engine.connect() as conn:
        short = conn.execute(sa.select(Patient.id).where(Patient.id != filled.long_patient_id)).scalars().first()
    print(f"{label}: _claim_next {per_call_ms(claim):.2f} ms/call (100,000 touches, 5 due)")
    print(f"{label}: load_situation + ask_facts {per_call_ms(situation):.2f} ms/call (5,000-message thread)")
    print(f"{label}: load_situation + ask_facts {per_call_ms(situation_of(short, False)):.2f} ms/call "
          "(10-message thread, same database)")
    # The fill's patient texts are all "ok": no language evidence anywhere, so the language look-back
    # reads every older patient text (the worst case; a thread with any Spanish or English text stops there).
    print(f"{label}: load_situation + ask_facts + brain_context {per_call_ms(situation_of(filled.long_patient_id, True)):.2f} "
          "ms/call (5,000-message thread, no language evidence: worst case)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        measure(engine, "sqlite")
        engine.dispose()
    admin = make_engine(args.pg_admin_url)
    name = f"afterglow_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        engine = make_engine(args.pg_admin_url.rsplit("/", 1)[0] + "/" + name)
        measure(engine, "postgres")
        engine.dispose()
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
