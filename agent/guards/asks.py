"""Ask detection and the three ask guards: ONE_ASK, ASK_CONSENT and ASK_TIMING.

An ask is a sentence that invites the patient to refer someone, leave a review or book. Detection
is per sentence, from the regexes in policies/asks.yaml (case-insensitive); the clinic's review link
in a sentence also makes it a review ask. Whether an ask is allowed is decided from AskFacts alone,
so the same rules answer "may the brain ask?" (allowed_asks) and "may this draft go?" (the guards).

Verdict reasons name the ask kind and the rule in plain words; they never quote the draft.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from agent.guards.context import AskFacts, GuardContext
from agent.policy.schema import AskPolicy
from agent.types import AskKind, ConsentClass, GuardPolicy, GuardVerdict

__all__ = ["detect_asks", "sentence_spans", "split_sentences", "sentence_asks", "any_of", "needs_ignorecase", "ask_violations",
           "allowed_asks", "check_one_ask", "check_ask_consent", "check_ask_timing", "check_asks",
           "Violation"]

# ------------------------------------------------------------------------------------ sentences

# Where a sentence may end: . ! ? (runs of them) before whitespace, or a line break.
_END_MARK = re.compile(r"[.!?]+(?=\s)|\n")
_ABBREVIATION = re.compile(r"(?<![a-z])(?:dr|mr|mrs|ms|mx|st|jr|sr|vs|approx|e\.g|i\.e)\.$", re.IGNORECASE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split after . ! ? followed by whitespace, and at line breaks."""
    spans: list[tuple[int, int]] = []
    start = 0
    for mark in _END_MARK.finditer(text):
        end = mark.end() if mark.group() != "\n" else mark.start()
        if mark.group() != "\n" and _ABBREVIATION.search(text[max(start, end - 8):end]):
            continue  # "Dr. Lee" does not end a sentence
        piece = text[start:end].strip()
        if piece:
            lead = start + (len(text[start:end]) - len(text[start:end].lstrip()))
            spans.append((lead, lead + len(piece)))
        start = mark.end()
    piece = text[start:].strip()
    if piece:
        lead = start + (len(text[start:]) - len(text[start:].lstrip()))
        spans.append((lead, lead + len(piece)))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


# ------------------------------------------------------------------------------------ regexes


def _top_level_alternation(pattern: str) -> bool:
    """Whether `pattern` has a | outside any group or character class."""
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]" or pattern[i + 1:i + 3] == "^]":
                i += 2 if pattern[i + 1] == "]" else 3  # a leading ] is a literal
                continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def any_of(patterns: list[str], names: list[str] | None = None) -> str:
    """One expression matching any of `patterns` (each in a named group when `names` is given).

    Patterns that start with \\b share one \\b in front of their alternation: the regex engine then
    rejects a position inside a word with one check instead of one per pattern.
    """
    bounded, free = [], []
    for i, pattern in enumerate(patterns):
        wrap = (lambda body, i=i: f"(?P<{names[i]}>{body})") if names else (lambda body: f"(?:{body})")
        if pattern.startswith("\\b") and not _top_level_alternation(pattern):
            bounded.append(wrap(pattern[2:]))
        else:
            free.append(wrap(pattern))
    parts = ([f"\\b(?:{'|'.join(bounded)})"] if bounded else []) + free
    return "|".join(parts)


_UPPER_LITERAL = re.compile(r"(?<!\\)(?:\\\\)*[A-Z]")


def needs_ignorecase(pattern: str) -> bool:
    """Patterns without upper-case literals can run case-sensitively on lower-cased text (faster)."""
    return bool(_UPPER_LITERAL.search(re.sub(r"\\.", "", pattern)))


# ------------------------------------------------------------------------------------ detection

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_MATCHERS: dict[int, tuple[AskPolicy, list[tuple[AskKind, re.Pattern[str]]]]] = {}


def _matchers(policy: AskPolicy) -> list[tuple[AskKind, re.Pattern[str]]]:
    """Each kind's detect regexes joined into one expression, compiled once per policy object.

    They run on lower-cased text; a kind whose patterns spell an upper-case letter also gets
    IGNORECASE, so matching is case-insensitive either way.
    """
    cached = _MATCHERS.get(id(policy))
    if cached is not None and cached[0] is policy:
        return cached[1]
    compiled = []
    for kind in AskKind:
        patterns = list(policy.detect.get(kind, []))
        if patterns:
            flags = re.IGNORECASE if any(needs_ignorecase(p) for p in patterns) else 0
            compiled.append((kind, re.compile(any_of(patterns), flags)))
    if len(_MATCHERS) >= 16:
        _MATCHERS.clear()
    _MATCHERS[id(policy)] = (policy, compiled)
    return compiled


def sentence_asks(sentence: str, policy: AskPolicy, review_link: str | None = None) -> list[AskKind]:
    """The ask kinds one sentence carries, in order of their first appearance in it."""
    original = sentence
    if not sentence.isascii():
        sentence = sentence.translate(_QUOTES)
    sentence = sentence.lower()
    hits: list[tuple[int, int, AskKind]] = []
    for order, (kind, pattern) in enumerate(_matchers(policy)):
        match = pattern.search(sentence)
        position = match.start() if match else -1
        if kind == AskKind.REVIEW and review_link:
            at = original.find(review_link)
            if at >= 0 and (position < 0 or at < position):
                position = at
        if position >= 0:
            hits.append((position, order, kind))
    return [kind for _, _, kind in sorted(hits)]


