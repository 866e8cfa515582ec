"""The reader for a policy set, and the red-flag families it names (triage ids, or `emergency`)."""
from __future__ import annotations

from agent.nlu.data import EMERGENCY_FAMILY
from agent.nlu.reader import Reader, Reading, default_reader
from agent.policy.compiled import PerPolicy
from agent.policy.schema import Policies, TriagePolicy

EMERGENCY_LABEL = "an emergency (911, the ER or urgent care)"


_families: PerPolicy[TriagePolicy, frozenset[str]] = PerPolicy(lambda policy: frozenset(s.id for s in policy.red_flags))


def reader_for_policies(policies: Policies) -> Reader:
    return default_reader(_families(policies.triage))


def model_red_flag(reading: Reading) -> str:
    """The red-flag family id the model reads (`emergency` when it is no symptom family)."""
    return reading.family or EMERGENCY_FAMILY


def label_of(flag_id: str, policy: TriagePolicy) -> str:
    for symptom in policy.red_flags:
        if symptom.id == flag_id:
            return symptom.label
    return EMERGENCY_LABEL if flag_id == EMERGENCY_FAMILY else flag_id.replace("_", " ")
