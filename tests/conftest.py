"""Shared fixtures: no real network, fresh databases (SQLite and PostgreSQL), a fixed clock."""
from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.turn import Agent
from agent.policy.loader import default_policies
from agent.store.db import make_engine, session_scope
from agent.types import VisitType

PG_ADMIN_URL = os.environ.get("AFTERGLOW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("AFTERGLOW_REQUIRE_POSTGRES") == "1" or os.environ.get("CI") == "true"
START = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 10:00 in Los Angeles


# ------------------------------------------------------------------ no real network, ever


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # unix sockets
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The real-model tests run in `make test-model`, which starts the server: `make test` (no server) leaves
# them out instead of reporting them as skipped.
collect_ignore = [] if (os.environ.get("AFTERGLOW_TEST_MODEL_URL") or os.environ.get("AFTERGLOW_REQUIRE_MODEL"))\
    else ["model"]

@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection beyond loopback fails the test (mocks must catch every outbound call)."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_local(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)

    def guarded_getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN202
        if host not in (None, "localhost") and not _is_ip_loopback(host):
            raise RuntimeError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


def _is_ip_loopback(host: object) -> bool:
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


# ------------------------------------------------------------------ databases


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session."""
    admin = make_engine(PG_ADMIN_URL)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        admin.dispose()
        if REQUIRE_PG:
            pytest.fail("PostgreSQL is required (CI) but did not answer at " + PG_ADMIN_URL.split("@")[-1])
        pytest.skip("no PostgreSQL server")
    name = f"afterglow_test_{uuid.uuid4().hex[:10]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_pg_url(pg_url: str) -> Iterator[str]:
    """A second, empty PostgreSQL database for tests that must start from nothing (migrations)."""
    admin = make_engine(PG_ADMIN_URL)
    name = f"afterglow_empty_{uuid.uuid4().hex[:10]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(pg_url)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate(engine: sa.Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_engine() -> Iterator[sa.Engine]:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_engine")
        return
    engine = request.getfixturevalue("pg_engine")
    _truncate(engine)
    yield engine


@pytest.fixture
def db(sqlite_engine: sa.Engine) -> sa.Engine:
    """The default database for engine behaviour tests: fresh in-memory SQLite."""
    return sqlite_engine


# ------------------------------------------------------------------ agent and patients


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def policies():  # noqa: ANN201
    return default_policies()


@pytest.fixture
def agent(db: sa.Engine, clock: FixedClock) -> Agent:
    return Agent(db, clock=clock)


class PatientFactory:
    def __init__(self, engine: sa.Engine, clock: FixedClock) -> None:
        self.engine = engine
        self.clock = clock
        self.count = 0

    def __call__(self, *, first_name: str = "Maya", visit_type: VisitType = VisitType.NEUROMODULATOR,
                 days_ago: int = 14, treatment: str = "Botox forehead", marketing_consent: bool = True,
                 sms_consent: bool = True) -> int:
        self.count += 1
        with session_scope(self.engine) as session:
            clinic = ensure_demo_clinic(session, self.clock.now())
            patient, _ = add_patient_with_visit(
                session, clinic, self.clock.now(), first_name=first_name, phone=f"+1415555{2000 + self.count:04d}",
                visit_type=visit_type, days_ago=days_ago, treatment=treatment, provider="Dr. Rivera",
                marketing_consent=marketing_consent, sms_consent=sms_consent)
            return patient.id


@pytest.fixture
def make_patient(db: sa.Engine, clock: FixedClock) -> PatientFactory:
    return PatientFactory(db, clock)


@pytest.fixture(autouse=True, scope="session")
def _cheap_passwords() -> Iterator[None]:
    """argon2 with tiny parameters: the same code path, milliseconds instead of ~0.3 s per hash."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from agent.staff import passwords

    previous = passwords._hasher
    passwords.use_hasher(PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)))
    yield
    passwords.use_hasher(previous)


@pytest.fixture
def file_db(tmp_path, monkeypatch) -> Iterator[sa.Engine]:  # noqa: ANN001
    """A migrated SQLite file that the CLI (which reads DATABASE_URL) and the test both open."""
    from agent.config import get_settings
    from agent.store.db import migrate

    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()
    get_settings.cache_clear()
