"""Shared helpers for the eval tests: write a suite, run it, build scripted brains per case."""
from __future__ import annotations

import textwrap
from pathlib import Path

from agent.policy.loader import default_policies
from evals.results import RunResult
from evals.runner import Runner
from evals.suite import load_suites


def write_suite(directory: Path, text: str, name: str = "suite.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def run(path: Path, **kwargs) -> RunResult:  # noqa: ANN003
    repeat = kwargs.pop("repeat", 1)
    return Runner(**kwargs).run(load_suites([path], default_policies()), repeat=repeat)


def only_case(result: RunResult):  # noqa: ANN201
    assert len(result.cases) == 1
    return result.cases[0]


def failed_checks(result: RunResult) -> set[str]:
    return {f["check"] for case in result.cases for trial in case.trials for f in trial.failures}
