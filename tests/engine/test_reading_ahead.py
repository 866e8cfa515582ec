"""The engine's own reading (red-flag screen, offline classification) runs on a worker while a model call
waits for its answer (agent/engine/reading.py), and decides exactly as an inline reading did: a red flag
escalates whatever the model said, an exception in the reading fails the turn with nothing sent, and a call
that never waited on the network leaves the reading to the engine's thread."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from agent.brains.base import BrainContext, Proposal
from agent.brains.waiting import on_request, started_waiting, while_waiting
from agent.engine import reading as reading_module
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.store.models import Message, Turn
from agent.types import Intent, VisitType
from tests.engine.helpers import rows
from tests.fakes import ScriptedBrain, proposal

RED_FLAG = "my upper lip has gone white and blotchy and it hurts more every hour"


class RemoteBrain(ScriptedBrain):
    """A scripted brain that behaves like a model over the network: it says it is waiting, then waits."""

    remote = True

    def __init__(self, *proposals: Proposal, wait_s: float = 0.05) -> None:
        super().__init__(*proposals)
        self.wait_s = wait_s

    def propose(self, ctx: BrainContext) -> Proposal:
        started_waiting()
        time.sleep(self.wait_s)  # the model thinking: the GIL is free for the reading
        return super().propose(ctx)


@pytest.fixture
def reading_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads the engine's reading ran on."""
    names: list[str] = []
    real = reading_module.read

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(reading_module, "read", recorded)
    return names


def test_a_red_flag_read_during_the_call_escalates_though_the_model_says_positive(db, clock, make_patient,
                                                                                   reading_threads):
    brain = RemoteBrain(proposal(Intent.POSITIVE, "So glad you love it, Maya!"))
    agent = Agent(db, brain=brain, clock=clock)
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=2)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, RED_FLAG)
    assert reading_threads and all(n.startswith("afterglow-reading") for n in reading_threads)
    assert {"queue": "clinical", "priority": "urgent"} in [{k: h[k] for k in ("queue", "priority")}
                                                           for h in result.handoffs]
    assert result.intents[0].intent == Intent.URGENT
    assert len(result.sent) == 1 and "911" in result.sent[0].body


def test_an_exception_in_the_reading_fails_the_turn_with_nothing_sent(db, clock, make_patient, monkeypatch):
    def broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("the reader is broken")

    monkeypatch.setattr(reading_module, "screen", broken)
    agent = Agent(db, brain=RemoteBrain(proposal(Intent.POSITIVE, "So glad you love it!")), clock=clock)
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    before = len(rows(db, Message)), len(rows(db, Turn))
    with pytest.raises(RuntimeError, match="the reader is broken"):
        agent.handle_inbound(pid, "honestly loving it!")
    assert (len(rows(db, Message)), len(rows(db, Turn))) == before  # rolled back: no reply, no record


def test_a_call_that_never_waited_reads_on_the_engines_thread(db, clock, make_patient, reading_threads):
    """The model failed before sending anything: the offline brain answers, and the red flag escalates."""
    class Failing(RemoteBrain):
        def propose(self, ctx: BrainContext) -> Proposal:
            raise ConnectionError("no route to the model")  # before any request: nothing to wait for

    agent = Agent(db, brain=Failing(), clock=clock)
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=2)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, RED_FLAG)
    assert result.fell_back
    assert reading_threads == [threading.current_thread().name]
    assert result.intents[0].intent == Intent.URGENT and "911" in result.sent[0].body


def test_a_failed_call_after_waiting_settles_the_reading_before_the_offline_brain_reads(db, clock, make_patient,
                                                                                         reading_threads):
    agent = Agent(db, brain=RemoteBrain(TimeoutError("the model timed out")), clock=clock)
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=2)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, RED_FLAG)
    assert result.fell_back and reading_threads[0].startswith("afterglow-reading")
    assert result.intents[0].intent == Intent.URGENT and "911" in result.sent[0].body


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        time.sleep(0.02)
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def test_the_httpx_hook_fires_once_the_request_is_sent_and_only_inside_while_waiting():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    events: list[str] = []
    try:
        with httpx.Client(event_hooks={"request": [on_request]}) as client:
            url = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
            client.post(url, json={"a": 1})  # outside while_waiting: untouched
            with while_waiting(lambda: events.append("waiting")):
                response = client.post(url, json={"messages": []})
                events.append("answered")
        assert response.status_code == 200
        assert events == ["waiting", "answered"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_factorys_openai_client_carries_the_hook(monkeypatch: pytest.MonkeyPatch):
    from agent.brains.factory import make_brain
    from agent.policy.loader import default_policies
    from agent.prompts import default_prompts

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    brain = make_brain("openai:gpt-4o-mini", default_policies(), default_prompts())
    assert brain.remote
    assert on_request in brain.model.root_client._client.event_hooks["request"]  # noqa: SLF001


def test_a_reading_whose_call_never_waits_is_made_once_by_whichever_thread_claims_it(monkeypatch, reading_threads):
    """The gate's backstop lets a forgotten worker read on its own; the engine's thread then gets that
    reading, never a second one."""
    from agent.brains.base import BrainContext as Ctx
    from agent.policy.loader import default_policies
    from agent.types import Stage

    monkeypatch.setattr(reading_module, "GATE_LIMIT_S", 0.01)
    made = reading_threads
    ctx = Ctx(first_name="Maya", visit_category=VisitType.DERMAL_FILLER, days_since_visit=2,
              stage=list(Stage)[0], message=RED_FLAG)
    ahead = reading_module.Ahead(RED_FLAG, default_policies(), ctx)
    time.sleep(0.2)  # the gate's limit passes with the gate shut
    found = ahead.result()
    assert found.flags.urgent
    assert len(made) == 1 and made[0].startswith("afterglow-reading")
