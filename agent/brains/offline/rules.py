"""Per-intent detectors for the offline classifier. Each returns a confidence (0 = not present).

They work over a `ReadText` (a patient text being read; not the `Turn` table): the raw text, its
normalised form and its clauses, built once per message.
Confidence bands: >= 0.9 clear rule hits, 0.6-0.8 weak signals; a positive reply is "clearly
positive" (policies/asks.yaml clearly_positive) only on a strong word, a compliment, or an intensified
medium word, never on "fine", "ok i guess" or "not bad".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from agent.brains.offline import lexicon as lx
from agent.brains.offline.names import COMMON_WORDS, RELATIONSHIPS, STOP_NAMES

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'"})
_THIRD_PERSON = re.compile(
    r"\b(?:she|he|they|she's|he's|they're|her|his|their|(?:my|our) (?:"
    + "|".join(re.escape(r) for r in sorted(RELATIONSHIPS, key=len, reverse=True))
    + r"))\b"
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i'd|i'll|i've|me|we|we're|we'd|we'll|us|myself|lemme)\b")
_NOT_NAME = frozenset(
    "fair fun funny true okay cheap worth real possible acceptable enough cool nice great good bad "
    "normal right ok it me her him them what how the my your a an working".split()
)


@dataclass(frozen=True)
class Clause:
    text: str
    question: bool


@dataclass(frozen=True)
class ReadText:
    raw: str
    norm: str
    names: tuple[str, ...] = ()  # lowercased names of people the patient mentions

    @cached_property
    def clauses(self) -> tuple[Clause, ...]:
        parts = [p.strip() for p in lx.CLAUSE_SPLIT.split(self.norm) if p and p.strip()]
        return tuple(Clause(p, p.endswith("?") or bool(lx.QUESTION_START.match(p))) for p in parts)

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(lx.WORDS.findall(self.norm))

    @cached_property
    def masked(self) -> str:
        """The text with acknowledgement idioms ("sounds good", "good morning") blanked out."""
        return lx.ACK_IDIOMS.sub(" ", self.norm)


# ------------------------------------------------------------------------ helpers
def _before(text: str, start: int, n: int = 3) -> list[str]:
    prefix = text[:start]
    cut = max(prefix.rfind(","), prefix.rfind(";"))
    return lx.WORDS.findall(prefix[cut + 1:])[-n:]


def negated(text: str, start: int) -> bool:
    """A negator governs the word at `start`: "not loving it", "don't really like it"."""
    words = _before(text, start, 4)
    for i in range(len(words) - 1, -1, -1):
        if words[i] in lx.NEGATORS:
            return all(w in lx.NEG_BRIDGE for w in words[i + 1:])
    return False


def _intensified(text: str, start: int) -> bool:
    return any(w in lx.INTENSIFIERS for w in _before(text, start, 2))


def _subjects(turn: ReadText, prefix: str) -> tuple[int, int]:
    """End offsets of the last first-person and the last third-person subject in `prefix`."""
    last_third = max((m.end() for m in _THIRD_PERSON.finditer(prefix)), default=-1)
    for name in turn.names:
        idx = prefix.rfind(name)
        if idx >= 0:
            last_third = max(last_third, idx + len(name))
    last_first = max((m.end() for m in _FIRST_PERSON.finditer(prefix)), default=-1)
    return last_first, last_third


def third_person(turn: ReadText, clause: str, start: int) -> bool:
    """The nearest subject before `start` in the clause is someone else ("my sister wants to book")."""
    first, third = _subjects(turn, clause[:start])
    return third > first


def first_person(turn: ReadText, clause: str, start: int) -> bool:
    """The patient is the subject at `start`: "can i book", "we'd like to come in", or a bare imperative."""
    prefix = clause[:start]
    first, third = _subjects(turn, prefix)
    if first > third:
        return True
    return first < 0 and third < 0 and len(lx.WORDS.findall(prefix)) <= 2  # "book me in", "pls book"


# ------------------------------------------------------------------------ sentiment
@dataclass(frozen=True)
class _Present:
    """Which sentiment rules can match anywhere in the turn: clauses skip the others (speed)."""

    idioms: tuple[tuple[lx.Prefiltered, float], ...]
    strong: bool
    compliment: bool
    medium: bool
    weak: bool
    unhappy: bool
    unsure: bool

    @classmethod
    def scan(cls, text: str) -> _Present:
        return cls(
            idioms=tuple((rx, score) for rx, score in lx.POSITIVE_IDIOMS if rx.search(text)),
            strong=bool(lx.POSITIVE_STRONG.search(text)),
            compliment=bool(lx.COMPLIMENT.search(text)),
            medium=bool(lx.POSITIVE_MEDIUM.search(text)),
            weak=bool(lx.POSITIVE_WEAK.search(text)),
            unhappy=bool(lx.UNHAPPY.search(text)),
            unsure=bool(lx.UNSURE.search(text)),
        )

    def any(self) -> bool:
        return bool(self.idioms) or self.strong or self.compliment or self.medium or self.weak or self.unhappy


def sentiment(turn: ReadText) -> tuple[float, float]:
    """(positive, unhappy) confidences."""
    present = _Present.scan(turn.masked)
    if not present.any():
        return 0.0, 0.0
    pos = unhappy = 0.0
    for clause in lx.CLAUSE_SPLIT.split(turn.masked):
        if not clause or not clause.strip():
            continue
        question = clause.rstrip().endswith("?") or bool(lx.QUESTION_START.match(clause.strip()))
        p, u = _clause_sentiment(clause, question, present)
        pos, unhappy = max(pos, p), max(unhappy, u)
    return pos, unhappy


def _clause_sentiment(text: str, question: bool, present: _Present) -> tuple[float, float]:
    if present.unsure and lx.UNSURE.search(text):
        return 0.0, max(0.65, _unhappy(text, question))
    pos = unhappy = 0.0
    for rx, score in present.idioms:
        if rx.search(text):
            pos = max(pos, score)
            text = rx.sub(" ", text)
    bang = "!" in text
    for m in lx.POSITIVE_STRONG.finditer(text) if present.strong else ():
        if negated(text, m.start()):
            unhappy = max(unhappy, 0.85)
        else:
            pos = max(pos, 0.95 if (bang or _intensified(text, m.start())) else 0.92)
    if present.compliment and lx.COMPLIMENT.search(text):
        pos = max(pos, 0.9)
    if not question:
        pos, unhappy = _graded(text, bang, pos, unhappy, present)
    if pos and lx.STRONG_HEDGE.search(text):
        pos = min(pos, 0.7)
    elif pos and pos < 0.92 and lx.HEDGE.search(text):
        pos = min(pos, 0.72)
    return pos, max(unhappy, _unhappy(text, question) if present.unhappy else 0.0)


def _graded(text: str, bang: bool, pos: float, unhappy: float, present: _Present) -> tuple[float, float]:
    for m in lx.POSITIVE_MEDIUM.finditer(text) if present.medium else ():
        if negated(text, m.start()):
            unhappy = max(unhappy, 0.85)
        else:
            pos = max(pos, 0.9 if _intensified(text, m.start()) else 0.88 if bang else 0.85)
    for m in lx.POSITIVE_WEAK.finditer(text) if present.weak else ():
        word = m.group(0)
        if negated(text, m.start()):
            unhappy = max(unhappy, 0.8)
        elif _intensified(text, m.start()):
            pos = max(pos, 0.86)
        else:
            pos = max(pos, lx.WEAK_SCORES.get(word, lx.WEAK_DEFAULT) + (0.02 if bang else 0.0))
    return pos, unhappy


def _unhappy(text: str, question: bool = False) -> float:
    score = 0.0
    for m in lx.UNHAPPY.finditer(text):
        word = m.group(0)
        if word in lx.UNHAPPY_MODIFIERS and (question or lx.SYMPTOM_NOUN.match(text, m.end())):
            continue  # "terrible headache" is a symptom (triage handles it); "is it bad that..." asks
        if lx.NOT_OUR_FAULT.search(text, max(0, m.start() - 40), m.end()):
            continue  # "traffic is horrible, running late": the roads or the weather, not the clinic
        if negated(text, m.start()) or lx.PAST_FEAR.search(text, 0, m.start()):
            continue
        base = lx.UNHAPPY_SCORES.get(word, lx.UNHAPPY_PREFIX_SCORES.get(word.split()[0], 0.88))
        score = max(score, min(0.95, base + (0.04 if _intensified(text, m.start()) else 0.0)))
    return score


# ------------------------------------------------------------------------ other intents
def concern(turn: ReadText, effects: bool) -> float:
    if effects:
        return 0.9
    for clause in turn.clauses:
        for m in lx.WORRY.finditer(clause.text):
            if lx.PAST_FEAR.search(clause.text[max(0, m.start() - 30) : m.end()]):
                continue  # "i was worried it would look fake" is a fear that did not come true
            if third_person(turn, clause.text, m.start()) and lx.FEELING_WORDS.match(m.group(0)):
                continue  # "my friend Deb is nervous but interested": someone else's nerves, not the patient's
            return 0.8
    return 0.0


def booking(turn: ReadText) -> float:
    for clause in turn.clauses:
        m = lx.BOOKING.search(clause.text)
        if m and not third_person(turn, clause.text, m.start()):
            return 0.9
        for m in lx.BOOKING_VERB.finditer(clause.text):
            if first_person(turn, clause.text, m.start()):
                return 0.9
    return 0.0


def service_interest(turn: ReadText) -> float:
    for clause in turn.clauses:
        want = lx.SERVICE_WANT.search(clause.text)
        if want and not third_person(turn, clause.text, want.start()):
            return 0.9  # a service or an area the patient wants done: sure, a lead the model must not drop
        m = lx.SERVICE_INTEREST.search(clause.text)
        if m and not third_person(turn, clause.text, m.start()):
            return 0.88
        offer = lx.SERVICE_OFFER.search(clause.text)
        if offer and (clause.question or lx.OFFER_INTEREST.search(clause.text, 0, offer.start())):
            return 0.85
    return 0.0


def wrong_number(turn: ReadText) -> float:
    if lx.WRONG_NUMBER.search(turn.norm):
        return 0.95
    m = lx.NOT_PERSON_RAW.search(turn.raw.translate(_FOLD))
    if m and m.group(1).lower() not in COMMON_WORDS and m.group(1).lower() not in STOP_NAMES:
        return 0.92
    m = lx.NOT_PERSON.search(turn.norm)
    if m and m.group(0).startswith("this") and _plain_name(m.group(1)):
        return 0.85
    return 0.0


def _plain_name(word: str) -> bool:
    return (
        word not in COMMON_WORDS
        and word not in STOP_NAMES
        and word not in _NOT_NAME
        and not word.endswith(("ed", "ing", "ly", "ful", "ous", "ive", "able", "al"))
    )


def question(turn: ReadText) -> float:
    if "?" in turn.norm:
        return 0.85
    if turn.words and all(w in lx.ACK_WORDS for w in turn.words):
        return 0.0  # "will do", "sure thanks"
    if any(c.question for c in turn.clauses) or lx.QUESTION_CUE.search(turn.norm):
        return 0.75
    return 0.0


def neutral(turn: ReadText) -> float:
    words = turn.words
    if not words:
        return 0.0
    if all(w in lx.ACK_WORDS for w in words):
        return 0.9
    if lx.ACK_IDIOMS.search(turn.norm) and len(words) <= 8:
        return 0.85
    if lx.ACK_CORE.search(turn.norm):
        return 0.6
    return 0.0
