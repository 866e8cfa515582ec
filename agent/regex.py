"""Regexes with literal prefilters: a compiled pattern that skips, with a substring test, every text that
holds none of the literals one of which any match must contain.

Shared by the triage rules (agent/triage.py) and the offline reader's lexicons
(agent/brains/offline/lexicon.py); it knows nothing of either.
"""
from __future__ import annotations

import re

try:  # only to derive literal prefilters from patterns; the module was sre_parse before 3.11
    import re._parser as _sre
except ImportError:  # pragma: no cover
    import sre_parse as _sre  # type: ignore[no-redef]

__all__ = ["Prefiltered", "required_literals"]


# Python's re does not optimise big alternations, so every phrase and pattern gets a prefilter: a
# set of literals one of which must occur in any match. Only the rules indexed by the literals
# present in the text run (a substring test costs tens of nanoseconds).


_SKIP = (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)  # match no characters
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)
_EMPTY: list[str] = []  # "this part can match the empty string"


def _seq_literals(seq: list, strict: bool = False) -> list[str] | None:
    """Literals one of which every match of this sequence contains.

    strict: the literal must start exactly where the sequence's match starts (no optional part
    skipped before it), so that a caller can glue it to a literal that precedes the sequence.
    """
    run: list[str] = []
    for op, av in seq:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            return _glued(run, op, av)
        if op in _SKIP:
            continue
        if op in _REPEATS and av[0] == 0:
            if strict:
                return None
            continue
        lits = _item_literals(op, av, strict=strict)
        if lits is _EMPTY and not strict:
            continue
        return lits or None
    return ["".join(run)] if run else _EMPTY


def _glued(run: list[str], op: object, av: object) -> list[str]:
    """A run of literal characters, extended with what must directly follow it when that is known
    ("n(?:ah|ope)" -> "nah", "nope")."""
    tails = _item_literals(op, av, strict=True) if op in (_sre.SUBPATTERN, _sre.BRANCH) else None
    prefix = "".join(run)
    return [prefix + t for t in tails] if tails else [prefix]


def _item_literals(op: object, av: object, strict: bool = False) -> list[str] | None:
    if op is _sre.SUBPATTERN:
        return _seq_literals(list(av[-1]), strict)
    if op is _sre.BRANCH:
        out: list[str] = []
        for alt in av[1]:
            lits = _seq_literals(list(alt), strict)
            if not lits:  # None, or an alternative that can be empty
                return None
            out += lits
        return out
    if op in _REPEATS and av[0] >= 1:
        return _seq_literals(list(av[2]), strict)
    return None


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literals one of which every match of `pattern` contains, or None when none are known.

    Works on lowercase literals: use it for patterns matched against normalised (lowercase) text.
    """
    try:
        parsed = list(_sre.parse(pattern))
    except Exception:  # noqa: BLE001 - any parser oddity just disables the prefilter
        return None
    candidates: list[list[str]] = []
    run: list[str] = []
    for op, av in parsed:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(_glued(run, op, av))
            run = []
        if op in _SKIP or (op in _REPEATS and av[0] == 0):
            continue
        alts = _item_literals(op, av)
        if alts:
            candidates.append(alts)
    if run:
        candidates.append(["".join(run)])
    if not candidates:
        return None
    best = max(candidates, key=lambda alts: min(len(a) for a in alts))
    if min(len(a) for a in best) < 2:
        return None
    lits = sorted({a.lower() for a in best}, key=len)
    # A literal that contains a shorter one adds nothing to an "any of them is present" test.
    kept: list[str] = []
    for lit in lits:
        if not any(k in lit for k in kept):
            kept.append(lit)
    return tuple(kept)


class Prefiltered:
    """A compiled regex that skips texts containing none of its required literals."""

    __slots__ = ("regex", "literals")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.regex = re.compile(pattern, flags)
        self.literals = required_literals(pattern)

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def possible(self, text: str) -> bool:
        if self.literals is None:
            return True
        for lit in self.literals:
            if lit in text:
                return True
        return False

    def search(self, text: str, *args: int) -> re.Match[str] | None:
        return self.regex.search(text, *args) if self.possible(text) else None

    def finditer(self, text: str, *args: int):  # noqa: ANN201 - same as re.Pattern.finditer
        return self.regex.finditer(text, *args) if self.possible(text) else iter(())

    def sub(self, repl, text: str, count: int = 0) -> str:  # noqa: ANN001
        return self.regex.sub(repl, text, count) if self.possible(text) else text
