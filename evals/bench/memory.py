"""API process memory: RSS at rest and after 10,000 patient turns (should stay flat beyond noise)."""
from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import httpx

from evals.bench.server import rss_mb, serve

MESSAGES = ("Honestly loving it!", "ok thanks", "it's a bit swollen still, is that normal?", "what are your hours?",
            "my friend Kim wants to come in", "can I book my next one?", "love it 😍", "thanks!", "STOP", "START")
API_KEY = "bench-demo-key"


def measure(turns: int = 10_000, patients: int = 500, concurrency: int = 4) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/mem.db", "AFTERGLOW_ENV": "local", "AFTERGLOW_MODEL": "offline",
               "AFTERGLOW_DEMO_API_KEY": API_KEY, "AFTERGLOW_INPROCESS_WORKER": "true",
               "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
        with serve("api.app:create_app", env) as (base, pid), httpx.Client(base_url=base, timeout=30) as client:
            ids = [_visit(client, n) for n in range(patients)]
            _turns(base, ids, 200, concurrency)  # warm up: lexicons compiled, pools filled
            figures = {"rss_rest_mb": round(rss_mb(pid), 1)}
            _turns(base, ids, turns // 2, concurrency)
            figures["rss_half_mb"] = round(rss_mb(pid), 1)
            _turns(base, ids, turns - turns // 2, concurrency)
            figures["rss_after_mb"] = round(rss_mb(pid), 1)
    figures["turns"] = turns
    figures["growth_second_half_mb"] = round(figures["rss_after_mb"] - figures["rss_half_mb"], 1)
    return figures


def _visit(client: httpx.Client, n: int) -> int:
    payload = {"external_id": f"bench-{n}", "visit_type": "neuromodulator", "treatment": "Botox",
               "occurred_at": "2026-03-01T10:00:00",
               "patient": {"phone": f"+1415{5560000 + n}", "first_name": "Pat", "marketing_consent": True}}
    response = client.post("/api/visits", json=payload, headers={"X-API-Key": API_KEY})
    response.raise_for_status()
    return response.json()["patient_id"]


def _turns(base: str, ids: list[int], count: int, concurrency: int) -> None:
    def run(share: range) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            for i in share:
                pid = ids[i % len(ids)]
                client.post(f"/dev/patients/{pid}/messages", json={"body": MESSAGES[(i // len(ids)) % len(MESSAGES)]}
                            ).raise_for_status()

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(run, [range(k, count, concurrency) for k in range(concurrency)]))


if __name__ == "__main__":  # pragma: no cover - manual run
    print(measure(turns=int(os.environ.get("TURNS", "2000"))))
