"""`afterglow nlu`: train the reader from policies/nlu/ and score it on the held-out split.

    afterglow nlu train [--data policies/nlu] [--out agent/nlu/model]
    afterglow nlu eval [--split evals/nlu/heldout] [--names evals/nlu/referral_names.yml] [--json FILE] [--misses N]

Exit codes: 0 ok; 1 (eval) a target missed; 2 invalid data.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from agent.paths import POLICY_DIR, ROOT

app = typer.Typer(help="The offline reader: training data as files, a trained model, held-out scores.",
                  no_args_is_help=True)

HELDOUT = ROOT / "evals" / "nlu" / "heldout"
NAMES = ROOT / "evals" / "nlu" / "referral_names.yml"
# Done-when of the reader (README "Reading patients"): what `nlu eval` holds the reader to.
TARGETS = {"red_flag_recall": 1.0, "opt_out_recall": 1.0, "accuracy": 0.92}


def _families() -> frozenset[str]:
    from agent.policy.loader import default_policies

    return frozenset(s.id for s in default_policies().triage.red_flags)


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="Directory of example files.")] = POLICY_DIR / "nlu",
    out: Annotated[Path, typer.Option(help="Where to write reader.npz and reader.json.")] = (
        ROOT / "agent" / "nlu" / "model"),
) -> None:
    """Train the reader on every file under --data (deterministic: same files, same model)."""
    from agent.nlu.data import NluDataError
    from agent.nlu.train import train as fit_reader

    try:
        artifact = fit_reader(data, _families(), out)
    except NluDataError as exc:
        typer.echo(f"invalid NLU data: {exc}", err=True)
        raise typer.Exit(2) from None
    meta = json.loads(artifact.meta.read_text(encoding="utf-8"))
    typer.echo(f"trained on {meta['examples']} examples ({', '.join(meta['languages'])}), "
               f"{meta['features']} features -> {artifact.weights}")


@app.command("eval")
def evaluate_cmd(
    split: Annotated[Path, typer.Option(help="Directory of held-out example files.")] = HELDOUT,
    names: Annotated[Path | None, typer.Option(help="Referral names file ({text, names} items).")] = NAMES,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the scores as JSON here.")] = None,
    misses: Annotated[int, typer.Option(help="Print up to this many misread texts.")] = 0,
) -> None:
    """Per-intent precision/recall, red-flag and opt-out recall of the offline reader on --split."""
    from agent.nlu.data import NluDataError
    from agent.nlu.evaluate import evaluate, load_names, load_split

    try:
        examples = load_split(split, _families())
        name_map = load_names(names) if names and names.is_file() else None
    except (NluDataError, ValueError) as exc:
        typer.echo(f"invalid evaluation data: {exc}", err=True)
        raise typer.Exit(2) from None
    report = evaluate(examples, offline_read(), name_map)
    scores = report.as_dict()
    _print(scores)
    for expected, observed, where in report.misses[:misses]:
        typer.echo(f"  {expected:>16} -> {observed:<16} {where}")
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    missed = [k for k, target in TARGETS.items() if (scores.get(k) or 0.0) < target]
    if missed:
        typer.echo("targets missed: " + ", ".join(f"{k} {scores.get(k)} < {TARGETS[k]}" for k in missed))
        raise typer.Exit(1)


def _print(scores: dict) -> None:
    typer.echo(f"{'intent':<18}{'precision':>10}{'recall':>8}{'n':>6}")
    for row in scores["per_intent"]:
        typer.echo(f"{row['intent']:<18}{row['precision']:>10.2f}{row['recall']:>8.2f}{row['n']:>6}")
    typer.echo(f"\naccuracy {scores['accuracy']:.3f} over {scores['total']} texts "
               + " ".join(f"[{lang} {v['accuracy']:.3f} n={v['n']}]" for lang, v in scores["by_language"].items()))
    typer.echo(f"red-flag recall {scores['red_flag_recall']}  (non-urgent texts escalated: {scores['false_urgent']})")
    typer.echo(f"opt-out recall {scores['opt_out_recall']}  (others held with touches paused: "
               f"{scores['opt_outs_paused']})")
    if scores["referral_name_recall"] is not None:
        typer.echo(f"referral name recall {scores['referral_name_recall']}  (extra names: "
                   f"{scores['referral_extra_names']})")


def offline_read():  # noqa: ANN201 - a Callable[[str], Read]
    """How a turn reads a text on the embedded default: classify() (rules + model) and the screen."""
    from agent.brains.offline.classify import classify
    from agent.nlu.evaluate import Read
    from agent.policy.loader import default_policies
    from agent.types import Intent

    policies = default_policies()

    def read(text: str) -> Read:
        found = classify(text, policies)
        intents = tuple(s.intent for s in found.intents)
        return Read(deciding=intents[0], intents=intents, urgent=Intent.URGENT in intents,
                    stops=Intent.OPT_OUT in intents, paused=found.possible_opt_out,
                    names=tuple(m.name for m in found.referrals if m.name))

    return read
