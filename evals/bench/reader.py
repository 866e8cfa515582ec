"""The offline reader's own costs: loading the shipped model, reading one text with it, and a whole
classification (rules + model + referral extraction), over the held-out texts (read, never trained on)."""
from __future__ import annotations

import statistics
import time

from agent.brains.offline.classify import classify
from agent.nlu.data import load_examples
from agent.nlu.reader import SHIPPED_MODEL_DIR, Reader
from agent.nlu.train import Artifact
from agent.paths import ROOT
from agent.policy.loader import default_policies


def measure(rounds: int = 3) -> dict:
    policies = default_policies()
    families = frozenset(s.id for s in policies.triage.red_flags)
    texts = [e.text for e in load_examples(ROOT / "evals" / "nlu" / "heldout", families)]
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        reader = Reader.load(Artifact.at(SHIPPED_MODEL_DIR))
        loads.append((time.perf_counter() - started) * 1000)
    reads, classified = [], []
    for n in range(rounds):
        for text in texts:
            fresh = f"{text} {n}"  # defeats the per-text memo: every read is a real one
            started = time.perf_counter()
            reader.read(fresh)
            reads.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            classify(fresh, policies)
            classified.append((time.perf_counter() - started) * 1e6)
    return {"load_ms": round(min(loads), 1), "features": len(reader.index), "texts": len(texts),
            "read_p50_us": round(statistics.median(reads), 1),
            "read_p99_us": round(statistics.quantiles(reads, n=100)[98], 1),
            "classify_p50_us": round(statistics.median(classified), 1),
            "classify_p99_us": round(statistics.quantiles(classified, n=100)[98], 1)}