def detect_asks(text: str, policy: AskPolicy, review_link: str | None = None) -> list[AskKind]:
    """Ask kinds in order of appearance, each kind at most once per sentence."""
    found: list[AskKind] = []
    for sentence in split_sentences(text):
        found += sentence_asks(sentence, policy, review_link)
    return found


# ------------------------------------------------------------------------------------ rules


@dataclass(frozen=True)
class Violation:
    kind: AskKind
    policy: GuardPolicy  # ASK_CONSENT or ASK_TIMING
    rule: str  # the AskRule field that forbids it
    reason: str  # plain words, PHI-free


def _naive_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(timezone.utc).replace(tzinfo=None)


def _within(facts: AskFacts, then: datetime | None, days: int) -> bool:
    """True when `then` is less than `days` days before facts.now (or in its future)."""
    if then is None or days <= 0:
        return False
    return _naive_utc(facts.now) - _naive_utc(then) < timedelta(days=days)


def ask_violations(kind: AskKind, facts: AskFacts, policy: AskPolicy) -> list[Violation]:
    """Every rule that forbids an ask of `kind` right now; [] when it is allowed."""
    rule = policy.rules[kind]
    name = kind.value
    out: list[Violation] = []

    def add(guard: GuardPolicy, rule_name: str, reason: str) -> None:
        out.append(Violation(kind, guard, rule_name, reason))

    if rule.consent == ConsentClass.MARKETING and not facts.marketing_consent:
        add(GuardPolicy.ASK_CONSENT, "consent",
            f"a {name} ask is marketing and the patient has not given marketing consent")
    if rule.requires_positive_reply and not facts.positive_reply_seen:
        add(GuardPolicy.ASK_TIMING, "requires_positive_reply",
            f"a {name} ask needs a clearly positive reply from the patient first")
    if rule.requires_referral_eligible_touch and not facts.referral_eligible_touch:
        add(GuardPolicy.ASK_TIMING, "requires_referral_eligible_touch",
            f"a {name} ask is only allowed in a thread opened by a referral-eligible check-in")
    blocking = sorted(q.value for q in rule.blocked_by_open_handoff if q in facts.open_handoff_queues)
    if blocking:
        add(GuardPolicy.ASK_TIMING, "blocked_by_open_handoff",
            f"no {name} ask while a {' / '.join(blocking)} handoff is open")
    if rule.blocked_after_decline and facts.referral_declined:
        add(GuardPolicy.ASK_TIMING, "blocked_after_decline",
            f"no {name} ask after the patient declined to refer")
    if _within(facts, facts.last_ask_at.get(kind), rule.cooldown_days):
        add(GuardPolicy.ASK_TIMING, "cooldown_days",
            f"the last {name} ask was less than {rule.cooldown_days} days ago")
    for other, days in rule.spacing_days.items():
        if other != kind and _within(facts, facts.last_ask_at.get(other), days):
            add(GuardPolicy.ASK_TIMING, "spacing_days",
                f"a {other.value} ask went out less than {days} days ago; a {name} ask must wait")
    return out


def allowed_asks(facts: AskFacts, policy: AskPolicy) -> frozenset[AskKind]:
    """The ask kinds consent and timing would allow now (what the brain may be told it can ask)."""
    return frozenset(kind for kind in AskKind if kind in policy.rules and not ask_violations(kind, facts, policy))


# ------------------------------------------------------------------------------------ guards


def _distinct(kinds: list[AskKind]) -> list[AskKind]:
    return list(dict.fromkeys(kinds))


def check_one_ask(kinds: list[AskKind], policy: AskPolicy) -> GuardVerdict:
    distinct = _distinct(kinds)
    limit = policy.max_asks_per_message
    detail = {"asks": [k.value for k in distinct], "max_asks": limit}
    if len(distinct) <= limit:
        return GuardVerdict(GuardPolicy.ONE_ASK, False, detail=detail)
    return GuardVerdict(GuardPolicy.ONE_ASK, True, detail=detail,
                        reason=f"{len(distinct)} different asks ({', '.join(detail['asks'])}) in one message; "
                               f"at most {limit} allowed")


def _rule_verdict(guard: GuardPolicy, kinds: list[AskKind], ctx: GuardContext) -> GuardVerdict:
    distinct = _distinct(kinds)
    found = [v for kind in distinct for v in ask_violations(kind, ctx.facts, ctx.policies.asks) if v.policy == guard]
    detail = {"asks": [k.value for k in distinct]}
    if not found:
        return GuardVerdict(guard, False, detail=detail)
    detail["rules"] = [f"{v.kind.value}.{v.rule}" for v in found]
    return GuardVerdict(guard, True, reason="; ".join(v.reason for v in found), detail=detail)


def check_ask_consent(kinds: list[AskKind], ctx: GuardContext) -> GuardVerdict:
    return _rule_verdict(GuardPolicy.ASK_CONSENT, kinds, ctx)


def check_ask_timing(kinds: list[AskKind], ctx: GuardContext) -> GuardVerdict:
    return _rule_verdict(GuardPolicy.ASK_TIMING, kinds, ctx)


def check_asks(text: str, ctx: GuardContext) -> list[GuardVerdict]:
    """ONE_ASK, ASK_CONSENT and ASK_TIMING for one draft, detecting its asks once."""
    kinds = detect_asks(text, ctx.policies.asks, ctx.review_link)
    return [check_one_ask(kinds, ctx.policies.asks), check_ask_consent(kinds, ctx), check_ask_timing(kinds, ctx)]
