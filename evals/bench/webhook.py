"""Signed inbound webhooks under load against the real API (uvicorn on loopback), next to a bare FastAPI
endpoint measured the same way in the same run: the ratio of their p99s is the figure.

Two loads per endpoint, 50 concurrent connections each:
- paced: requests arrive at a fixed rate (open loop; latency counted from the scheduled arrival, so a
  server that falls behind is charged for the wait) -- the latency figures;
- saturated: every connection sends as fast as answers come back (closed loop) -- the requests/s
  ceiling. Its latencies are mostly queueing (Little's law: 50 in flight / throughput).

The API runs as in scale-out (AFTERGLOW_INPROCESS_WORKER=false): the webhook verifies the signature,
routes by To, records the durable inbound job and answers; turns run in workers, not in this figure.
"""
from __future__ import annotations

import asyncio
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


def measure(requests: int = 5_000, concurrency: int = 50, rate: float = 200.0) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/hook.db", "AFTERGLOW_ENV": "local", "AFTERGLOW_INPROCESS_WORKER":
               "false", "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ""}
        with serve("evals.bench.bare:app", {}, factory=False) as (bare_base, _):
            bare = asyncio.run(_load(bare_base, "/bare", requests, concurrency, rate, signed=False))
        port = free_port()
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"  # what the signature covers
        with serve("api.app:create_app", env, port=port) as (base, _):
            hook = asyncio.run(_load(base, "/webhooks/twilio/sms", requests, concurrency, rate, signed=True))
    return {"webhook": hook, "bare": bare, "requests": requests, "concurrency": concurrency, "rate": rate}


async def _load(base: str, path: str, count: int, concurrency: int, rate: float, *, signed: bool) -> dict:
    url = base + path
    bodies = _bodies(url, 2 * count + 100, signed)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for params, headers in bodies[-100:]:  # warm up: connections open, caches filled
            (await client.post(url, data=params, headers=headers)).raise_for_status()
        paced = await _paced(client, url, bodies[:count], concurrency, rate)
        saturated = await _saturated(client, url, bodies[count:2 * count], concurrency)
    return {**paced, "rps": saturated["rps"], "saturated_p50_ms": saturated["p50_ms"],
            "saturated_p99_ms": saturated["p99_ms"]}


def _bodies(url: str, count: int, signed: bool) -> list[tuple[dict, dict]]:
    validator = RequestValidator(TOKEN)
    out = []
    for n in range(count):
        params = {"MessageSid": f"SM{n:032x}", "AccountSid": "AC" + "0" * 32, "From": PATIENTS[n % len(PATIENTS)],
                  "To": CLINIC, "Body": TEXTS[n % len(TEXTS)], "NumMedia": "0"}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, params)} if signed else {}
        out.append((params, headers))
    return out


async def _paced(client: httpx.AsyncClient, url: str, bodies: list, concurrency: int, rate: float) -> dict:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    started = time.perf_counter()

    async def one(n: int, params: dict, headers: dict) -> None:
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        async with gate:
            response = await client.post(url, data=params, headers=headers)
        latencies.append(time.perf_counter() - due)  # from the scheduled arrival: queueing counts
        response.raise_for_status()

    await asyncio.gather(*(one(n, p, h) for n, (p, h) in enumerate(bodies)))
    return _summary(latencies, time.perf_counter() - started) | {"paced_rps": rate}


async def _saturated(client: httpx.AsyncClient, url: str, bodies: list, concurrency: int) -> dict:
    latencies: list[float] = []
    queue = iter(bodies)
    started = time.perf_counter()

    async def worker() -> None:
        for params, headers in queue:
            t0 = time.perf_counter()
            response = await client.post(url, data=params, headers=headers)
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return _summary(latencies, time.perf_counter() - started)


def _summary(latencies: list[float], wall: float) -> dict:
    latencies.sort()
    return {"p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
            "rps": round(len(latencies) / wall, 1)}
