"""The LLM path without a model's latency: the real LLMBrain over answers that come back at once with
what a well-behaved model would say (the offline brain's reading of the turn, as one `respond` call).

Two figures come from it:
- engine overhead per turn: a whole patient turn through Agent.handle_inbound with the brain the factory
  builds (ChatOpenAI, the OpenAI SDK, httpx) talking over real HTTP to a loopback OpenAI-compatible fake
  in its own process (FakeOpenAI below) that answers each call at once; the time the fake spends on a
  request, and the time spent deciding its scripted answer, are subtracted, so the figure is the
  engine's plus the SDK's;
- model economy over the shipped eval suites: calls per patient turn, prompt and completion tokens per
  call (counted with the o200k_base tokenizer over exactly what would be sent), share of turns that
  needed a repair call. This one needs no HTTP: a scripted chat model (MirrorChatModel) counts tokens.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agent.brains.base import Brain, BrainContext, Proposal, Usage
from agent.brains.llm.brain import LLMBrain
from agent.brains.offline.brain import OfflineBrain
from agent.policy.loader import default_policies
from agent.prompts import default_prompts
from agent.types import GuardVerdict

ROOT = Path(__file__).resolve().parents[2]


def _encoder():  # noqa: ANN202
    try:
        import bpe_openai

        return bpe_openai.get_encoding("o200k_base")
    except ImportError:  # counted as bytes / 4 instead, and reported as an estimate
        return None


class MirrorChatModel(BaseChatModel):
    """Answers instantly with the next queued AIMessage; counts tokens of every request it receives."""

    queue: list = Field(default_factory=list)
    tools: list = Field(default_factory=list)
    requests: list = Field(default_factory=list)  # (prompt tokens, completion tokens, seconds inside)
    encoder: Any = None

    @property
    def _llm_type(self) -> str:
        return "mirror"

    def bind_tools(self, tools: list, *, tool_choice: Any = None, **kwargs: Any) -> MirrorChatModel:  # noqa: ANN401
        self.tools = tools
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        started = time.perf_counter()
        answer = self.queue.pop(0) if self.queue else AIMessage(content="", tool_calls=[])
        prompt = self._count(json.dumps([{"role": m.type, "content": m.content} for m in messages]) +
                             json.dumps(self.tools))
        completion = self._count(json.dumps(answer.tool_calls))
        answer.usage_metadata = {"input_tokens": prompt, "output_tokens": completion,
                                 "total_tokens": prompt + completion}
        self.requests.append((prompt, completion, time.perf_counter() - started))
        return ChatResult(generations=[ChatGeneration(message=answer)])

    def _count(self, text: str) -> int:
        return len(self.encoder.encode(text)) if self.encoder else max(1, len(text.encode()) // 4)


class MirrorBrain(LLMBrain):
    """The real LLMBrain whose model answers what the offline brain would, instantly."""

    remote = False  # its "model" answers in-process (and reads the text itself): nothing to overlap

    def __init__(self) -> None:
        policies, prompts = default_policies(), default_prompts()
        super().__init__(MirrorChatModel(encoder=_encoder()), policies, prompts, name="mirror")
        self.offline = OfflineBrain(policies, prompts)
        self.scripting_s = 0.0  # time spent deciding the scripted answer: the "model's" time, not the engine's

    def propose(self, ctx: BrainContext) -> Proposal:
        started = time.perf_counter()
        self.model.queue.append(_as_message(self.offline.propose(ctx)))
        self.scripting_s += time.perf_counter() - started
        return super().propose(ctx)

    def regenerate(self, ctx, draft, violations):  # noqa: ANN001, ANN201
        fallback = self.offline.reply_for(self.offline.propose(ctx).deciding.intent, ctx)
        self.model.queue.append(AIMessage(content="", tool_calls=[
            {"name": "rewrite", "args": {"reply": fallback}, "id": "call_rewrite", "type": "tool_call"}]))
        return super().regenerate(ctx, draft, violations)


def respond_args(proposal: Proposal) -> dict:
    """The offline brain's proposal as the arguments of one `respond` call: intents, the actions as a
    tagged union (each item names its `tool`), the reply."""
    return {"intents": [{"intent": s.intent.value, "confidence": round(s.confidence, 2)} for s in proposal.intents],
            "actions": [{"tool": c.name, **c.args} for c in proposal.tool_calls], "reply": proposal.reply}


def _as_message(proposal: Proposal) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "respond", "args": respond_args(proposal), "id": "call_respond",
                                              "type": "tool_call"}])


def overhead(turns: int = 600, model_ms: float = 0.0) -> dict:
    """Time per patient turn on the LLM path over real HTTP, minus the fake server's own time.
    `model_ms`: the fake answers after this long, as a real model would (its time is subtracted too), so
    work the engine does while a call is in flight shows as the time it saves."""
    from sqlmodel import SQLModel

    from agent.brains.factory import make_brain
    from agent.clock import FixedClock
    from agent.demo import add_patient_with_visit, ensure_demo_clinic
    from agent.engine.touches import send_touch
    from agent.engine.turn import Agent
    from agent.store.db import make_engine, session_scope
    from agent.types import VisitType

    with fake_openai(model_ms) as fake:
        policies, prompts = default_policies(), default_prompts()
        brain = ScriptedBrain(make_brain("openai:mirror", policies, prompts, base_url=fake.base_url), fake)
        db = make_engine("sqlite://")
        SQLModel.metadata.create_all(db)
        agent = Agent(db, brain=brain, clock=FixedClock(datetime(2026, 3, 10, 18, tzinfo=UTC)))
        script = ("Honestly loving it!", "My sister Dana 415-555-0134 wants to come too", "thanks so much!")
        patients = max(1, turns // len(script))
        with session_scope(db) as session:
            clinic = ensure_demo_clinic(session, agent.clock.now())
            ids = [add_patient_with_visit(session, clinic, agent.clock.now(), first_name="Maya",
                                          phone=f"+1415{5570000 + n}", visit_type=VisitType.NEUROMODULATOR,
                                          days_ago=14, treatment="Botox")[0].id for n in range(patients)]
        for pid in ids:
            send_touch(agent, pid, "results_checkin")
        agent.handle_inbound(ids[0], "warm up")  # first connection, imports, schema caches
        fake.spent()
        brain.unprepared = 0
        samples, cpu, inside, in_brain = [], [], [], []
        for text in script:
            for pid in ids:
                brain.prepare(agent, pid, text)  # the model's answer, decided before the timed window
                scripting, scripting_cpu, proposing = brain.scripting_s, brain.scripting_cpu_s, brain.proposing_s
                forget()  # every patient's text is new to the reader, as in production (evals/bench/memo.py)
                # Process CPU, not the thread's: the engine's reading runs on a worker thread during the call.
                started, started_cpu = time.perf_counter(), time.process_time()
                agent.handle_inbound(pid, text)
                total, total_cpu = time.perf_counter() - started, time.process_time() - started_cpu
                server = fake.spent()  # read after the turn: not inside the measured window
                samples.append((total - server - (brain.scripting_s - scripting)) * 1000)
                cpu.append((total_cpu - (brain.scripting_cpu_s - scripting_cpu)) * 1000)
                if brain.proposing_s > proposing:  # human-mode turns never reach the brain
                    inside.append(server * 1000)
                    in_brain.append((brain.proposing_s - proposing - server) * 1000)
        calls = fake.calls
        unprepared = brain.unprepared
    samples.sort()
    return {"turns": len(samples), "p50_ms": round(statistics.median(samples), 2),
            "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
            # the engine's own CPU (user + system: SDK, sockets, SQLite; its threads, the reading's worker
            # included) per turn: robust to other processes sharing the 2 cores. Above the wall figure when
            # the reading overlaps the model call.
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            # of which LLMBrain.propose (messages, LangChain, the openai SDK, HTTP on loopback, parsing)
            "brain_ms_p50": round(statistics.median(in_brain), 2) if in_brain else None,
            "server_ms_p50": round(statistics.median(inside), 3) if inside else None, "model_calls": calls,
            "scripted_in_window": unprepared,  # answers decided inside a turn (0: every one was prepared)
            "model_ms": model_ms,
            "transport": "HTTP to a loopback OpenAI-compatible fake (ChatOpenAI, openai SDK, httpx)"}


from evals.bench.memo import forget  # noqa: E402 - beside its only users below


class ScriptedBrain:
    """A real brain from the factory whose server is told, before each call, to answer what the offline
    brain would. The answer to a turn's call is decided before the turn (`prepare`), from the context the
    engine will build: the engine reads the text on a worker while its call is in flight, and a script
    decided inside the turn would run beside that reading, in time subtracted as the model's. An answer
    decided inside a turn after all (a context `prepare` did not foresee; a repair call) is timed apart
    (`scripting_s`) and counted (`unprepared`)."""

    def __init__(self, inner: Brain, fake: FakeClient) -> None:
        self.inner, self.fake = inner, fake
        self.name = inner.name
        self.remote = getattr(inner, "remote", False)
        policies, prompts = default_policies(), default_prompts()
        self.offline = OfflineBrain(policies, prompts)
        self.prepared: BrainContext | None = None
        self.unprepared = 0
        self.scripting_s = 0.0
        self.scripting_cpu_s = 0.0
        self.proposing_s = 0.0  # inside the real brain's propose(), the server's time included

    def prepare(self, agent: Any, patient_id: int, text: str) -> None:  # noqa: ANN401 - an engine Agent
        """Script the answer to the patient's next text from the context the engine's agent turn will build
        (read in a session of its own, rolled back). Replaces an answer a human-mode turn left unused."""
        from sqlmodel import Session

        from agent.engine.situation import load_patient, load_situation
        from agent.engine.turn import agent_context
        from agent.prompts import clinic_templates

        with Session(agent.db, expire_on_commit=False) as session:
            rows = load_patient(session, patient_id)
            sit = load_situation(session, rows.patient, agent.clock.now(), rows=rows)
            ctx = agent_context(sit, text, agent.policies)
            with clinic_templates(sit.rules.templates):  # the engine renders replies in the clinic's wording
                self.fake.script("respond", respond_args(self.offline.propose(ctx)), replace=True)
            session.rollback()
        self.prepared = ctx

    def propose(self, ctx: BrainContext) -> Proposal:
        started, started_cpu = time.perf_counter(), time.process_time()
        if ctx != self.prepared:
            self.unprepared += 1
            self.fake.script("respond", respond_args(self.offline.propose(ctx)), replace=True)
            forget()  # the script's own reading must not warm the engine's: a real model reads nothing for it
        self.prepared = None
        scripted = time.perf_counter()
        self.scripting_s += scripted - started
        self.scripting_cpu_s += time.process_time() - started_cpu
        try:
            return self.inner.propose(ctx)
        finally:
            self.proposing_s += time.perf_counter() - scripted

    def regenerate(self, ctx: BrainContext, draft: str, violations: list[GuardVerdict]) -> tuple[str | None, Usage]:
        started, started_cpu = time.perf_counter(), time.process_time()
        self.fake.script("rewrite", {"reply": self.offline.reply_for(self.offline.propose(ctx).deciding.intent, ctx)})
        self.scripting_s += time.perf_counter() - started
        self.scripting_cpu_s += time.process_time() - started_cpu
        return self.inner.regenerate(ctx, draft, violations)


def economy() -> dict:
    """Model calls and tokens over the shipped eval suites with the mirror model."""
    from evals.runner import Runner
    from evals.suite import load_suites

    brains: list[MirrorBrain] = []

    def factory(case):  # noqa: ANN001, ANN202
        brains.append(MirrorBrain())
        return brains[-1]

    policies = default_policies()
    result = Runner(policies=policies, brain_factory=factory).run(load_suites([Path("evals/suites")], policies))
    patient_turns = [t for c in result.cases for trial in c.trials for t in trial.turns if t["kind"] == "patient"]
    model_turns = [t for t in patient_turns if t["usage"]["calls"]]
    requests = [r for b in brains for r in b.model.requests]
    calls = len(requests)
    repaired = sum(1 for t in model_turns if t["usage"]["calls"] > 1)
    prompts = [r[0] for r in requests]
    return {
        "patient_turns": len(patient_turns),
        "model_turns": len(model_turns),  # the rest were keyword, human-mode or opted-out turns: no call
        "calls": calls,
        "calls_per_patient_turn": round(calls / max(1, len(patient_turns)), 3),
        "calls_per_turn": round(calls / max(1, len(model_turns)), 3),
        "prompt_tokens_mean": round(statistics.mean(prompts)) if prompts else 0,
        "prompt_tokens_p95": sorted(prompts)[int(len(prompts) * 0.95) - 1] if prompts else 0,
        "prompt_tokens_max": max(prompts) if prompts else 0,
        "completion_tokens_mean": round(statistics.mean(r[1] for r in requests)) if requests else 0,
        "repair_share_pct": round(100 * repaired / max(1, len(model_turns)), 1),
        "tokenizer": "o200k_base" if _encoder() else "bytes/4 estimate",
        "suites_passed": sum(c.passes == len(c.trials) for c in result.cases), "cases": len(result.cases),
    }


# ------------------------------------------------------------------ a loopback OpenAI-compatible fake


class FakeOpenAI(BaseHTTPRequestHandler):
    """Chat completions answered at once with the next scripted tool call (stdlib only, one client).

    POST /script {"name", "arguments", "replace"} queues the next answer (after clearing the queue when
    "replace"); POST /v1/chat/completions pops it and
    answers in the OpenAI wire format (one tool call, usage); GET /spent returns, and resets, the
    seconds spent handling completions, from the request line read to the response written, less any
    wait for the request body."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    queue: list[dict] = []
    model_s = 0.0  # how long the "model" takes to answer (--model-ms)
    spent_s = 0.0
    calls = 0

    def parse_request(self) -> bool:
        self._started = time.perf_counter()  # the request line has just been read
        return super().parse_request()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        reading = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        # The client writes headers and body apart: time spent waiting for the body is the client's (its
        # thread waiting for the GIL, say), not the model's, so it is left out of the server's time.
        self._started += time.perf_counter() - reading
        if self.path == "/script":
            scripted = json.loads(body)
            if scripted.pop("replace", False):
                FakeOpenAI.queue.clear()
            FakeOpenAI.queue.append(scripted)
            return self._send(204, b"")
        if self.path.rstrip("/").endswith("/chat/completions"):
            if FakeOpenAI.model_s:
                time.sleep(FakeOpenAI.model_s)  # a model thinking: counted in the server's time
            scripted = FakeOpenAI.queue.pop(0) if FakeOpenAI.queue else {"name": "respond", "arguments": {}}
            self._send(200, _completion(scripted, prompt_bytes=len(body)))
            FakeOpenAI.spent_s += time.perf_counter() - self._started
            FakeOpenAI.calls += 1
            return None
        return self._send(404, b"{}")

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/spent":
            spent, FakeOpenAI.spent_s = FakeOpenAI.spent_s, 0.0
            return self._send(200, json.dumps({"spent_s": spent, "calls": FakeOpenAI.calls}).encode())
        if self.path.rstrip("/").endswith("/models"):
            return self._send(200, b'{"object": "list", "data": [{"id": "mirror", "object": "model"}]}')
        return self._send(404, b"{}")

    def _send(self, status: int, payload: bytes) -> None:
        head = (f"HTTP/1.1 {status} {'OK' if status < 300 else 'Not Found'}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(payload)}\r\n\r\n").encode()
        self.wfile.write(head + payload)  # one write: headers and body together
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401 - silence per-request logs
        return


