"""Red-flag screening as a union of the two layers: the triage rules and the statistical reader.

The engine calls `screen()` on every inbound text in every mode (agent, human-owned, opted out) and
whatever the brain, so a red flag the rules miss ("everything looks kinda hazy out of my left eye")
still escalates.
"""
from __future__ import annotations

from agent.brains.offline.blend import mild_effect_only, reads_red_flag
from agent.brains.offline.lexicon import INJECTION
from agent.nlu.screen import model_red_flag, reader_for_policies
from agent.policy.schema import Policies
from agent.text import normalize, reaction
from agent.triage import TriageResult, triage_normalized
from agent.types import VisitType


_RECENT: dict[tuple, tuple[Policies, TriageResult]] = {}
RECENT = 64


def forget_recent_texts() -> None:
    """Drop the memo of recent screenings (benchmarks: every turn of production screens a new text)."""
    _RECENT.clear()


def screen(text: str, policies: Policies, visit_type: VisitType | None = None) -> TriageResult:
    """Red flags and expected effects in `text`: the rules' findings, plus the model's red flag when the
    rules saw none and the model reads one (policies/reader.yaml). Memoised for the last few texts: a
    turn screens its text more than once."""
    key = (text, id(policies), visit_type)
    hit = _RECENT.get(key)
    if hit is not None and hit[0] is policies:
        return hit[1]
    found = _screen(text, policies, visit_type)
    if len(_RECENT) >= RECENT:
        _RECENT.pop(next(iter(_RECENT)))
    _RECENT[key] = (policies, found)
    return found


def _screen(text: str, policies: Policies, visit_type: VisitType | None) -> TriageResult:
    if reaction(text):
        return TriageResult()  # a tapback quotes our own text ("...trouble breathing, call 911")
    norm = normalize(text or "")
    tri = triage_normalized(norm, policies.triage, visit_type)
    if tri.urgent:
        return tri
    reading = reader_for_policies(policies).read(text or "")
    negated_only = bool(tri.negated) and not tri.effects
    negated_only = negated_only or mild_effect_only(bool(tri.effects), bool(tri.red_flags), policies.reader, norm)
    policy = policies.reader
    if INJECTION.search(norm):  # a text that tries to steer the agent: rules or a confident model only
        policy = policy.model_copy(update={"urgent_threshold": policy.model_alone})
    if reads_red_flag(reading, policy, norm, negated_only=negated_only):
        return TriageResult(red_flags=(model_red_flag(reading),), effects=tri.effects, negated=tri.negated)
    return tri
