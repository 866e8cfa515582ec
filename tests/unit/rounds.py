"""What the tests of each reader round (test_reader_round*.py) read a text with: the default policies, the
red-flag families the triage rules find, and the intent the full classify() decides."""
from __future__ import annotations

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.triage import triage
from agent.types import Intent

POLICIES = default_policies()


def flags(text: str) -> tuple[str, ...]:
    return triage(text, POLICIES.triage).red_flags


def deciding(text: str) -> Intent:
    return classify(text, POLICIES).intents[0].intent
