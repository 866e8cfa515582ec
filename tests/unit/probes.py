"""What every probe set (tests/unit/data/reader_probe*.yml) must hold when read through the full
classify() as a turn reads it (rules and model, default policies, no ask outstanding): every red flag
escalates, every opt-out is honoured, nothing else opts out, false urgents stay few, accuracy stays over
its floors, and the people a referral names are found. Each test_reader_probe*.py module states its own
floors and known gaps and calls these."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.brains.offline.classify import Classification, classify
from agent.policy.loader import default_policies
from agent.types import Intent

DATA = Path(__file__).parent / "data"
Readings = list[tuple[dict, Classification]]


def load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def read_all(rows: list[dict]) -> Readings:
    policies = default_policies()
    return [(row, classify(row["text"], policies)) for row in rows]


def check_well_formed(rows: list[dict], *, min_rows: int, languages: set[str]) -> None:
    assert len(rows) >= min_rows
    assert {r["language"] for r in rows} == languages
    assert len({r["text"].casefold() for r in rows}) == len(rows)
    for row in rows:
        Intent(row["intent"])  # a known intent
        assert set(row) <= {"text", "intent", "language", "names"}


def check_red_flags(readings: Readings) -> None:
    missed = [r["text"] for r, c in readings if r["intent"] == "urgent" and not c.has(Intent.URGENT)]
    assert not missed, f"red flags not escalated: {missed}"


def check_opt_outs(readings: Readings) -> None:
    missed = [r["text"] for r, c in readings if r["intent"] == "opt_out" and not c.has(Intent.OPT_OUT)]
    assert not missed, f"opt-outs not read as opt-outs: {missed}"


def check_no_false_opt_out(readings: Readings) -> None:
    false = [r["text"] for r, c in readings if r["intent"] != "opt_out" and c.has(Intent.OPT_OUT)]
    assert not false, f"read as opt-outs: {false}"


def check_false_urgents(readings: Readings, most: int) -> None:
    false = [r["text"] for r, c in readings if r["intent"] != "urgent" and c.has(Intent.URGENT)]
    assert len(false) <= most, false


def check_accuracy(readings: Readings, floor: float, language: str = "all") -> None:
    rows = [(r, c) for r, c in readings if language in ("all", r["language"])]
    wrong = [(r["intent"], c.top.intent.value, r["text"]) for r, c in rows if c.top.intent.value != r["intent"]]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= floor, (round(accuracy, 3), wrong)


def check_referral_names(readings: Readings, known_gaps: frozenset[str] = frozenset()) -> None:
    for row, c in readings:
        if row.get("names") and row["text"] not in known_gaps:  # a gap is a module's own test
            assert c.top.intent is Intent.REFERRAL, row["text"]
            found = {m.name for m in c.referrals if m.name}
            assert set(row["names"]) <= found, (row["text"], found)


def print_misreadings(rows: list[dict]) -> None:
    """`python -m tests.unit.test_reader_probeN`: what the reader gets wrong, one line each."""
    for row, c in read_all(rows):
        if c.top.intent.value != row["intent"]:
            print(f"{row['intent']:>16} -> {c.top.intent.value:<16} {row['text']}")


def define_tests(namespace: dict, rows: list[dict], *, min_rows: int, languages: set[str],
                 accuracy_floor: dict[str, float], max_false_urgent: int,
                 known_name_gaps: frozenset[str] = frozenset()) -> None:
    """The shared tests, defined in the calling module (pytest collects them there, named as before)."""

    @pytest.fixture(scope="module")
    def readings() -> Readings:
        return read_all(rows)

    def test_the_probe_set_is_well_formed() -> None:
        check_well_formed(rows, min_rows=min_rows, languages=languages)

    def test_every_red_flag_is_urgent(readings: Readings) -> None:
        check_red_flags(readings)

    def test_every_opt_out_is_honoured(readings: Readings) -> None:
        check_opt_outs(readings)

    def test_no_false_opt_out(readings: Readings) -> None:
        check_no_false_opt_out(readings)

    def test_false_urgents_stay_few(readings: Readings) -> None:
        check_false_urgents(readings, max_false_urgent)

    @pytest.mark.parametrize("language", sorted(accuracy_floor))
    def test_accuracy_floor(readings: Readings, language: str) -> None:
        check_accuracy(readings, accuracy_floor[language], language)

    def test_referrals_name_the_people(readings: Readings) -> None:
        check_referral_names(readings, known_name_gaps)

    namespace.update({f.__name__: f for f in (
        readings, test_the_probe_set_is_well_formed, test_every_red_flag_is_urgent, test_every_opt_out_is_honoured,
        test_no_false_opt_out, test_false_urgents_stay_few, test_accuracy_floor, test_referrals_name_the_people)})
