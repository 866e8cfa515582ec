"""Engines and sessions for SQLite (embedded default) and PostgreSQL (scale-out), via DATABASE_URL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from agent.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the usual postgres:// spellings and route them through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# SQLite's busy timeout: how long a write waits for another connection's write lock before failing.
DEFAULT_BUSY_TIMEOUT_S = 30.0


def make_engine(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> sa.Engine:
    """hide_parameters on every engine: a failed statement's exception text then carries no bound values
    (they are patients' numbers and words), whoever logs or prints it."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        in_memory = path in ("", ":memory:")
        if not in_memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One shared connection for an in-memory database, or every session would see an empty one.
        extra = {"poolclass": StaticPool} if in_memory else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
                               hide_parameters=True, **extra)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # readers (console) never block the worker
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)


@contextmanager
def short_lock_wait(conn: sa.Connection, seconds: float) -> Iterator[None]:
    """Within `conn`'s transaction, wait at most `seconds` for another writer's lock, then fail
    (OperationalError) instead of the engine's long default: for callers that have a fallback."""
    ms = max(1, int(seconds * 1000))
    if conn.dialect.name == "sqlite":
        previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {ms}")
        try:
            yield
        finally:
            try:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous)}")
            except sa.exc.DBAPIError:
                conn.invalidate()  # never hand a connection with the short wait back to the pool
    else:
        # Both scoped to the transaction: a lock (advisory or row) or a stuck statement.
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
        yield


def alembic_config(engine: sa.Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
