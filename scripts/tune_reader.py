"""Choose the reader's thresholds and regularisation on a dev split of the TRAINING files.

Never on evals/nlu/heldout/: that split is for reporting only. Usage:

    .venv/bin/python scripts/tune_reader.py [--folds 5] [--c 4,8,16]

Stratified k folds of policies/nlu/ (seeded): train on k-1, read the k-th as a turn would (rules +
model through classify()), and print accuracy, red-flag and opt-out recall, and false urgents for each
setting, plus the model alone for comparison.
"""
from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict

from agent.brains.offline import classify as classify_module
from agent.nlu import screen
from agent.nlu.data import load_examples
from agent.nlu.reader import Reader
from agent.nlu.train import fit
from agent.paths import POLICY_DIR
from agent.policy.loader import default_policies
from agent.types import Intent


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", default="8")
    parser.add_argument("--only", type=int, default=2, help="folds actually run (speed)")
    args = parser.parse_args()
    policies = default_policies()
    families = frozenset(s.id for s in policies.triage.red_flags)
    examples = load_examples(POLICY_DIR / "nlu", families)
    parts = folds(examples, args.folds)
    for c in [float(x) for x in args.c.split(",")]:
        totals = Counter()
        confusion = Counter()
        for n in range(min(args.only, args.folds)):
            dev = parts[n]
            train = [e for i, p in enumerate(parts) if i != n for e in p]
            reader = Reader(fit(train, intent_c=c, family_c=c), {})
            original = screen.reader_for_policies
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
                    if e.intent is Intent.URGENT:
                        totals["urgent"] += 1
                        totals["urgent_hit"] += Intent.URGENT in intents
                    elif Intent.URGENT in intents:
                        totals["false_urgent"] += 1
                    if e.intent is Intent.OPT_OUT:
                        totals["opt_out"] += 1
                        totals["opt_out_hit"] += Intent.OPT_OUT in intents
                        totals["opt_out_paused"] += found.possible_opt_out
                    elif Intent.OPT_OUT in intents:
                        totals["false_opt_out"] += 1
            finally:
                screen.reader_for_policies = classify_module.reader_for_policies = original
        print(f"C={c}: accuracy {totals['ok'] / totals['n']:.3f} (model alone {totals['alone_ok'] / totals['n']:.3f}) "
              f"red-flag recall {totals['urgent_hit'] / totals['urgent']:.3f} false urgent {totals['false_urgent']} "
              f"opt-out recall {totals['opt_out_hit'] / totals['opt_out']:.3f} (+paused {totals['opt_out_paused']}) "
              f"false opt-out {totals['false_opt_out']} n={totals['n']}")
        errors = Counter({k: v for k, v in confusion.items() if k[0] != k[1]})
        print("  most confused:", ", ".join(f"{a}->{b} {v}" for (a, b), v in errors.most_common(12)))


if __name__ == "__main__":
    main()
