"""The keyword layer: carrier keywords and plain-language revocations, checked before the brain.

Carrier keywords (STOP, START, HELP, ...) count only when they are the WHOLE message, ignoring case,
surrounding whitespace, punctuation and emoji: "Stop." and " STOP " opt out, "the swelling won't stop"
does not. Plain-language phrases from the policy ("please stop texting me", "remove me from your
list") match anywhere, over both the raw body and its normalised form. Opt-out wins over
everything; an opt-in keyword listed in `opt_in_only_when_opted_out` (Twilio: YES) counts only
from a patient who is opted out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agent.policy.compiled import PerPolicy
from agent.policy.schema import KeywordPolicy, KeywordSet
from agent.text import normalize, reaction
from agent.types import Keyword

__all__ = ["KeywordMatcher", "keyword_matcher", "match_keyword", "whole_message"]

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACE = re.compile(r"[\s_]+")


def whole_message(body: str) -> str:
    """The body as a keyword candidate: casefolded, edges stripped, inner whitespace single."""
    return _SPACE.sub(" ", _EDGES.sub("", body.casefold()))


@dataclass(frozen=True)
class _Set:
    words: frozenset[str]
    # Every phrase of the set as one alternation: one regex pass over a text instead of one per phrase
    # (the phrases are independent, so any match of the union is a match of one of them).
    phrases: re.Pattern[str] | None

    @classmethod
    def build(cls, spec: KeywordSet) -> _Set:
        union = "|".join(f"(?:{p})" for p in spec.phrases)
        return cls(
            words=frozenset(whole_message(k) for k in spec.keywords),
            phrases=re.compile(union, re.IGNORECASE) if union else None,
        )

    def phrase_hit(self, *texts: str) -> bool:
        return self.phrases is not None and any(self.phrases.search(t) for t in texts)


class KeywordMatcher:
    """Precompiled matcher for one KeywordPolicy."""

    def __init__(self, policy: KeywordPolicy) -> None:
        self.policy = policy
        self._opt_out = _Set.build(policy.opt_out)
        self._opt_in = _Set.build(policy.opt_in)
        self._help = _Set.build(policy.help)
        self._only_when_opted_out = frozenset(whole_message(k) for k in policy.opt_in_only_when_opted_out)

    def match(self, body: str, *, opted_out: bool, normalized: str | None = None) -> Keyword | None:
        """`normalized`: agent.text.normalize(body), when the caller already has it."""
        if reaction(body):
            return None  # a tapback quoting our "Reply STOP to opt out" revokes nothing
        whole = whole_message(body)
        texts = (body.casefold(), normalize(body) if normalized is None else normalized)
        if whole in self._opt_out.words or self._opt_out.phrase_hit(*texts):
            return Keyword.OPT_OUT
        if whole in self._opt_in.words and (opted_out or whole not in self._only_when_opted_out):
            return Keyword.OPT_IN
        if self._opt_in.phrase_hit(*texts):
            return Keyword.OPT_IN
        if whole in self._help.words or self._help.phrase_hit(*texts):
            return Keyword.HELP
        return None


_MATCHERS: PerPolicy[KeywordPolicy, KeywordMatcher] = PerPolicy(KeywordMatcher)


def keyword_matcher(policy: KeywordPolicy) -> KeywordMatcher:
    return _MATCHERS(policy)


def match_keyword(body: str, policy: KeywordPolicy, *, opted_out: bool) -> Keyword | None:
    """The keyword this inbound body carries, if any. Opt-out wins over everything."""
    return keyword_matcher(policy).match(body, opted_out=opted_out)
