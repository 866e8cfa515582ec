"""Triage precision on texts that share words with red flags (tests/unit/data/triage_precision.yml).

Benign texts (praise idioms, jobs in the ER, bruises described as bruises, a mix-up at the front desk,
numbing cream) must not escalate; true red flags told with the same words must. The full classify()
is read (rules and model, default policies); the rules alone must find no red flag in any benign text.
Run this module directly for the texts that fail:

    python -m tests.unit.test_triage_precision
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.triage import triage
from agent.types import Intent

_DATA = yaml.safe_load((Path(__file__).parent / "data" / "triage_precision.yml").read_text(encoding="utf-8"))
BENIGN: list[str] = _DATA["benign"]
RED_FLAGS: list[str] = _DATA["red_flags"]

# Benign texts classify() keeps non-urgent. The rest are the model's readings (bruises and bumps said to
# be painless, an ER job with nothing else named), not the rules': an exception excuses a rule's match
# but never raises the model's bar, so a red flag only the model reads still escalates at its usual
# threshold (fail safe; this costs a few false escalations, e.g. "trabajo en urgencias del hospital").
# Raise it as the reader improves, never lower it to pass.
BENIGN_FLOOR = 0.90


@pytest.fixture(scope="module")
def policies():  # noqa: ANN201
    return default_policies()


def _urgent(text: str, policies) -> bool:  # noqa: ANN001
    return classify(text, policies).has(Intent.URGENT)


def test_every_red_flag_is_urgent(policies) -> None:  # noqa: ANN001
    missed = [t for t in RED_FLAGS if not _urgent(t, policies)]
    assert not missed, f"red flags not escalated: {missed}"


def test_rules_find_no_red_flag_in_benign_texts(policies) -> None:  # noqa: ANN001
    fired = {t: triage(t, policies.triage).red_flags for t in BENIGN}
    assert not {t: f for t, f in fired.items() if f}


def test_benign_texts_are_not_urgent(policies) -> None:  # noqa: ANN001
    calm = [t for t in BENIGN if not _urgent(t, policies)]
    assert len(calm) / len(BENIGN) >= BENIGN_FLOOR, sorted(set(BENIGN) - set(calm))


def test_job_in_the_er_still_lets_a_red_flag_through(policies) -> None:  # noqa: ANN001
    # the exceptions excuse the benign words only, never the rest of the text
    assert triage("i work in the ER and my lip is going white", policies.triage).red_flags == ("blanching",)
    assert "emergency" not in triage("i work in the ER and my lip is going white", policies.triage).red_flags
    assert triage("sorry for the confusion, also i feel confused and dizzy", policies.triage).urgent


if __name__ == "__main__":
    pols = default_policies()
    for t in RED_FLAGS:
        if not _urgent(t, pols):
            print("MISSED   ", t)
    n = 0
    for t in BENIGN:
        if _urgent(t, pols):
            n += 1
            print("URGENT   ", triage(t, pols.triage).red_flags or "(model)", t)
    print(f"benign not urgent {len(BENIGN) - n}/{len(BENIGN)}")
