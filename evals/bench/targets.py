"""Issue 8's targets, checked against measured figures. A missing section is reported, never invented."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    measured: str
    target: str
    met: bool | None
    note: str = ""

    def as_json(self) -> dict:
        return {"name": self.name, "measured": self.measured, "target": self.target, "met": self.met,
                "note": self.note}


def evaluate(figures: dict[str, dict]) -> list[Figure]:
    rows: list[Figure] = []
    for name, check in CHECKS.items():
        if name in figures:
            rows += check(figures[name])
    return rows


def _webhook(f: dict) -> list[Figure]:
    hook, bare = f["webhook"], f["bare"]
    if hook["p99_ms"] is None or bare["p99_ms"] is None:
        return [Figure("webhook p99 / bare p99", f"no answers (errors: webhook {hook.get('error_kinds')}, bare "
                       f"{bare.get('error_kinds')})", "<= 2x", False)]
    ratio = hook["p99_ms"] / bare["p99_ms"] if bare["p99_ms"] else float("inf")
    paced = f"at {f['rate']:.0f} req/s each, {f['concurrency']} connections each"
    mixed = ", interleaved" if f.get("interleaved") else ""
    errors = hook.get("errors", 0) + bare.get("errors", 0)
    return [
        Figure("signed webhook ack p50 / p99", f"{hook['p50_ms']} / {hook['p99_ms']} ms ({paced}{mixed})",
               "p99 <= 50 ms", hook["p99_ms"] <= 50),
        Figure("bare async endpoint (parses the form) p50 / p99",
               f"{bare['p50_ms']} / {bare['p99_ms']} ms (same load, same run)", "reference", None),
        Figure("webhook p99 / bare p99", f"{ratio:.2f}x", "<= 2x (issue 16)", ratio <= 2),
        Figure("saturated requests/s: webhook / bare", f"{hook['rps']} / {bare['rps']} (p99 {hook['saturated_p99_ms']}"
               f" / {bare['saturated_p99_ms']} ms, mostly queueing)", "", None),
        Figure("transport errors / error statuses", f"webhook {hook.get('error_kinds', {})}, bare "
               f"{bare.get('error_kinds', {})}", "0", errors == 0),
    ]


def _turns(f: dict) -> list[Figure]:
    rows = []
    for key, fig in f.items():
        rows.append(Figure(f"turns/s {key.replace('_', ' ')}", f"{fig['turns_per_s']} (p50 {fig['p50_ms']} ms, "
                           f"p99 {fig['p99_ms']} ms)", ">= 200 per worker" if key == "sqlite_1w" else "", (
                               fig["turns_per_s"] >= 200 if key == "sqlite_1w" else None)))
    if "sqlite_1w" in f:
        p50 = f["sqlite_1w"]["p50_ms"]
        rows.append(Figure("offline-brain turn p50 (SQLite, 1 worker)", f"{p50} ms", "p50 < 5 ms", p50 < 5))
    if "postgres_1w" in f and "postgres_2w" in f:
        one, two = f["postgres_1w"]["turns_per_s"], f["postgres_2w"]["turns_per_s"]
        rows.append(Figure("PostgreSQL: 2 workers vs 1", f"{two / one:.2f}x", "> 1x", two > one))
    return rows


def _reader(f: dict) -> list[Figure]:
    return [
        Figure("offline reader: model load", f"{f['load_ms']} ms ({f['features']} features)", "milliseconds",
               f["load_ms"] < 1000),
        Figure("offline reader: one text, model / whole classification",
               f"p50 {f['read_p50_us']} / {f['classify_p50_us']} us (p99 {f['read_p99_us']} / {f['classify_p99_us']} us,"
               f" {f['texts']} held-out texts)", "", None),
    ]


def _overhead(f: dict) -> list[Figure]:
    return [Figure("engine overhead per turn, LLM path (real HTTP, instant server)", f"p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms",
                   "p50 <= 5 ms", f["p50_ms"] <= 5),
            Figure("  the same, the engine's CPU only (its threads)", f"p50 {f.get('cpu_p50_ms', '-')} ms", "", None),
            *([Figure("  the same against a 20 ms model (its time subtracted)",
                      f"p50 {f['model_20ms']['p50_ms']} ms, p99 {f['model_20ms']['p99_ms']} ms", "", None)]
              if "model_20ms" in f else [])]


def _guards(f: dict) -> list[Figure]:
    return [Figure("guard chain per outbound message", f"{f['median_us']} us (slowest draft {f['slowest_draft_us']} us)",
                   "<= 200 us", f["median_us"] <= 200)]


def _economy(f: dict) -> list[Figure]:
    return [
        Figure("model calls per turn that calls the model", f"{f['calls_per_turn']} ({f['calls_per_patient_turn']} "
               f"over all {f['patient_turns']} patient turns)", "<= 1.1", f["calls_per_turn"] <= 1.1),
        Figure("prompt tokens per call (mean / p95 / max)",
               f"{f['prompt_tokens_mean']} / {f['prompt_tokens_p95']} / {f['prompt_tokens_max']}", "<= 1,500",
               f["prompt_tokens_p95"] <= 1500, "" if f["prompt_tokens_max"] <= 1500 else
               "(max over: long histories; the count includes raw tool JSON, an upper bound)"),
        Figure("completion tokens per call (mean)", f"{f['completion_tokens_mean']}", "", None),
        Figure("turns needing a repair call", f"{f['repair_share_pct']}%", "", None),
    ]


def _suites(f: dict) -> list[Figure]:
    return [Figure("shipped eval suites, offline", f"{f['wall_s']} s ({f['cases']} cases, {f['turns']} turns)",
                   "<= 10 s", f["wall_s"] <= 10)]


def _memory(f: dict) -> list[Figure]:
    return [
        Figure("API RSS at rest", f"{f['rss_rest_mb']} MB", "<= 200 MB", f["rss_rest_mb"] <= 200),
        Figure(f"API RSS after {f['turns']:,} turns", f"{f['rss_after_mb']} MB (+{f['growth_second_half_mb']} MB "
               "in the second half)", "<= 200 MB, flat", f["rss_after_mb"] <= 200 and f["growth_second_half_mb"] <= 5),
    ]


def _production(f: dict) -> list[Figure]:
    rows: list[Figure] = []
    setups = f["setups"]
    for label, s in setups.items():
        if s["prod_p50_ms"] is None or s["engine_p50_ms"] is None:
            rows.append(Figure(f"production turn, {label}", "no turns measured", "", False))
            continue
        ratio = s["prod_p50_ms"] / s["engine_p50_ms"]
        rows.append(Figure(
            f"production turn p50 / p99, {s['engine']} {s['patients']:,} patients",
            f"{s['prod_p50_ms']} / {s['prod_p99_ms']} ms (ack {s['ack_p50_ms']} + step {s['step_p50_ms']}; "
            f"engine-only {s['engine_p50_ms']} / {s['engine_p99_ms']} ms; idle step {s['idle_step_p50_ms']} ms)"
            + (f"; {s['misses']} without a reply" if s["misses"] else ""), "", None))
        phases, st = s.get("step_phases_p50_ms", {}), s.get("statements", {})
        if phases and st:
            rows.append(Figure(
                f"  where the step goes, {s['engine']} {s['patients']:,}",
                f"inbound {phases.get('inbound')} / outbox {phases.get('outbox')} / realert {phases.get('realert')} ms;"
                f" statements {st['production_turn']} vs {st['engine_turn']} engine-only (transactions "
                f"{st['production_turn_checkouts']} vs {st['engine_turn_checkouts']}; idle step "
                f"{st['idle_step']} in {st['idle_step_checkouts']})", "", None))
        rows.append(Figure(f"production / engine-only p50, {s['engine']} {s['patients']:,}", f"{ratio:.2f}x",
                           "<= 2x", ratio <= 2 and not s["misses"]))
    for engine in f.get("engines", []):
        mine = sorted((s for s in setups.values() if s["engine"] == engine), key=lambda s: s["patients"])
        if len(mine) < 2 or mine[0]["prod_p50_ms"] is None or mine[-1]["prod_p50_ms"] is None:
            continue
        empty, big = mine[0], mine[-1]
        ratio = big["prod_p50_ms"] / empty["prod_p50_ms"]
        rows.append(Figure(f"worker-path turn p50 at {big['patients']:,} / {empty['patients']:,} patients, {engine}",
                           f"{ratio:.2f}x ({big['prod_p50_ms']} / {empty['prod_p50_ms']} ms)", "<= 1.3x",
                           ratio <= 1.3 if big["patients"] >= 100_000 else None,
                           "" if big["patients"] >= 100_000 else "(target is at 100,000)"))
    touches = f.get("due_touches")
    if touches:
        big = touches["size"] >= 100_000
        rows.append(Figure(f"due touches/s, PostgreSQL {touches['size']:,} patients, {touches['workers']} workers",
                           f"{touches['per_s']} ({touches['tried']} tried, {touches['sent']} sent, "
                           f"{touches['wall_s']} s; {touches.get('outbox_share', 0):.0%} of the workers' time sending)",
                           ">= 200", touches["per_s"] >= 200 if big else None,
                           "" if big else "(target is at 100,000)"))
    if "postgres_error" in f:
        rows.append(Figure("production section on PostgreSQL", f["postgres_error"], "measured", False))
    return rows


CHECKS = {"webhook": _webhook, "turns": _turns, "overhead": _overhead, "guards": _guards, "reader": _reader,
          "economy": _economy, "suites": _suites, "memory": _memory,
          "production": _production}
