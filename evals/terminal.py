"""The terminal summary: suites, pass rate per check and per intent, the intent confusion matrix, usage,
judged checks (apart), and every failure with the transcript around it."""
from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.types import Disposition
from evals.results import CaseResult, RunResult
from evals.stats import Summary, summarise, window

__all__ = ["print_summary"]


def _rate(passed: int, total: int) -> Text:
    share = passed / total if total else 1.0
    return Text(f"{100 * share:.1f}%", style="green" if passed == total else "bold red")


def _suites(run: RunResult) -> Table:
    table = Table(title=f"Suites on {run.model}" + (f" (repeat {run.repeat})" if run.repeat > 1 else ""))
    for col in ("suite", "cases", "passed"):
        table.add_column(col, justify="left" if col == "suite" else "right")
    ks = list(run.pass_hat())
    for k in ks:
        table.add_column(f"pass^{k}", justify="right")
    for suite in run.suites:
        passed = sum(c.passed for c in suite.cases)
        table.add_row(suite.name, str(len(suite.cases)), _rate(passed, len(suite.cases)),
                      *[f"{v:.3f}" for v in suite.pass_hat().values()])
    passed = sum(c.passed for c in run.cases)
    table.add_row(Text("all", style="bold"), str(len(run.cases)), _rate(passed, len(run.cases)),
                  *[f"{v:.3f}" for v in run.pass_hat().values()])
    return table


def _checks(summary: Summary) -> Table:
    table = Table(title="Exact checks")
    table.add_column("check")
    table.add_column("passed", justify="right")
    table.add_column("rate", justify="right")
    for name, (passed, total) in summary.checks.items():
        table.add_row(name, f"{passed}/{total}", _rate(passed, total))
    return table


def _intents(summary: Summary) -> Table:
    table = Table(title="Per expected intent")
    table.add_column("intent")
    table.add_column("turns", justify="right")
    table.add_column("intent right", justify="right")
    table.add_column("turn passed", justify="right")
    for name, row in summary.intents.items():
        table.add_row(name, str(row["turns"]), _rate(row["correct"], row["turns"]), _rate(row["passed"], row["turns"]))
    return table


def _confusion(summary: Summary) -> Table:
    table = Table(title="Intent confusion (rows expected, columns observed)", caption=_legend(summary.labels),
                  box=box.SIMPLE_HEAD, padding=(0, 0, 0, 1))
    table.add_column("expected", no_wrap=True, min_width=len(max(summary.labels, key=len, default="")))
    for label in summary.labels:
        short = ABBREVIATIONS.get(label, label)
        table.add_column(short, justify="right", no_wrap=True, min_width=len(short))
    for row in summary.labels:
        if row not in summary.confusion:
            continue
        cells = []
        for col in summary.labels:
            n = summary.confusion[row][col]
            style = "" if not n else "green" if row == col else "bold red"
            cells.append(Text(str(n) if n else "·", style=style))
        table.add_row(row, *cells)
    return table


ABBREVIATIONS = {"positive": "pos", "neutral": "neu", "concern": "con", "urgent": "urg", "unhappy": "unh",
                 "referral": "ref", "booking": "book", "service_interest": "svc", "question": "q", "decline": "dec",
                 "opt_out": "out", "help": "help", "opt_in": "in", "wrong_number": "wrong", "other": "oth"}


def _legend(labels: list[str]) -> str:
    return "  ".join(f"{ABBREVIATIONS.get(label, label)}={label}" for label in labels)


def _usage(run: RunResult, summary: Summary) -> Text:
    usage = run.usage()
    cost = run.cost(usage)
    per = summary.per_turn
    cost_text = "unknown price (add the model to evals/prices.yaml)" if cost is None else f"${cost:.4f}"
    per_cost = "" if per["cost_usd"] is None else f", ${per['cost_usd']:.6f}"
    return Text(f"usage: {usage['calls']} model calls, {usage['prompt_tokens']} prompt + "
                f"{usage['completion_tokens']} completion tokens, {cost_text}; per turn: {per['tokens']:.1f} tokens"
                f"{per_cost}, {per['latency_ms']:.1f} ms model latency, {per['wall_ms']:.1f} ms wall; "
                f"{summary.turns} turns in {run.wall_s:.2f} s")


