"""Choose the reader's thresholds and regularisation on a dev split of the TRAINING files.

Never on evals/nlu/heldout/: that split is for reporting only. Usage:

    .venv/bin/python scripts/tune_reader.py [--split strat|grouped|both] [--folds 5] [--only 2] [--c 4,8,16]
        [--set urgent_threshold=0.3 ...] [--misses misses.txt] [--cache var/tune]

- strat: stratified k folds of policies/nlu/ (seeded) by intent and language; `--only` of them are run.
- grouped: whole files are held out, the way texts by a new author arrive: the paraphrase files, then the
  contrast and hard-negative files, each read by a model trained on everything else. The more honest figure.

Each dev text is read as a turn reads it (rules + model through classify(), no ask outstanding), and the
script prints accuracy (and the model alone), red-flag and opt-out recall, false urgents and opt-outs and
the most confused pairs. `--set` overrides a policies/reader.yaml threshold for the run; `--cache` keeps
the fitted folds (keyed by the feature code, the trainer and the data) so threshold sweeps skip training.
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import io
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

# This checkout's code, not whichever copy of the package is installed in the environment.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from agent.brains.offline import classify as classify_module
from agent.nlu import features, reader as reader_module, screen, train as train_module
from agent.nlu.data import data_hash, load_examples
from agent.nlu.reader import Reader
from agent.nlu.train import fit
from agent.paths import POLICY_DIR
from agent.policy.loader import default_policies
from agent.types import Intent

# Held out together in the grouped split: texts written to be unlike the per-intent files.
GROUPS = (("paraphrase.yml",), ("contrast.yml", "hard_negatives.yml"))


def folds(examples, k, seed=7):
    by_label = defaultdict(list)
    for e in examples:
        by_label[(e.intent, e.language)].append(e)
    parts = [[] for _ in range(k)]
    rng = random.Random(seed)
    for label in sorted(by_label, key=str):
        group = by_label[label][:]
        rng.shuffle(group)
        for i, e in enumerate(group):
            parts[i % k].append(e)
    return parts


def splits(examples, kind, k, only):
    """(name, train, dev) pairs."""
    if kind == "strat":
        parts = folds(examples, k)
        for n in range(min(only, k)):
            yield f"strat{n}", [e for i, p in enumerate(parts) if i != n for e in p], parts[n]
        return
    for names in GROUPS:
        held = [e for e in examples if e.source.split("#")[0].split("/")[-1] in names]
        yield "grouped-" + "+".join(names), [e for e in examples if e not in held], held


def _memoise_analyze() -> None:
    """analyze() is pure: every fold and every read shares one result per text."""
    memo: dict[str, list[str]] = {}

    def analyze(text: str) -> list[str]:
        hit = memo.get(text)
        if hit is None:
            hit = memo[text] = features.analyze(text)
        return hit

    train_module.analyze = reader_module.analyze = analyze


def _fitted(train, c, cache: Path | None, name: str) -> Reader:
    if cache is None:
        return Reader(fit(train, intent_c=c, family_c=c), {})
    code = inspect.getsource(features) + inspect.getsource(train_module)
    key = hashlib.sha256("\0".join([code, name, str(c), *sorted(e.text + e.intent.value for e in train)])
                         .encode()).hexdigest()[:16]
    path = cache / f"{name}-{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as npz:
            return Reader({k: npz[k] for k in npz.files}, {})
    arrays = fit(train, intent_c=c, family_c=c)
    cache.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return Reader(arrays, {})


def run(examples, policies, kind, args, c, misses) -> None:
    totals = Counter()
    confusion = Counter()
    for name, train, dev in splits(examples, kind, args.folds, args.only):
        reader = _fitted(train, c, args.cache, name)
        original = screen.reader_for_policies
        classify_module._RECENT.clear()  # memoised by text and policies, not by reader
        screen.reader_for_policies = classify_module.reader_for_policies = lambda _p, r=reader: r
        try:
            for e in dev:
                found = classify_module.classify(e.text, policies)
                got = found.intents[0].intent
                alone = reader.read(e.text).top[0]
                totals["n"] += 1
                totals["ok"] += got is e.intent
                totals["alone_ok"] += alone is e.intent
                confusion[(e.intent.value, got.value)] += 1
                intents = {s.intent for s in found.intents}
                if got is not e.intent:
                    misses.append(f"{kind}\t{e.intent.value}\t{got.value}\t{e.source}\t{e.text}")
                if e.intent is Intent.URGENT:
                    totals["urgent"] += 1
                    totals["urgent_hit"] += Intent.URGENT in intents
                    if Intent.URGENT not in intents:
                        misses.append(f"{kind}\tMISSED-RED-FLAG\t{got.value}\t{e.source}\t{e.text}")
                elif Intent.URGENT in intents:
                    totals["false_urgent"] += 1
                    misses.append(f"{kind}\tFALSE-URGENT({e.intent.value})\t{got.value}\t{e.source}\t{e.text}")
                if e.intent is Intent.OPT_OUT:
                    totals["opt_out"] += 1
                    totals["opt_out_hit"] += Intent.OPT_OUT in intents
                    totals["opt_out_paused"] += found.possible_opt_out
                    if Intent.OPT_OUT not in intents:
                        misses.append(f"{kind}\tMISSED-OPT-OUT\t{got.value}\t{e.source}\t{e.text}")
                elif Intent.OPT_OUT in intents:
                    totals["false_opt_out"] += 1
        finally:
            screen.reader_for_policies = classify_module.reader_for_policies = original
    print(f"{kind} C={c}: accuracy {totals['ok'] / totals['n']:.3f} (model alone {totals['alone_ok'] / totals['n']:.3f}) "
          f"red-flag recall {totals['urgent_hit'] / totals['urgent']:.3f} false urgent {totals['false_urgent']} "
          f"opt-out recall {totals['opt_out_hit'] / totals['opt_out']:.3f} (+paused {totals['opt_out_paused']}) "
          f"false opt-out {totals['false_opt_out']} n={totals['n']}")
    errors = Counter({k: v for k, v in confusion.items() if k[0] != k[1]})
    print("  most confused:", ", ".join(f"{a}->{b} {v}" for (a, b), v in errors.most_common(12)))
    expected, observed, hits = Counter(), Counter(), Counter()
    for (a, b), v in confusion.items():
        expected[a] += v
        observed[b] += v
        hits[a] += v if a == b else 0
    print("  recall/precision:", ", ".join(
        f"{i} {hits[i] / expected[i]:.2f}/{hits[i] / observed[i] if observed[i] else 0:.2f}" for i in sorted(expected)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=("strat", "grouped", "both"), default="strat")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", default="8")
    parser.add_argument("--only", type=int, default=2, help="stratified folds actually run (speed)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a policies/reader.yaml threshold")
    parser.add_argument("--misses", type=Path, help="write every misread dev text here")
    parser.add_argument("--cache", type=Path, help="keep fitted folds here")
    args = parser.parse_args()
    policies = default_policies()
    if args.set:
        update = {k: float(v) for k, v in (s.split("=", 1) for s in args.set)}
        policies = policies.model_copy(update={"reader": policies.reader.model_copy(update=update)})
    families = frozenset(s.id for s in policies.triage.red_flags)
    root = POLICY_DIR / "nlu"
    examples = load_examples(root, families)
    print(f"{len(examples)} examples, data {data_hash(root)[:12]}, code {Path(features.__file__).parent}")
    _memoise_analyze()
    misses: list[str] = []
    kinds = ("strat", "grouped") if args.split == "both" else (args.split,)
    for c in [float(x) for x in args.c.split(",")]:
        for kind in kinds:
            run(examples, policies, kind, args, c, misses)
    if args.misses:
        args.misses.write_text("\n".join(misses) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
