"""report.json (the issue's shape, plus extra keys), JUnit XML for CI, and the self-contained HTML report.

report.json:
    {suite, model, cases: [{id, passed, failures: [..], turns: [{input, intents, replies: [{body, asks,
     segments, disposition}], tools: [{name, args}], handoffs: [{queue, priority}], referrals: [names]}]}],
     usage: {calls, prompt_tokens, completion_tokens}}
Extra keys: per case `suite`, `description`, `pass_hat_k`, `trials` (with --repeat), `judge`; per turn
`n`, `kind`, `at`, `expect`, `failures`, `usage`, `touches`, ...; top level `suites`, `pass_hat_k`, `checks`,
`intents`, `confusion`, `per_turn`, `judge`, `repeat`, `wall_s`.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from evals.results import CaseResult, RunResult, TrialResult
from evals.stats import summarise, window

__all__ = ["report_dict", "write_json", "write_junit", "write_html", "TEMPLATES"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _k(values: dict[int, float]) -> dict[str, float]:
    return {str(k): round(v, 4) for k, v in values.items()}


def _turns(trial: TrialResult, price: dict | None) -> list[dict]:
    out = []
    for turn in trial.turns:
        turn = dict(turn)
        usage = dict(turn["usage"])
        usage["cost_usd"] = None if price is None else round(
            (usage["prompt_tokens"] * price["prompt"] + usage["completion_tokens"] * price["completion"]) / 1e6, 8)
        turn["usage"] = usage
        out.append(turn)
    return out


def _case(case: CaseResult, run: RunResult) -> dict:
    shown = case.representative
    data = {"id": case.id, "suite": case.suite, "description": case.description, "passed": case.passed,
            "failures": shown.failures, "turns": _turns(shown, run.price), "usage": shown.usage,
            "wall_ms": round(shown.wall_ms, 2), "pass_hat_k": _k(case.pass_hat()),
            "trial": case.trials.index(shown) + 1}
    if len(case.trials) > 1:
        data["trials"] = [{"trial": i, "passed": t.passed, "failures": t.failures, "usage": t.usage,
                           "turns": _turns(t, run.price)} for i, t in enumerate(case.trials, start=1)]
    if case.judge is not None:
        data["judge"] = case.judge
    return data


def report_dict(run: RunResult) -> dict:
    summary = summarise(run)
    usage = run.usage()
    names = [s.name for s in run.suites]
    return {
        "suite": names[0] if len(names) == 1 else ", ".join(names),
        "model": run.model,
        "cases": [_case(c, run) for c in run.cases],
        "usage": {**usage, "cost_usd": run.cost(usage), "turns": summary.turns},
        "passed": run.passed,
        "repeat": run.repeat,
        "pass_hat_k": _k(run.pass_hat()),
        "suites": [{"suite": s.name, "path": s.path, "passed": s.passed, "cases": len(s.cases),
                    "cases_passed": sum(c.passed for c in s.cases), "pass_hat_k": _k(s.pass_hat())}
                   for s in run.suites],
        "checks": {k: {"passed": p, "evaluated": n} for k, (p, n) in summary.checks.items()},
        "intents": summary.intents,
        "confusion": {row: dict(counts) for row, counts in summary.confusion.items()},
        "per_turn": summary.per_turn,
        "price_per_million": run.price,
        "judge": {"model": run.judge_model, "usage": run.judge_usage,
                  "note": "judged checks are reported apart and never change pass/fail"} if run.judge_model else None,
        "wall_s": round(run.wall_s, 3),
    }


def write_json(run: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report_dict(run), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ JUnit


def _transcript_text(turns: list[dict]) -> str:
    lines = []
    for turn in turns:
        label = {"patient": "patient", "agent": f"touch {turn['input']}", "advance": f"advance {turn['input']}",
                 "staff": f"staff {turn['input']}"}
        head = f"[turn {turn['n']} {turn['at']}] {label[turn['kind']]}"
        if turn["kind"] == "patient":
            intents = ", ".join(i["intent"] for i in turn["intents"])
            head += f": {turn['input']!r} -> {intents or '-'}"
        lines.append(head)
        for reply in turn["replies"]:
            lines.append(f"    agent ({reply['disposition']}, asks: {', '.join(reply['asks']) or 'none'}): {reply['body']}")
        for handoff in turn["handoffs"]:
            lines.append(f"    handoff: {handoff['queue']} / {handoff['priority']}")
        for failure in turn["failures"]:
            lines.append(f"    FAIL {failure['message']}")
    return "\n".join(lines)


def write_junit(run: RunResult, path: Path) -> Path:
    root = ET.Element("testsuites", name=f"afterglow evals ({run.model})", tests=str(len(run.cases)),
                      failures=str(sum(not c.passed for c in run.cases)), time=f"{run.wall_s:.3f}")
    for suite in run.suites:
        seconds = sum(t.wall_ms for c in suite.cases for t in c.trials) / 1000
        node = ET.SubElement(root, "testsuite", name=suite.name, tests=str(len(suite.cases)),
                             failures=str(sum(not c.passed for c in suite.cases)), errors="0",
                             time=f"{seconds:.3f}", file=suite.path)
        props = ET.SubElement(node, "properties")
        ET.SubElement(props, "property", name="model", value=run.model)
        for k, v in suite.pass_hat().items():
            ET.SubElement(props, "property", name=f"pass^{k}", value=f"{v:.4f}")
        for case in suite.cases:
            seconds = sum(t.wall_ms for t in case.trials) / 1000
            test = ET.SubElement(node, "testcase", classname=f"evals.{suite.name}", name=case.id, time=f"{seconds:.3f}")
            if not case.passed:
                shown = case.representative
                first = shown.failures[0]["message"] if shown.failures else "failed"
                failure = ET.SubElement(test, "failure", message=first,
                                        type=", ".join(sorted({f["check"] for f in shown.failures})))
                trials = f"{case.passes}/{len(case.trials)} trials passed\n" if len(case.trials) > 1 else ""
                failure.text = (trials + "\n".join(f["message"] for f in shown.failures)
                                + "\n\n" + _transcript_text(shown.turns))
            if case.judge is not None:
                ET.SubElement(test, "system-out").text = "judge (not part of pass/fail): " + json.dumps(case.judge)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


# ------------------------------------------------------------------------------------ HTML


def write_html(run: RunResult, path: Path) -> Path:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    html = env.get_template("report.html.j2").render(
        run=run, report=report_dict(run), summary=summarise(run), window=window)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