def _judge(run: RunResult) -> Table | None:
    judged = [c for c in run.cases if c.judge]
    if not judged:
        return None
    table = Table(title=f"Judged checks by {run.judge_model} (apart from exact checks; never change pass/fail)")
    for col in ("case", "tone", "referral ask", "why"):
        table.add_column(col)
    for case in judged:
        j = case.judge
        table.add_row(f"{case.suite}/{case.id}", j.get("tone", "-"), j.get("referral_ask", "-"), j.get("rationale", ""))
    return table


def _failure(case: CaseResult) -> Panel:
    trial = case.representative
    lines: list[Text] = []
    if len(case.trials) > 1:
        lines.append(Text(f"{case.passes}/{len(case.trials)} trials passed; showing trial "
                          f"{case.trials.index(trial) + 1}", style="dim"))
    for failure in trial.failures:
        lines.append(Text("✗ " + failure["message"], style="bold red"))
    for turn in window(trial):
        lines.append(_turn_line(turn))
        for reply in turn["replies"]:
            tag = {Disposition.SEND: "agent", Disposition.REPAIR: "agent (repaired)", Disposition.HOLD: "HELD",
                   Disposition.BLOCK: "BLOCKED"}.get(reply["disposition"], reply["disposition"])
            lines.append(Text(f"      {tag}: {reply['body'] or '-'}  [asks: {', '.join(reply['asks']) or 'none'}]"))
        for handoff in turn["handoffs"]:
            lines.append(Text(f"      handoff: {handoff['queue']} / {handoff['priority']}", style="dim"))
    return Panel(Group(*lines), title=f"[bold red]FAIL[/] {case.suite} / {case.id}", subtitle=case.description or None,
                 title_align="left", expand=True)


def _turn_line(turn: dict) -> Text:
    marker = "✗" if turn["failures"] else " "
    at = turn["at"][5:16].replace("T", " ")
    if turn["kind"] == "patient":
        intents = ", ".join(i["intent"] for i in turn["intents"]) or "-"
        return Text(f"  {marker} {turn['n']:>2} {at} patient: {turn['input']}  → {intents}",
                    style="red" if turn["failures"] else "")
    what = {"agent": f"touch {turn['input']}", "advance": f"clock +{turn['input']}",
            "staff": f"staff {turn['input']}"}[turn["kind"]]
    if turn.get("touches") and turn["kind"] == "advance":
        what += f" (sent: {', '.join(turn['touches'])})"
    return Text(f"  {marker} {turn['n']:>2} {at} {what}", style="red" if turn["failures"] else "")


def print_summary(run: RunResult, console: Console | None = None, *, quiet: bool = False) -> None:
    console = console or Console()
    summary = summarise(run)
    if quiet:
        for case in run.cases:
            if not case.passed:
                console.print(_failure(case))
        console.print(Text(f"{sum(c.passed for c in run.cases)}/{len(run.cases)} cases passed",
                           style="bold green" if run.passed else "bold red"))
        return
    console.print(_suites(run))
    console.print(_checks(summary))
    if summary.intents:
        console.print(_intents(summary))
        console.print(_confusion(summary))
    console.print(_usage(run, summary))
    judge = _judge(run)
    if judge is not None:
        console.print(judge)
    for case in run.cases:
        if not case.passed:
            console.print(_failure(case))
    passed = sum(c.passed for c in run.cases)
    style = "bold green" if run.passed else "bold red"
    console.print(Text(f"{passed}/{len(run.cases)} cases passed", style=style))
