"""Issue 13, item 1: no patient data in the log or in an error response, on every error path we can reach.

The attack run held SQLite's write lock and sent one signed webhook: uvicorn's traceback carried the
statement's parameters (the sender's number, the text). Here the real service (`afterglow serve`, its
logging as shipped) meets database errors on the webhook and on the JSON API, and a broken spool; the
whole log and every response are searched for the number, the words and the treatment terms."""
from __future__ import annotations

import io
import logging
import shutil
import sqlite3
import time

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import create_engine

from agent import logs
from tests.security.server import BODY, PHONE, assert_no_phi, env_for, run_cli, serve

# A new patient: the insert's parameters carry the number, the name and the treatment.
NEW_PATIENT = ("+14155550177", "4155550177", "Anneliese")
VISIT = {"external_id": "pms-77", "visit_type": "dermal_filler", "treatment": "Botox and lip filler",
         "occurred_at": "2026-03-02T09:30:00", "patient": {"phone": NEW_PATIENT[0], "first_name": NEW_PATIENT[2]}}


def test_database_errors_on_the_webhook_and_the_api_leave_no_patient_data_in_log_or_response(tmp_path):
    with serve(tmp_path, AFTERGLOW_SQLITE_BUSY_TIMEOUT="0.5", AFTERGLOW_WEBHOOK_LOCK_WAIT="0.3") as server:
        lock = sqlite3.connect(server.db, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # what a long import did: every writer waits, then fails
        try:
            spooled = server.webhook()
            api = httpx.post(server.base + "/api/visits", json=VISIT, headers={"X-API-Key": "demo-glow-api-key"},
                             timeout=30)
            # The spool's directory replaced by a file: the fallback fails too, the request ends in a 500.
            spool = tmp_path / "spool"
            shutil.move(spool, tmp_path / "spool-aside")
            spool.write_text("not a directory")
            broken = server.webhook(body="Botox again: lip filler bruising")
        finally:
            lock.rollback()
            lock.close()
        time.sleep(0.5)
    out = server.output()
    assert spooled.status_code == 200  # kept (see test_busy_db), answered
    assert api.status_code == 500 and set(api.json()) == {"error", "ref"}
    assert broken.status_code == 500
    # The control: the errors did happen and were logged with their tracebacks and types.
    assert "inbound text spooled" in out and "Traceback (most recent call last)" in out
    assert "OperationalError" in out and "FileExistsError" in out
    for response in (spooled, api, broken):
        assert_no_phi(response.text, extra=NEW_PATIENT)
    assert_no_phi(out, extra=("bruising", *NEW_PATIENT))


def test_a_startup_misconfiguration_echoes_no_value(tmp_path):
    planted = f"{PHONE} {BODY}"
    env = env_for(tmp_path, 8000, AFTERGLOW_ENV=planted, AFTERGLOW_SECRET_KEY="tail-Botox-lip filler")
    result = run_cli(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert "AFTERGLOW_ENV" in result.stderr
    assert_no_phi(result.stdout + result.stderr)


# ---------------------------------------------------------------------- the pieces, one by one


def _failing_insert(engine: sa.Engine) -> sa.exc.DBAPIError:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO no_such_table (phone, body) VALUES (:phone, :body)"),
                     {"phone": PHONE, "body": BODY})
    return caught.value


def test_every_engine_keeps_parameters_out_of_its_exceptions(any_engine):
    assert PHONE in str(_failing_insert(create_engine("sqlite://")))  # the control: SQLAlchemy's default
    error = str(_failing_insert(any_engine))
    assert "INSERT INTO no_such_table" in error  # the statement stays: it is code
    assert_no_phi(error)


def _captured(level: int = logging.INFO) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.PhiFilter())
    logger = logging.getLogger(f"afterglow.test.{id(stream)}")
    logger.handlers, logger.propagate, logger.level = [handler], False, level
    return logger, stream


def test_the_filter_withholds_exception_text_and_keeps_the_frames():
    error = _failing_insert(create_engine("sqlite://"))  # parameters in its text: the filter alone
    logger, stream = _captured()
    try:
        raise RuntimeError(f"turn failed for {PHONE}") from error
    except RuntimeError:
        logger.exception("unhandled error on %s (%s)", "/webhooks/twilio/sms", ValueError(BODY))
    out = stream.getvalue()
    assert "unhandled error on /webhooks/twilio/sms (ValueError)" in out
    assert "sqlalchemy.exc.OperationalError" in out and "builtins.RuntimeError" in out
    assert "The above exception was the direct cause" in out and "test_logs.py" in out
    assert_no_phi(out)


def test_phone_numbers_are_masked_however_written_and_other_figures_kept():
    logger, stream = _captured()
    logger.info("texts from %s, (415) 555-0111 and 415.555.0111 at 2026-03-10 18:00:01, job 12345, SM%s",
                PHONE, "0123456789abcdef0123456789abcdef")
    out = stream.getvalue()
    assert out.count(logs.NUMBER) == 3 and "2026-03-10 18:00:01" in out and "job 12345" in out
    assert "SM0123456789abcdef" in out
    assert_no_phi(out)


def test_access_log_records_keep_their_arguments_for_uvicorn(caplog):
    """uvicorn's access formatter reads the record's arguments one by one: scrubbing keeps their shape."""
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", f"/console/search?q={PHONE}", "1.1", 200), None)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(logs.scrub(record))
    assert line == f'127.0.0.1:5 - "GET /console/search?q={logs.NUMBER} HTTP/1.1" 200 OK'
