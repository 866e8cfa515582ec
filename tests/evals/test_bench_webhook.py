"""The webhook bench survives transport errors: they are counted per endpoint, never the end of the run."""
from __future__ import annotations

import asyncio
import random

from evals.bench.server import free_port
from evals.bench.targets import evaluate
from evals.bench.webhook import Tally, _load


def test_a_refused_connection_is_counted_not_raised() -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    targets = {"webhook": (dead + "/webhooks/twilio/sms", True), "bare": (dead + "/bare", False)}
    figures = asyncio.run(_load(targets, 5, 2, 500.0, random.Random(1)))
    for name in ("webhook", "bare"):
        assert figures[name]["p99_ms"] is None
        assert figures[name]["errors"] == 110  # 100 warm-up, 5 paced, 5 saturated
        assert set(figures[name]["error_kinds"]) == {"ConnectError"}
    rows = evaluate({"webhook": {**figures, "requests": 5, "concurrency": 2, "rate": 500.0}})
    assert [row.met for row in rows] == [False]


def test_tally_counts_error_statuses() -> None:
    tally = Tally()
    tally.fail("HTTP 503")
    tally.fail("HTTP 503")
    assert tally.errors == {"HTTP 503": 2} and not tally.latencies
