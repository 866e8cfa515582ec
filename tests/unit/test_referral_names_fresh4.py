"""Referral names on fresh set 4 (tests/unit/data/referral_names_fresh4.yml), from extract_referrals alone.

The set (129 positives, 82 negatives) was written before reading the extractor's rules, in voices the
older sets lack: commands to the clinic, numbers in many formats, several names joined by and / y / , /
& / +, lowercase names, nicknames, hyphenated and two-word names, emoji, and texts that name someone who
is not referred (pets, staff, celebrities, places, brands, days, voice-assistant commands, the patient
signing off, an ill relative). Exact-set: the rows, negatives included, whose set of full names is exactly
the expected one.

Measured once before any change: recall 0.959 (140/146), precision 1.000 on the positives and 0.940 with
the negatives, exact-set 0.934 (197/211), 9 of 82 negatives with names (a dog, "Ok Google call Danny",
seven ill or absent relatives). After the fixes (not_referred.yaml for pets, voice assistants and people
who cannot come; Oxford commas; "shawna from my gym wants ..."; "Wanted to refer Tom"; "Becca saw my
lips and wants ..."; "step-sister"): recall 0.993 (145/146), precision 1.000 and 1.000, exact-set 0.995
(210/211), no negative with a name. The fixes were made looking at this set's misses, so it is no longer
blind; the floors sit a little under the figures after, and are never to be lowered to pass.

Run this module directly for the misses and the false names:

    python -m tests.unit.test_referral_names_fresh4
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from agent.brains.offline.extract import extract_referrals
from agent.brains.offline.names import load_not_referred
from tests.unit.test_referral_names_dev import Report, _score

_DATA = yaml.safe_load((Path(__file__).parent / "data" / "referral_names_fresh4.yml").read_text(encoding="utf-8"))
POSITIVES: list[dict] = _DATA["positives"]
NEGATIVES: list[str] = _DATA["negatives"]


@dataclass
class Fresh4:
    names: Report = field(default_factory=Report)
    exact: int = 0  # rows (positives and negatives) whose set of full names is exactly the expected one
    rows: int = 0
    negative_names: list[tuple[str, list[str]]] = field(default_factory=list)
    inexact: list[str] = field(default_factory=list)

    @property
    def exact_rate(self) -> float:
        return self.exact / self.rows

    @property
    def precision_all(self) -> float:
        """Precision counting names returned on negatives as wrong too."""
        predicted = self.names.predicted + sum(len(n) for _, n in self.negative_names)
        return self.names.correct / predicted if predicted else 1.0


def _row(text: str, expected: list[str], out: Fresh4) -> list[str]:
    got = [m.name for m in extract_referrals(text) if m.name]
    out.rows += 1
    if sorted(n.casefold() for n in got) == sorted(n.casefold() for n in expected):
        out.exact += 1
    else:
        out.inexact.append(f"{text!r}: expected {expected}, got {got}")
    return got


def evaluate(positives: list[dict] | None = None, negatives: list[str] | None = None) -> Fresh4:
    """This set's figures; another set of the same shape passes its own rows (fresh5 does)."""
    out = Fresh4()
    for case in POSITIVES if positives is None else positives:
        _row(case["t"], [p["n"] for p in case["p"]], out)
        _score(case, extract_referrals(case["t"]), out.names)
    for text in NEGATIVES if negatives is None else negatives:
        got = _row(text, [], out)
        if got:
            out.negative_names.append((text, got))
    return out


RECALL_FLOOR = 0.98
PRECISION_FLOOR = 0.99  # on the positives
EXACT_SET_FLOOR = 0.98
FULL_NAME_FLOOR = 0.98
PHONE_FLOOR = 0.96
RELATIONSHIP_FLOOR = 0.96
NEGATIVES_WITH_NAMES_MAX = 0


def test_fresh4_recall_precision_exact_set() -> None:
    out = evaluate()
    r = out.names
    print("\nreferral names fresh4: " + summary(out))
    assert r.recall >= RECALL_FLOOR, "\n".join(r.misses)
    assert r.precision >= PRECISION_FLOOR, "\n".join(r.extras)
    assert out.exact_rate >= EXACT_SET_FLOOR, "\n".join(out.inexact)
    assert r.full >= FULL_NAME_FLOOR * r.found
    assert r.phones_right >= PHONE_FLOOR * r.phones
    assert r.rels_right >= RELATIONSHIP_FLOOR * r.rels


