"""Issue 16: `afterglow bench --only production` runs the production path end to end and writes its figures.

Small sizes (the figures are not asserted, only that each was measured): a signed webhook through the
real app to the reply sent by Worker.step, engine-only turns beside it, due touches with two worker
processes on PostgreSQL, and the EXPLAIN plans of the three hot queries.
"""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evals.bench import cli
from evals.bench.production import HOT, measure
from evals.bench.targets import evaluate
from tests.conftest import PG_ADMIN_URL

SIZES = (0, 200)
TURNS = 3


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pg_admin(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    request.getfixturevalue("pg_url")  # skips, or fails under CI, without a server
    return PG_ADMIN_URL


def test_production_section_writes_its_figures(pg_admin: str | None, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setitem(cli.SECTIONS, "production",
                        lambda quick: measure(sizes=SIZES, turns=TURNS, due=10, pg_admin_url=pg_admin))
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli.app, ["--only", "production", "--out", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())["figures"]["production"]
    engines = ["sqlite"] + (["postgres"] if pg_admin else [])
    assert figures["engines"] == sorted(engines)
    assert set(figures["setups"]) == {f"{e}_{n}" for e in engines for n in SIZES}
    for setup in figures["setups"].values():
        assert setup["turns"] == TURNS and setup["misses"] == 0  # every webhook got its reply sent
        assert setup["prod_p50_ms"] > setup["engine_p50_ms"] > 0
        assert setup["step_phases_p50_ms"]["inbound"] > 0 and setup["step_phases_p50_ms"]["outbox"] > 0
        assert setup["statements"]["production_turn"] > setup["statements"]["engine_turn"] > 0
    for engine in engines:
        plans = figures["plans"][f"{engine}_{max(SIZES)}"]
        assert set(plans) == set(HOT)
        assert all(plan and plan != "(not sent)" for plan in plans.values()), plans
    if pg_admin:
        touches = figures["due_touches"]
        assert touches["workers"] == 2 and touches["due"] == 10 and touches["tried"] == touches["sent"] == 10
    else:
        assert figures["due_touches"] is None
    names = [row.name for row in evaluate({"production": figures})]
    assert any(name.startswith("production / engine-only p50") for name in names)
    assert "EXPLAIN" in result.output