def _completion(scripted: dict, *, prompt_bytes: int) -> bytes:
    arguments = json.dumps(scripted.get("arguments") or {})
    message = {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"call_{FakeOpenAI.calls}", "type": "function",
         "function": {"name": scripted.get("name") or "respond", "arguments": arguments}}]}
    prompt, completion = max(1, prompt_bytes // 4), max(1, len(arguments) // 4)  # the SDK only passes them on
    return json.dumps({
        "id": f"chatcmpl-{FakeOpenAI.calls}", "object": "chat.completion", "created": 1767225600, "model": "mirror",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls", "logprobs": None}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }).encode()


class FakeClient:
    """The bench's side channel to the fake: script the next answer, read the time it spent."""

    def __init__(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.calls = 0

    def script(self, name: str, arguments: dict, *, replace: bool = False) -> None:
        """Queue the next answer; `replace`: instead of any answer still queued."""
        self._request("POST", "/script", json.dumps({"name": name, "arguments": arguments,
                                                     "replace": replace}).encode())

    def spent(self) -> float:
        data = json.loads(self._request("GET", "/spent"))
        self.calls = data["calls"]
        return float(data["spent_s"])

    def _request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        self._conn.request(method, path, body=body, headers={"content-type": "application/json"})
        response = self._conn.getresponse()
        payload = response.read()
        if response.status >= 300:
            raise RuntimeError(f"fake OpenAI server: {method} {path} -> {response.status}")
        return payload

    def close(self) -> None:
        self._conn.close()


@contextmanager
def fake_openai(model_ms: float = 0.0) -> Iterator[FakeClient]:
    """The fake in its own process (so its work never competes with the engine's for the GIL)."""
    proc = subprocess.Popen([sys.executable, "-m", "evals.bench.llm", "--fake-openai", "--model-ms", str(model_ms)],
                            cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    client = None
    try:
        line = proc.stdout.readline().decode().strip()  # "port N" once it listens
        if not line.startswith("port "):
            raise RuntimeError("the fake OpenAI server did not start")
        client = FakeClient(int(line.split()[1]))
        yield client
    finally:
        if client is not None:
            client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _serve_fake(model_ms: float = 0.0) -> None:
    FakeOpenAI.model_s = model_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)  # one thread per connection: the SDK's and ours
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A loopback OpenAI-compatible fake for the overhead bench.")
    parser.add_argument("--fake-openai", action="store_true", required=True)
    parser.add_argument("--model-ms", type=float, default=0.0, help="answer each completion after this long")
    _serve_fake(parser.parse_args().model_ms)