def test_fresh4_negatives_have_no_names() -> None:
    """Pets, staff, celebrities, places, brands, days, voice assistants, the patient, ill relatives."""
    assert len(evaluate().negative_names) <= NEGATIVES_WITH_NAMES_MAX, evaluate().negative_names


# The rules above on texts outside the set: what they must still find, and what they must not.
@pytest.mark.parametrize(("text", "names"), [
    ("my dog walker Tess wants botox", ["Tess"]),  # a pet word before a person's title is no pet
    ("my cat and my sister Dana want in", ["Dana"]),  # a relative is kept beside a pet
    ("Alexa and I want to come together", ["Alexa"]),  # a name, not the assistant: no command follows
    ("Hey Siri, text my sister Kim that you have a promo", []),
    ("my friend Sam had surgery last year and wants filler now", ["Sam"]),  # a referral verb wins
    ("my mom is sick but my sister Ana wants to book", ["Ana"]),
    ("Sam, Jo, and Lee want in", ["Sam", "Jo", "Lee"]),
    ("Ana, Luz, y Marta quieren venir", ["Ana", "Luz", "Marta"]),
    ("jen from work wants in", ["Jen"]),
    ("maria from the front desk was amazing", []),
    ("Wanted to refer my coworker Jess", ["Jess"]),
    ("Priya loved my lips and wants to book", ["Priya"]),
    ("I saw Becca and she wants in", []),  # who saw whom is unclear: no name rather than a wrong one
    ("my friend named her puppy Lola lol", []),
])
def test_rules_beyond_the_set(text: str, names: list[str]) -> None:
    assert [m.name for m in extract_referrals(text) if m.name] == names


@pytest.mark.parametrize(("body", "error"), [
    ("pets: {words: [dog], emoji: [x], people: [walker]}\nassistants: [siri]\nnot_coming: [sick]\n", "emoji"),
    ("pets: {words: [Dog], emoji: ['🐶'], people: [walker]}\nassistants: [siri]\nnot_coming: [sick]\n", "lowercase"),
    ("pets: {words: [dog, dog], emoji: ['🐶'], people: [walker]}\nassistants: [siri]\nnot_coming: [sick]\n", "twice"),
    ("pets: {words: [dog], emoji: ['🐶'], people: [walker]}\nassistants: [siri]\nnot_coming: [sister]\n", "relationship"),
    ("pets: {words: [dog], emoji: ['🐶'], people: [walker]}\nassistants: []\nnot_coming: [sick]\n", "non-empty"),
    ("pets: {words: [dog], emoji: ['🐶'], people: [walker]}\nassistants: [siri]\n", "keys"),
])
def test_not_referred_file_is_checked_at_load(tmp_path: Path, body: str, error: str) -> None:
    path = tmp_path / "not_referred.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_not_referred(path)


def test_shipped_not_referred_file_loads() -> None:
    loaded = load_not_referred()
    assert loaded.pet_words and loaded.assistants and loaded.not_coming


def summary(out: Fresh4, negatives: int | None = None) -> str:
    r = out.names
    return (f"recall {r.recall:.3f} ({r.found}/{r.expected})  precision on positives {r.precision:.3f}  "
            f"precision with negatives {out.precision_all:.3f}  exact-set {out.exact_rate:.3f} ({out.exact}/{out.rows})  "
            f"negatives with names {len(out.negative_names)}/{len(NEGATIVES) if negatives is None else negatives}  "
            f"full {r.full}/{r.found}  phones {r.phones_right}/{r.phones}  rels {r.rels_right}/{r.rels}")


def print_misses(res: Fresh4, negatives: int | None = None) -> None:
    for line in res.names.misses + res.names.extras:
        print(line)
    for text, names in res.negative_names:
        print(f"NEGATIVE {text!r}: {names}")
    print(summary(res, negatives))


if __name__ == "__main__":
    print_misses(evaluate())
