"""`afterglow bench`: every figure of issue 8 measured in one run, printed as a table and saved as JSON."""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from evals.bench.targets import Figure, evaluate

app = typer.Typer(help="Benchmarks: figures anyone can rerun, side by side with their targets.")
PG_ADMIN_URL = os.environ.get("AFTERGLOW_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _guards(quick: bool) -> dict:
    from evals.bench.guards import measure

    return measure(rounds=50 if quick else 300)


def _turns(quick: bool) -> dict:
    from evals.bench.turns import PostgresDatabase, measure, sqlite_url

    per_worker = 60 if quick else 200
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            out[f"sqlite_{workers}w"] = measure(sqlite_url(tmp), workers, per_worker * 2 // workers)
    for workers in (1, 2):
        with PostgresDatabase(PG_ADMIN_URL) as url:
            out[f"postgres_{workers}w"] = measure(url, workers, per_worker * 2 // workers)
    return out


def _suites(quick: bool) -> dict:
    """Wall time of the shipped suites on the offline brain, loading included (what `make eval` waits for)."""
    from agent.policy.loader import default_policies
    from evals.runner import Runner
    from evals.suite import load_suites

    started = time.perf_counter()
    policies = default_policies()
    result = Runner(policies=policies).run(load_suites([Path("evals/suites")], policies))
    wall = time.perf_counter() - started
    turns = sum(len(t.turns) for c in result.cases for t in c.trials)
    return {"wall_s": round(wall, 2), "cases": len(result.cases), "turns": turns,
            "passed": sum(c.passes == len(c.trials) for c in result.cases)}


def _memory(quick: bool) -> dict:
    from evals.bench.memory import measure

    return measure(turns=2_000 if quick else 10_000)


def _overhead(quick: bool) -> dict:
    from evals.bench.llm import overhead

    found = overhead(turns=300 if quick else 1500)
    # The same turns against a model that takes 20 ms: what a turn costs beyond the model's own time when
    # there is a wait to hide work behind (the engine's reading runs during the call; agent/engine/reading.py).
    found["model_20ms"] = overhead(turns=300, model_ms=20)
    return found


def _economy(quick: bool) -> dict:
    from evals.bench.llm import economy

    return economy()


def _reader(quick: bool) -> dict:
    from evals.bench.reader import measure

    return measure(rounds=1 if quick else 3)


def _webhook(quick: bool) -> dict:
    from evals.bench.webhook import measure

    return measure(requests=1_000 if quick else 5_000)


def _production(quick: bool) -> dict:
    from evals.bench.production import measure

    if quick:  # 10k and 100k take minutes to fill: a smoke run stops at 1,000
        return measure(sizes=(0, 1_000), turns=20, due=200, pg_admin_url=PG_ADMIN_URL)
    return measure(sizes=(0, 10_000, 100_000), turns=100, due=2_000, pg_admin_url=PG_ADMIN_URL)


SECTIONS: dict[str, Callable[[bool], dict]] = {
    "webhook": _webhook,
    "overhead": _overhead,
    "guards": _guards,
    "reader": _reader,
    "economy": _economy,
    "turns": _turns,
    "suites": _suites,
    "memory": _memory,
    "production": _production,
}


@app.command()
def bench(
    only: Annotated[list[str] | None, typer.Option(help=f"Run only these sections: {', '.join(SECTIONS)}.")] = None,
    quick: Annotated[bool, typer.Option(help="Smaller runs (a smoke check; figures are noisier).")] = False,
    out: Annotated[Path, typer.Option(help="Where to write the JSON figures.")] = Path("var/bench/latest.json"),
) -> None:
    """Measure and print every benchmark (takes a few minutes on a 2-core machine)."""
    chosen = only or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        raise typer.BadParameter(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}", param_hint="--only")
    console = Console()
    figures: dict[str, dict] = {}
    for name in chosen:
        console.print(f"[dim]measuring {name}...[/dim]")
        figures[name] = SECTIONS[name](quick)
    report = {"machine": machine(), "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "quick": quick, "figures": figures, "targets": [f.as_json() for f in evaluate(figures)]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    console.print(table(evaluate(figures), report["machine"]))
    for label, plans in figures.get("production", {}).get("plans", {}).items():
        for query, plan in plans.items():
            console.print(f"[bold]EXPLAIN[/bold] {label} — {query}:\n{plan}", markup=True, highlight=False)
    console.print(f"JSON: {out}")


def table(rows: list[Figure], host: dict) -> Table:
    t = Table(title=f"Afterglow benchmarks — {host['cpu']} ({host['cores']} cores), Python {host['python']}")
    for column in ("figure", "measured", "target", "verdict"):
        t.add_column(column)
    for row in rows:
        verdict = {True: "[green]met[/green]", False: "[red]missed[/red]", None: "-"}[row.met]
        t.add_row(row.name, row.measured, row.target, verdict + (f" {row.note}" if row.note else ""))
    return t


def machine() -> dict:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        mem = f"{int(meminfo.read_text().split()[1]) / 1024 / 1024:.0f} GiB"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "system": platform.platform()}
