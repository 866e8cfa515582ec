"""The service as deployed, with the real model: the API's own brain, an `afterglow worker` process fed by
the inbound queue (the webhook's half), and a server that hangs.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.brains.factory import make_brain
from agent.channel.inbound import Accepted, InboundSms, accept
from agent.config import Settings
from agent.demo import DEMO_PHONE, add_patient_with_visit, ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.policy.loader import default_policies
from agent.prompts import default_prompts
from agent.store.db import make_engine, migrate, session_scope
from agent.store.models import Draft, Turn
from agent.types import VisitType
from api.app import create_app
from tests.channel.helpers import inbound_params
from tests.engine.helpers import outbound, rows
from tests.model.conftest import FIGURES, MODEL, MODEL_URL, ROOT, violations

WORKER_DEADLINE_S = 180  # a first turn on a cold 2-core server, plus the worker's start-up


def test_the_api_answers_patients_with_the_configured_model(tmp_path):
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/api.db", AFTERGLOW_ENV="local", AFTERGLOW_MODEL=MODEL,
                        AFTERGLOW_MODEL_BASE_URL=MODEL_URL, AFTERGLOW_INPROCESS_WORKER=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["brain"] == MODEL
        maya = next(p for p in client.get("/dev/patients").json() if p["first_name"] == "Maya")
        assert client.post(f"/dev/patients/{maya['id']}/touches", json={"touch": "results_checkin"}).status_code == 200
        started = time.perf_counter()
        response = client.post(f"/dev/patients/{maya['id']}/messages", json={"body": "Honestly loving it!"})
        assert response.status_code == 200
        turn = response.json()
    FIGURES.record("api", brain=turn["brain"], fell_back=turn["fell_back"],
                   wall_ms=(time.perf_counter() - started) * 1000, usage=turn["usage"])
    assert turn["usage"]["calls"] >= 1 and turn["usage"]["prompt_tokens"] > 0
    # Either/or by design: a real model may time out or answer off-schema, and then the turn falls back.
    assert turn["brain"] == MODEL or turn["fell_back"]


def test_a_worker_process_runs_queued_turns_on_the_configured_model(tmp_path):
    """The documented scale-out: the webhook queues the text, an `afterglow worker` process runs the turn.
    The worker must build the brain AFTERGLOW_MODEL names (it used to run every turn offline)."""
    url = f"sqlite:///{tmp_path}/worker.db"
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        clinic = ensure_demo_clinic(session, now)
        patient, _ = add_patient_with_visit(session, clinic, now, first_name="Maya", phone="+14155552001",
                                            visit_type=VisitType.NEUROMODULATOR, days_ago=14, treatment="Botox")
        pid = patient.id
    sms = InboundSms.from_params(inbound_params("+14155552001", "Honestly loving it!", to=DEMO_PHONE))
    assert accept(engine, sms, now) == Accepted.QUEUED
    env = {**os.environ, "DATABASE_URL": url, "AFTERGLOW_ENV": "test", "AFTERGLOW_MODEL": MODEL,
           "AFTERGLOW_MODEL_BASE_URL": MODEL_URL}
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "OPENAI_API_KEY"):
        env.pop(name, None)  # dry-run: nothing leaves the machine
    log = tmp_path / "worker.log"
    with _process([sys.executable, "-m", "agent.cli", "worker", "--interval", "0.1"], env, log) as worker:
        turn = _wait_for_turn(engine, worker, log)
    assert turn.model_calls >= 1, f"the worker ran the turn without calling {MODEL}:\n{log.read_text()[-2000:]}"
    assert turn.prompt_tokens > 0
    assert turn.brain == MODEL or turn.fell_back  # either/or by design: a real model's turn may fall back
    # Answered, or (a weak model's reading the offline reader does not back, e.g. an opt-out for praise)
    # held for a person: either way the text was handled and nothing unsafe went out.
    held = rows(engine, Draft)
    assert outbound(engine, pid) or held, "the worker neither answered nor held a reply"
    assert violations(engine, pid) == []
    # The worker's wall time per turn is not visible from here; the model's share of it (latency_ms) is.
    FIGURES.record("worker", brain=turn.brain, fell_back=turn.fell_back, wall_ms=turn.latency_ms,
                   usage={"calls": turn.model_calls, "prompt_tokens": turn.prompt_tokens,
                          "completion_tokens": turn.completion_tokens})


def test_a_server_that_never_answers_falls_back_to_the_offline_brain(db, clock, make_patient, monkeypatch):
    """A server that accepts the connection and then says nothing: the call times out, the offline brain
    answers the turn, and the turn row says so (fell_back, the calls that were tried)."""
    monkeypatch.setenv("AFTERGLOW_MODEL_TIMEOUT", "0.5")
    with _silent_server() as port:
        brain = make_brain(MODEL, default_policies(), default_prompts(), base_url=f"http://127.0.0.1:{port}/v1")
        brain.retry = replace(brain.retry, attempts=2, sleep=lambda _s: None)  # two timed-out calls, no waiting
        agent = Agent(db, brain=brain, clock=clock)
        pid = make_patient(first_name="Maya")
        send_touch(agent, pid, "results_checkin")
        result = agent.handle_inbound(pid, "Honestly loving it!")  # not a real-model turn: kept out of the figures
    assert result.fell_back and result.usage["calls"] == 2
    assert result.usage["prompt_tokens"] == 0  # nothing came back to count
    assert result.sent, "the patient got no answer"
    (turn,) = [t for t in rows(db, Turn) if t.model_calls]
    assert turn.fell_back and turn.model_calls == 2 and turn.latency_ms > 0
    assert violations(db, pid) == []


# ------------------------------------------------------------------ helpers


def _wait_for_turn(engine, worker: subprocess.Popen, log: Path) -> Turn:  # noqa: ANN001
    deadline = time.monotonic() + WORKER_DEADLINE_S
    while time.monotonic() < deadline:
        with Session(engine) as s:
            turn = s.exec(select(Turn).where(Turn.inbound_message_id.is_not(None))).first()
        if turn is not None:
            return turn
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    pytest.fail(f"no turn after {WORKER_DEADLINE_S} s:\n{log.read_text()[-2000:]}")


class _process:  # noqa: N801 - used as a context manager, like open()
    """A child process we started, stopped by its pid (SIGTERM: the worker finishes its step)."""

    def __init__(self, cmd: list[str], env: dict, log: Path) -> None:
        self.cmd, self.env, self.log = cmd, env, log

    def __enter__(self) -> subprocess.Popen:
        self.sink = self.log.open("wb")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self.sink, stderr=subprocess.STDOUT)
        return self.proc

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.sink.close()


class _silent_server:  # noqa: N801
    """A loopback port that accepts connections and never answers (a hung model server)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self.sock.getsockname()[1]

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.held.append(conn)  # read nothing, answer nothing
            except TimeoutError:
                continue
            except OSError:
                return

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        for conn in self.held:
            conn.close()
        self.sock.close()
