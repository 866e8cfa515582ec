"""`afterglow eval`: run conversation suites against a brain and report where it broke policy.

    afterglow eval run evals/suites [--model offline|provider:model] [--repeat K] [--report DIR] [--junit FILE]

Also runnable on its own: `python -m evals run evals/suites`.
Exit codes: 0 every case passed (every trial), 1 some case failed, 2 invalid suite, model or judge.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(help="Conversation evals: suites written as data, run against any brain.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Conversation evals (suites in evals/suites/*.yaml; see README.md, "For evaluators")."""


@app.command()
def run(
    paths: Annotated[list[Path], typer.Argument(help="Suite files, or directories of *.yaml suites.")],
    model: Annotated[str, typer.Option(help="offline, or provider:model (built by agent.brains.factory).")] = "offline",
    repeat: Annotated[int, typer.Option(min=1, max=100, help="Trials per case; reports pass^1..pass^K.")] = 1,
    report: Annotated[Path | None, typer.Option(help="Write report.json and report.html into this directory.")] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here (for CI).")] = None,
    case: Annotated[str | None, typer.Option("-k", "--case", help="Only cases whose id contains this.")] = None,
    quiet: Annotated[bool, typer.Option(help="Print only failures and the totals line.")] = False,
) -> None:
    """Run suites; exit 0 only when every case passes."""
    from agent.brains.factory import UnknownModel, refuse
    from agent.policy.loader import default_policies
    from evals.judge import JudgeConfigError, judge_from_env
    from evals.reports import write_html, write_json, write_junit
    from evals.runner import Runner
    from evals.suite import SuiteError, load_suites
    from evals.terminal import print_summary

    console = Console(stderr=False)
    err = Console(stderr=True)
    policies = default_policies()
    try:
        suites = load_suites(paths, policies)
        runner = Runner(model=model, policies=policies, judge=judge_from_env(), case_filter=case)
    except SuiteError as exc:
        err.print(Text("invalid suite:", style="bold red"), Text(str(exc)), sep="\n", soft_wrap=True)
        raise typer.Exit(2) from None
    except UnknownModel as exc:
        refuse(exc)  # the same one-line refusal as every other command
    except JudgeConfigError as exc:
        err.print(Text("error:", style="bold red"), Text(str(exc)), soft_wrap=True)
        raise typer.Exit(2) from None
    result = runner.run(suites, repeat=repeat)
    if not result.cases:
        err.print(Text(f"no cases matched -k {case!r}" if case else "no cases to run", style="bold red"))
        raise typer.Exit(1)
    print_summary(result, console, quiet=quiet)
    if report is not None:
        json_path = write_json(result, report / "report.json")
        html_path = write_html(result, report / "report.html")
        console.print(f"reports: {json_path} {html_path}", highlight=False)
    if junit is not None:
        console.print(f"junit: {write_junit(result, junit)}", highlight=False)
    raise typer.Exit(0 if result.passed else 1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
