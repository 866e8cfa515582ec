"""Signed inbound webhooks under load against the real API (uvicorn on loopback), next to a bare async
FastAPI endpoint that parses the same form (evals.bench.bare), interleaved in the same run: the ratio
of their p99s is the figure. Both servers run at once and each load alternates between them (the order
of every pair drawn at random), so a noisy neighbour slows both sides of the ratio alike.

A transport error (refused, reset, timed out) or an error status is counted per endpoint and reported
with the figures; it does not end the run.

Two loads, each endpoint at the same rate with 50 connections of its own (100 requests/s each: the
machine takes 200 a second in all, as when the endpoints were measured one after the other at 200; at
200 each a shared 2-core host saturates and both sides measure their queue, not their work):
- paced: requests arrive at a fixed rate (open loop; latency counted from the scheduled arrival, so a
  server that falls behind is charged for the wait) -- the latency figures;
- saturated: every connection sends as fast as answers come back (closed loop) -- the requests/s
  ceiling. Its latencies are mostly queueing (Little's law: 50 in flight / throughput).

The API runs as in scale-out (AFTERGLOW_INPROCESS_WORKER=false): the webhook verifies the signature,
routes by To, records the durable inbound job and answers; turns run in workers, not in this figure.
"""
from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time

import httpx
from twilio.request_validator import RequestValidator

from evals.bench.server import free_port, serve

TOKEN = "bench-auth-token"
CLINIC = "+14155550100"  # the demo clinic's number
PATIENTS = ["+14155550111", "+14155550112", "+14155550113", "+14155550114", "+14155550115"]
TEXTS = ["Honestly loving it!", "can I book my next one?", "ok thanks", "what are your hours?", "love it 😍"]


def measure(requests: int = 5_000, concurrency: int = 50, rate: float = 100.0, seed: int = 16) -> dict:
    """Both servers run at once; every load sends webhook and bare requests interleaved (the order of each
    pair drawn at random), so machine noise lands on both sides of the ratio alike."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/hook.db", "AFTERGLOW_ENV": "local", "AFTERGLOW_INPROCESS_WORKER":
               "false", "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ""}
        port = free_port()
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"  # what the signature covers
        with serve("evals.bench.bare:app", {}, factory=False) as (bare_base, _), \
                serve("api.app:create_app", env, port=port) as (base, _):
            targets = {"webhook": (base + "/webhooks/twilio/sms", True), "bare": (bare_base + "/bare", False)}
            figures = asyncio.run(_load(targets, requests, concurrency, rate, random.Random(seed)))
    return {**figures, "requests": requests, "concurrency": concurrency, "rate": rate, "interleaved": True}


class Tally:
    """Latencies of the answered requests, and a count of the ones that failed (by kind), for one endpoint."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.last = 0.0  # when the last request ended: this endpoint's own wall time for its requests/s

    def fail(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def post(self, client: httpx.AsyncClient, url: str, params: dict, headers: dict, t0: float) -> None:
        try:
            response = await client.post(url, data=params, headers=headers)
        except httpx.TransportError as exc:  # a refused or reset connection is a figure, not the end of the run
            self.fail(type(exc).__name__)
            return
        finally:
            self.last = time.perf_counter()
        if response.status_code >= 400:
            self.fail(f"HTTP {response.status_code}")
            return
        self.latencies.append(time.perf_counter() - t0)


async def _load(targets: dict[str, tuple[str, bool]], count: int, concurrency: int, rate: float,
                rng: random.Random) -> dict:
    names = list(targets)
    bodies = {name: _bodies(url, 2 * count + 100, signed) for name, (url, signed) in targets.items()}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = {name: httpx.AsyncClient(limits=limits, timeout=30) for name in names}
    try:
        warm = {name: Tally() for name in names}
        for n in range(100):  # warm up: connections open, caches filled
            for name in names:
                params, headers = bodies[name][-100 + n]
                await warm[name].post(clients[name], targets[name][0], params, headers, time.perf_counter())
        # One schedule for both endpoints: request n of each, in an order drawn per pair.
        order = [(name, n) for n in range(count) for name in rng.sample(names, len(names))]
        paced = {name: Tally() for name in names}
        started = time.perf_counter()
        await _paced(clients, targets, bodies, order, paced, concurrency, rate * len(names))
        paced_wall = time.perf_counter() - started
        saturated = {name: Tally() for name in names}
        saturated_start = time.perf_counter()
        await _saturated(clients, targets, bodies, count, saturated, concurrency, rng)
    finally:
        for client in clients.values():
            await client.aclose()
    out = {}
    for name in names:
        p = _summary(paced[name].latencies, paced_wall)
        s = _summary(saturated[name].latencies, max(1e-9, saturated[name].last - saturated_start))
        errors = {}
        for tally in (warm[name], paced[name], saturated[name]):
            for kind, k in tally.errors.items():
                errors[kind] = errors.get(kind, 0) + k
        out[name] = {**p, "paced_rps": rate, "rps": s["rps"], "saturated_p50_ms": s["p50_ms"],
                     "saturated_p99_ms": s["p99_ms"], "errors": sum(errors.values()), "error_kinds": errors}
    return out


def _bodies(url: str, count: int, signed: bool) -> list[tuple[dict, dict]]:
    validator = RequestValidator(TOKEN)
    out = []
    for n in range(count):
        params = {"MessageSid": f"SM{n:032x}", "AccountSid": "AC" + "0" * 32, "From": PATIENTS[n % len(PATIENTS)],
                  "To": CLINIC, "Body": TEXTS[n % len(TEXTS)], "NumMedia": "0"}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, params)} if signed else {}
        out.append((params, headers))
    return out


async def _paced(clients: dict, targets: dict, bodies: dict, order: list[tuple[str, int]], tallies: dict,
                 concurrency: int, rate: float) -> None:
    """Open loop: arrival i is due at i / rate (both endpoints together); latency counts from that moment,
    so a server that falls behind is charged for the wait."""
    gates = {name: asyncio.Semaphore(concurrency) for name in clients}
    started = time.perf_counter()

    async def one(i: int, name: str, n: int) -> None:
        due = started + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        params, headers = bodies[name][n]
        async with gates[name]:
            await tallies[name].post(clients[name], targets[name][0], params, headers, due)

    await asyncio.gather(*(one(i, name, n) for i, (name, n) in enumerate(order)))


async def _saturated(clients: dict, targets: dict, bodies: dict, count: int, tallies: dict, concurrency: int,
                     rng: random.Random) -> None:
    """Closed loop, both endpoints at once: `concurrency` connections each, every one sending as fast as
    answers come back."""
    async def worker(name: str, queue) -> None:  # noqa: ANN001
        for params, headers in queue:
            await tallies[name].post(clients[name], targets[name][0], params, headers, time.perf_counter())

    queues = {name: iter(bodies[name][count:2 * count]) for name in clients}
    workers = [worker(name, queues[name]) for name in clients for _ in range(concurrency)]
    rng.shuffle(workers)
    await asyncio.gather(*workers)


def _summary(latencies: list[float], wall: float) -> dict:
    if not latencies:
        return {"p50_ms": None, "p99_ms": None, "rps": 0.0}
    latencies.sort()
    return {"p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2),
            "rps": round(len(latencies) / wall, 1)}
