"""Deterministic repair, tried once before a draft is held or blocked.

Repair only removes: it drops whole sentences (and, for the segment budget, swaps lookalike
punctuation for GSM-7 characters). It never writes new words, so it cannot introduce PHI or an ask.

- SEGMENTS: smart_encode first; if still over budget, drop trailing statements that are not
  essential (a phone number, 911, STOP, "call"; never a question) while the first sentence survives.
- ONE_ASK / ASK_TIMING / ASK_CONSENT: drop the sentences carrying disallowed asks. For ONE_ASK only
  the first ask may stay, and only if consent and timing allow it.
- PHI: drop the sentences that carry PHI, only if what remains is a complete message.
- OPTED_OUT / THREAD_OWNER: not repairable.

The caller MUST run the whole chain again on the result: repair fixes the verdicts it was given,
it does not certify the text.
"""
from __future__ import annotations

import re

from agent.guards.asks import allowed_asks, sentence_asks, sentence_spans
from agent.guards.context import GuardContext
from agent.guards.phi import find_phi
from agent.guards.segments import count_segments, smart_encode
from agent.types import AskKind, GuardPolicy, GuardVerdict

__all__ = ["repair", "UNREPAIRABLE"]

# Nothing can make these sendable: the patient opted out, or a person owns the thread.
UNREPAIRABLE = frozenset({GuardPolicy.OPTED_OUT, GuardPolicy.THREAD_OWNER})
_ASK_POLICIES = frozenset({GuardPolicy.ONE_ASK, GuardPolicy.ASK_TIMING, GuardPolicy.ASK_CONSENT})

# Sentences the segment repair never drops: how to reach the clinic, emergencies, how to stop.
_ESSENTIAL = re.compile(r"\b(911|call|emergency|stop|opt[- ]?out|unsubscribe)\b|\+?\d[\d\s().-]{6,}\d", re.IGNORECASE)
# What cannot stand alone once the sentences around it are gone.
_GREETING = re.compile(r"^(hi|hey|hello|dear|good (morning|afternoon|evening))\b", re.IGNORECASE)
_CONTINUATION = re.compile(r"^(and|but|or|so|also|plus|then|that|this|they|it|those|these)\b", re.IGNORECASE)
_MIN_WORDS = 3


def repair(text: str, verdicts: list[GuardVerdict], ctx: GuardContext) -> str | None:
    """A repaired text, or None when no sensible message is left (or nothing could be fixed).

    With no tripped verdict the text comes back unchanged. Re-check the result with run_guards.
    """
    bad = {v.policy for v in verdicts if v.tripped}
    if not bad:
        return text
    if bad & UNREPAIRABLE:
        return None
    spans = sentence_spans(text)
    if not spans:
        return None
    sentences = [text[a:b] for a, b in spans]
    keep = [True] * len(spans)
    if bad & _ASK_POLICIES:
        _drop_asks(sentences, keep, ctx, one_ask=GuardPolicy.ONE_ASK in bad)
    if GuardPolicy.PHI in bad:
        for i, sentence in enumerate(sentences):
            if keep[i] and find_phi(sentence, ctx):
                keep[i] = False
    kept = [i for i in range(len(spans)) if keep[i]]
    if not kept:
        return None
    if len(kept) < len(spans) and not _complete(kept, sentences):
        return None
    result = _join(text, spans, kept)
    if GuardPolicy.SEGMENTS in bad:
        result = _fit_budget(result, ctx.settings.segment_budget)
    if result is None or result == text:
        return None
    return result


def _drop_asks(sentences: list[str], keep: list[bool], ctx: GuardContext, *, one_ask: bool) -> None:
    policy = ctx.policies.asks
    per_sentence = [sentence_asks(s, policy, ctx.review_link) for s in sentences]
    allowed = allowed_asks(ctx.facts, policy)
    if one_ask:
        order = list(dict.fromkeys(k for kinds in per_sentence for k in kinds))
        first_ok = policy.max_asks_per_message >= 1 and bool(order) and order[0] in allowed
        keep_kinds: set[AskKind] = {order[0]} if first_ok else set()
    else:
        keep_kinds = set(allowed)
    for i, kinds in enumerate(per_sentence):
        if any(kind not in keep_kinds for kind in kinds):
            keep[i] = False


def _complete(kept: list[int], sentences: list[str]) -> bool:
    """Whether what is left still reads as a whole message, not a fragment or a bare greeting."""
    remaining = [sentences[i] for i in kept]
    words = sum(len(s.split()) for s in remaining)
    if words < _MIN_WORDS:
        return False
    if all(_GREETING.match(s) for s in remaining):
        return False  # "Hi Maya, it's Glow." says nothing on its own
    first = remaining[0]
    if kept[0] != 0 and (first[:1].islower() or _CONTINUATION.match(first)):
        return False  # it leaned on the sentence that was dropped
    return True


def _join(text: str, spans: list[tuple[int, int]], kept: list[int]) -> str:
    """The kept sentences with the whitespace that followed each in the original."""
    pieces = []
    for n, i in enumerate(kept):
        a, b = spans[i]
        pieces.append(text[a:b])
        if n < len(kept) - 1:
            pieces.append(text[b:spans[i + 1][0]] if i + 1 < len(spans) else " ")
    return "".join(pieces)


def _fit_budget(text: str, budget: int) -> str | None:
    text = smart_encode(text)
    if count_segments(text).segments <= budget:
        return text
    spans = sentence_spans(text)
    sentences = [text[a:b] for a, b in spans]
    kept = list(range(len(spans)))
    while True:
        # Statements go first; a question is the point of a check-in, so it is never cut.
        droppable = [i for i in kept[1:] if not _ESSENTIAL.search(sentences[i]) and "?" not in sentences[i]]
        if not droppable:
            return None
        kept.remove(droppable[-1])
        candidate = _join(text, spans, kept)
        if count_segments(candidate).segments <= budget:
            return candidate if _complete(kept, sentences) else None
