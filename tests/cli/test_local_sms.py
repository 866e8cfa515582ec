"""`afterglow serve --port N` checks webhook signatures against the address it listens on, and
`afterglow sms` posts one inbound text signed as Twilio would: the webhook path, tried locally."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from evals.bench.server import ROOT, free_port, running
from tests.security.server import env_for

TOKEN = "local-try-token"


def test_a_signed_text_reaches_a_server_on_another_port_and_gets_its_reply(tmp_path) -> None:
    port = free_port()
    env = env_for(tmp_path, port, TWILIO_AUTH_TOKEN=TOKEN)
    del env["PUBLIC_BASE_URL"]  # as after `make run PORT=...`: nothing says where the server is
    log = tmp_path / "service.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "serve", "--port", str(port)], cwd=tmp_path,
                                env=env, stdout=sink, stderr=subprocess.STDOUT)
    with running(proc, f"http://127.0.0.1:{port}", lambda: log.read_text(errors="replace")[-3000:],
                 start_s=90, stop_s=15):
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"  # the command is told; the server worked it out
        sent = subprocess.run([sys.executable, "-m", "agent.cli", "sms", "Honestly loving it!", "--from",
                               "+14155550111"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0 and sent.stdout.startswith("200 SM"), sent.stdout + sent.stderr
        replies = []
        # Outbound after the text: during the demo clinic's hours the worker also sends Maya's own due check-in,
        # before or after, which is no reply.
        after_the_text = ("SELECT count(*) FROM message m JOIN patient p ON p.id = m.patient_id "
                          "WHERE p.phone = '+14155550111' AND m.direction = 'outbound' AND m.kind != 'touch' "
                          "AND m.id > (SELECT max(i.id) FROM message i WHERE i.patient_id = p.id "
                          "AND i.direction = 'inbound')")
        for _ in range(100):  # the in-process worker answers within a few steps
            with sqlite3.connect(tmp_path / "service.db") as db:
                replies = db.execute(after_the_text).fetchone()[0]
            if replies:
                break
            time.sleep(0.2)
        assert replies == 1
    unsigned = subprocess.run([sys.executable, "-m", "agent.cli", "sms", "hi"], cwd=ROOT,
                              env={k: v for k, v in env.items() if k != "TWILIO_AUTH_TOKEN"},
                              capture_output=True, text=True, timeout=60)
    assert unsigned.returncode == 2 and "TWILIO_AUTH_TOKEN" in unsigned.stderr
