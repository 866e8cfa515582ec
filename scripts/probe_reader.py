"""Read a probe file (tests/unit/data/reader_probe*.yml) through classify() as a turn reads it (no ask
outstanding) and print accuracy, red-flag and opt-out recall, false urgents and opt-outs, per language,
and every miss. Usage:

    .venv/bin/python scripts/probe_reader.py tests/unit/data/reader_probe5.yml [--misses out.txt]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import Intent


def measure(rows, policies):
    """(totals by language and 'all', miss lines)."""
    totals: dict[str, Counter] = {}
    misses: list[str] = []
    for row in rows:
        found = classify(row["text"], policies)
        got = found.intents[0].intent
        want = Intent(row["intent"])
        intents = {s.intent for s in found.intents}
        for key in (row["language"], "all"):
            t = totals.setdefault(key, Counter())
            t["n"] += 1
            t["ok"] += got is want
            if want is Intent.URGENT:
                t["urgent"] += 1
                t["urgent_hit"] += Intent.URGENT in intents
            elif Intent.URGENT in intents:
                t["false_urgent"] += 1
            if want is Intent.OPT_OUT:
                t["opt_out"] += 1
                t["opt_out_hit"] += Intent.OPT_OUT in intents
                t["opt_out_held"] += Intent.OPT_OUT in intents or found.possible_opt_out
            elif Intent.OPT_OUT in intents:
                t["false_opt_out"] += 1
            elif found.possible_opt_out:
                t["false_paused"] += 1
        if got is not want:
            tag = want.value
            if want is Intent.URGENT and Intent.URGENT not in intents:
                tag = "MISSED-RED-FLAG"
            elif want is Intent.OPT_OUT and Intent.OPT_OUT not in intents:
                tag = "MISSED-OPT-OUT" + ("(paused)" if found.possible_opt_out else "")
            elif want is not Intent.URGENT and Intent.URGENT in intents:
                tag = f"FALSE-URGENT({want.value})"
            misses.append(f"{tag}\t{got.value}\t{row['language']}\t{row['text']}")
    return totals, misses


def summary(totals) -> str:
    lines = []
    for key in ("all", "en", "es"):
        if key not in totals:  # a probe file in one language
            continue
        t = totals[key]
        lines.append(f"{key}: accuracy {t['ok'] / t['n']:.3f} ({t['ok']}/{t['n']}) red-flag recall "
                     f"{t['urgent_hit'] / max(t['urgent'], 1):.3f} ({t['urgent_hit']}/{t['urgent']}) false urgent "
                     f"{t['false_urgent']} opt-out recall {t['opt_out_hit'] / max(t['opt_out'], 1):.3f} "
                     f"({t['opt_out_hit']}/{t['opt_out']}; stop or pause {t['opt_out_held']}) false opt-out "
                     f"{t['false_opt_out']} (false pause {t['false_paused']})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--misses", type=Path)
    args = parser.parse_args()
    rows = yaml.safe_load(args.path.read_text(encoding="utf-8"))
    totals, misses = measure(rows, default_policies())
    text = summary(totals) + "\n\n" + "\n".join(sorted(misses)) + "\n"
    print(text)
    if args.misses:
        args.misses.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
