"""The service as it really runs (`afterglow serve` in a subprocess, uvicorn's logging), with its stdout
and stderr in a file: what an operator's log collector would keep is exactly what the tests read."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from evals.bench.server import ROOT, free_port, running
from tests.channel.helpers import inbound_params, sign

TOKEN = "security-test-auth-token"
# Patient data the tests plant and then look for everywhere: none of it may come back out.
PHONE = "+14155550111"  # Maya, a demo patient
PHONE_DIGITS = "4155550111"
BODY = "My Botox and lip filler look uneven, is that normal?"
PHI = (PHONE, PHONE_DIGITS, "415-555-0111", "Botox", "lip filler", "uneven", "Maya")


def assert_no_phi(text: str, *, extra: tuple[str, ...] = ()) -> None:
    found = [term for term in PHI + extra if term.lower() in text.lower()]
    assert not found, f"patient data in the output: {found}"


@dataclass
class Server:
    base: str
    log: Path
    db: Path
    proc: subprocess.Popen

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def webhook(self, body: str = BODY, sender: str = PHONE, **extra: str) -> httpx.Response:
        params = inbound_params(sender, body, **extra)
        url = self.base + "/webhooks/twilio/sms"
        return httpx.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params, TOKEN)}, timeout=60)


def env_for(tmp: Path, port: int, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AFTERGLOW_", "TWILIO_")) and key != "DATABASE_URL"}
    env.update({"DATABASE_URL": f"sqlite:///{tmp}/service.db", "AFTERGLOW_SPOOL_DIR": str(tmp / "spool"),
                "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "AFTERGLOW_WORKER_INTERVAL": "0.2", "PYTHONPATH": str(ROOT)})
    env.update(overrides)
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


@contextmanager
def serve(tmp: Path, **overrides: str) -> Iterator[Server]:
    port = free_port()
    log = tmp / "service.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "serve", "--port", str(port)], cwd=tmp,
                                env=env_for(tmp, port, **overrides), stdout=sink, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", log, tmp / "service.db", proc)
    with running(proc, server.base, lambda: server.output()[-3000:], start_s=90, stop_s=15):
        yield server
