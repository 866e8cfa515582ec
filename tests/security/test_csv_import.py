"""Issue 13, items 3 and 9: a CSV import never holds the write lock long, reads Latin-1 exports and says
what it did with every row. The attack run's 10,000-row import held SQLite's write lock throughout (a
webhook then waited 30 s and was lost), a Latin-1 file ended in a traceback, and extra trailing fields
were dropped without a word."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlmodel import Session, select

from agent.channel.spool import Spool
from agent.clock import SystemClock
from agent.demo import ensure_demo_clinic
from agent.engine.turn import Agent
from agent.outreach.csv_import import decode_csv
from agent.store.channel_models import InboundJob
from agent.store.db import make_engine, migrate, session_scope
from agent.store.models import Patient, Visit
from evals.bench.server import ROOT
from tests.channel.helpers import inbound_params, post_signed, webhook_client
from tests.security.server import run_cli

HEADER = "external_id,phone,first_name,visit_type,occurred_at,treatment,marketing_consent"


def _database(tmp_path) -> tuple[str, dict[str, str]]:  # noqa: ANN001
    url = f"sqlite:///{tmp_path}/import.db"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        ensure_demo_clinic(session, SystemClock().now())
    engine.dispose()
    env = {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "AFTERGLOW_ENV": "test"}
    return url, env


def _visits(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = len(session.exec(select(Visit.id)).all())
    engine.dispose()
    return count


def test_a_latin1_export_imports_and_says_how_it_was_read(tmp_path):
    url, env = _database(tmp_path)
    text = f"{HEADER}\nv1,415-555-0101,José,facial,2026-03-02 09:30,Peeling à l'acide,oui\n" \
           f"v2,415-555-0102,Zoë,facial,2026-03-02 10:00,Soin éclat,no\n"
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("latin-1"))
    result = run_cli(["import", str(path), "--clinic-id", "1"], env, tmp_path)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and result.returncode == 1, output  # a rejected row: exit 1
    assert "read as cp1252" in output and "1 imported, 0 already known, 1 rejected" in output
    assert "line 2: marketing_consent: must be yes or no" in output  # 'oui' is reported, not echoed
    assert "oui" not in output and "José" not in output
    engine = make_engine(url)
    with Session(engine) as session:
        assert session.exec(select(Patient.first_name).where(Patient.phone == "+14155550102")).one() == "Zoë"
    engine.dispose()


def test_decoding_prefers_utf8_and_never_fails():
    assert decode_csv("José".encode("utf-8-sig")) == ("José", "utf-8")
    assert decode_csv("José".encode("latin-1")) == ("José", "cp1252")
    assert decode_csv(bytes([0x81, 0x41])) == ("\x81A", "latin-1")  # undefined in cp1252: still read


def test_extra_trailing_fields_are_reported_per_row_not_dropped(tmp_path):
    url, env = _database(tmp_path)
    path = tmp_path / "extra.csv"
    path.write_text(f"{HEADER}\n"
                    "v1,415-555-0101,Ana,facial,2026-03-02 09:30,HydraFacial,yes\n"
                    "v2,415-555-0102,Bo,facial,2026-03-02 09:30,Botox, lip filler,yes\n"  # an unquoted comma
                    "v3,415-555-0103,Cy,facial,2026-03-02 09:30,Peel,yes,extra,more\n")
    result = run_cli(["import", str(path), "--clinic-id", "1"], env, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "1 imported, 0 already known, 2 rejected" in output, output
    assert "line 3: 1 more field(s) than the header has columns" in output
    assert "line 4: 2 more field(s) than the header has columns" in output
    assert "lip filler" not in output and "extra" not in output.replace("extra.csv", "")
    assert _visits(url) == 1


def test_a_file_that_is_not_csv_is_one_clear_error_not_a_traceback(tmp_path):
    _, env = _database(tmp_path)
    path = tmp_path / "runaway.csv"
    # A stray quote opens a field that never closes: the rest of the file (200 KB) becomes one field.
    body = "".join(f"v{n},415-555-{n:04d},Ana,facial,2026-03-02 09:30,Botox,yes\n" for n in range(3000))
    path.write_text(f"{HEADER}\nv0,415-555-0100,\"Ana,facial,2026-03-02 09:30,Botox,yes\n{body}")
    result = run_cli(["import", str(path), "--clinic-id", "1"], env, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "not readable as CSV (field larger than field limit" in output and "Botox" not in output
    assert "0 imported, 0 already known, 1 rejected" in output


@pytest.mark.serial  # the webhook's wait is timed on the wall clock: no parallel neighbour
def test_a_10000_row_import_never_keeps_a_webhook_waiting(tmp_path):
    url, env = _database(tmp_path)
    path = tmp_path / "big.csv"
    rows = [f"big{n},+1415555{n:04d},Ana,neuromodulator,2026-03-02 09:30,Botox,yes" for n in range(10_000)]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    agent = Agent(make_engine(url), clock=SystemClock())
    # The webhook may wait 10 s here: a text spooled or slow would mean the import starved it.
    client = webhook_client(agent, AFTERGLOW_WEBHOOK_LOCK_WAIT=10, AFTERGLOW_SPOOL_DIR=str(tmp_path / "spool"))
    began = time.monotonic()
    importer = subprocess.Popen([sys.executable, "-m", "agent.cli", "import", str(path), "--clinic-id", "1"],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    waits, during = [], []
    try:
        while _visits(url) == 0:  # the import is writing
            assert importer.poll() is None, importer.stdout.read()
            time.sleep(0.1)
        while importer.poll() is None and len(waits) < 30:
            started = time.monotonic()
            response = post_signed(client, "/webhooks/twilio/sms", inbound_params("+14155559999", "hi"))
            waits.append(time.monotonic() - started)
            assert response.status_code == 200
            during.append(_visits(url))
            time.sleep(0.5)
        output = importer.communicate(timeout=600)[0]
        took = time.monotonic() - began
    finally:
        if importer.poll() is None:
            importer.kill()
    assert "10000 imported, 0 already known, 0 rejected" in output, output
    in_progress = [n for n in during if 0 < n < 10_000]
    assert len(in_progress) >= 5, during  # the webhooks really met the import mid-file
    assert max(waits) < 1.0, f"a webhook waited {max(waits):.2f} s behind the import"
    with Session(agent.db) as session:
        assert len(session.exec(select(InboundJob)).all()) == len(waits)  # all queued directly...
    assert not Spool(tmp_path / "spool").pending()  # ...none spooled
    print(f"\n10,000-row import in {took:.0f} s: {len(waits)} webhooks during it, slowest {max(waits) * 1000:.0f} ms, "
          f"median {sorted(waits)[len(waits) // 2] * 1000:.0f} ms")
    agent.db.dispose()
