"""PHI guard: no treatment, product, area, condition, medication or dose may leave in a text.

The shared lexicon (policies/phi.yaml) compiles once per policy object into ONE regular expression
shaped as a trie (so each word start tries a couple of dozen first letters, not hundreds of terms).
Clinic and patient terms compile into a second, small expression cached by their tuple.

Matching works on a folded copy of the draft:
- lower case, accents folded (NFKD), fullwidth letters and look-alike Cyrillic/Greek letters mapped
  to Latin, trademark signs and invisible characters removed;
- letters spaced out one by one ("b o t o x", "b.o.t.o.x") are joined back;
- inside a term, digits and symbols stand in for letters (B0tox, l1ps, $culptra), punctuation may sit
  between letters (bo-tox, b*tox) and long words may be split by a space (bo tox);
- words of a multi-word term may be joined by spaces, hyphens or nothing (under eye / under-eye);
- a term only matches as a whole word: "chin" never matches "machine", "face" never "Facebook".

Both languages the agent replies in are checked at once: the lexicon holds English and Spanish terms
in the same categories, and folding makes "ácido hialurónico" and "acido hialuronico" one term; the
optional plural ending covers Spanish -s/-es as well ("labios", "inyecciones").

Findings name the category of each hit (product, area, ...), never the term, so verdicts can go to
logs and to the console.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from agent.guards.asks import any_of, needs_ignorecase
from agent.guards.context import GuardContext
from agent.policy.compiled import PerPolicy
from agent.policy.schema import PhiPolicy
from agent.types import GuardPolicy, GuardVerdict

__all__ = ["PhiMatcher", "fold_text", "phi_matcher", "extra_matcher", "find_phi", "check_phi",
           "CLINIC_TERM", "PATIENT_TERM"]

CLINIC_TERM = "clinic_term"
PATIENT_TERM = "patient_term"

# ------------------------------------------------------------------------------------- folding

_PRE = str.maketrans({
    "\u2122": None, "\u2120": None, "\u00ae": None, "\u00a9": None, "\u24c7": None,  # TM SM (R) (C)
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00b7": ".", "\u2022": ".", "\u2027": ".", "\u2219": ".",
})
# Look-alike letters (after lower-casing) that a red-teamer can swap in for Latin ones.
_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h",
    "ӏ": "l", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "μ": "u", "ı": "i",
})
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Three or more single characters in a row, split by spaces or dots: "b o t o x", "b.o.t.o.x".
_SPACED = re.compile(r"(?<![a-z0-9@$])[a-z0-9@$](?![a-z0-9@$])(?:[\s.\-_*]+[a-z0-9@$](?![a-z0-9@$])){2,}")
_SPACED_SEP = re.compile(r"[\s.\-_*]+")


def fold_text(text: str) -> str:
    """The form every term and pattern is matched against."""
    if text.isascii():
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text.translate(_PRE))
        folded = _COMBINING.sub("", folded).lower().translate(_HOMOGLYPHS)
    if _SPACED.search(folded) is not None:
        folded = _SPACED.sub(lambda m: _SPACED_SEP.sub("", m.group(0)), folded)
    return folded


# ------------------------------------------------------------------------------ term compiling

# Characters that stand in for a letter inside a term ("*" masks any vowel).
_LEET = {"a": "a4@*", "e": "e3*", "i": "i1!|*", "o": "o0*", "u": "u*", "s": "s5$", "t": "t7+", "l": "l1|"}
_SEP = {
    "start": "",
    "tight": r"[-._*~']?",  # inside a word: bo-tox, b.o.t.o.x, crow's
    "loose": r"[-._*~'\s]{0,2}",  # inside a long word, away from its edges: bo tox, sculp tra
    "word": r"[\s\-_/+&']{0,3}",  # between words: under eye, under-eye, undereye
    "word_sep": r"[\s\-_/+&']{1,3}",  # between words when one is 1-2 characters: retin-a, glp 1, iv drip
}
_TERM_SPLIT = re.compile(r"[\s\-/+&._]+")
_TERM_DROP = re.compile(r"[^a-z0-9\s\-/+&._]")
_END = ""  # trie key marking the end of a term
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![a-z0-9])", r"(?:e?s)?(?![a-z0-9])"  # whole words, optional plural


def _term_units(term: str) -> list[tuple[str, str]]:
    """A term as (separator kind, character) units; [] when nothing matchable is left."""
    cleaned = _TERM_DROP.sub("", fold_text(term).replace("'", ""))
    words = [w for w in _TERM_SPLIT.split(cleaned) if w]
    units: list[tuple[str, str]] = []
    for index, word in enumerate(words):
        for k, ch in enumerate(word):
            if k == 0:
                if index == 0:
                    kind = "start"
                else:
                    kind = "word_sep" if min(len(word), len(words[index - 1])) <= 2 else "word"
            else:
                kind = "loose" if len(word) >= 5 and 2 <= k <= len(word) - 2 else "tight"
            units.append((kind, ch))
    return units


def _char(ch: str) -> str:
    stand_ins = _LEET.get(ch)
    return "[" + re.escape(stand_ins) + "]" if stand_ins else re.escape(ch)


def _trie_regex(terms: list[str]) -> str:
    trie: dict = {}
    for term in terms:
        units = _term_units(term)
        if not units:
            continue
        node = trie
        for unit in units:
            node = node.setdefault(unit, {})
        node[_END] = True
    return _emit(trie)


def _emit(node: dict) -> str:
    alts = [_SEP[kind] + _char(ch) + _emit(child) for (kind, ch), child in sorted(
        (k, v) for k, v in node.items() if k != _END)]
    ends = _END in node
    if not alts:
        return ""
    if len(alts) == 1 and not ends:
        return alts[0]
    return "(?:" + "|".join(alts) + ")" + ("?" if ends else "")


class PhiMatcher:
    """Categories -> terms (and regex patterns), compiled. `scan` takes text from fold_text()."""

    def __init__(self, categories: dict[str, list[str]], patterns: dict[str, list[str]] | None = None) -> None:
        self.by_category: list[tuple[str, re.Pattern[str]]] = []
        bodies = []
        for name, terms in categories.items():
            body = _trie_regex(list(terms))
            if body:
                bodies.append(body)
                self.by_category.append((name, re.compile(f"(?:{body}){_EDGE_AFTER}")))
        # One expression for every term: the fast path. The per-category ones only name a hit.
        self.terms = re.compile(f"{_EDGE_BEFORE}(?:{'|'.join(bodies)}){_EDGE_AFTER}") if bodies else None
        self.pattern_names: list[str] = []
        self.patterns = self._compile_patterns(patterns or {})

    def _compile_patterns(self, patterns: dict[str, list[str]]) -> re.Pattern[str] | None:
        """Every pattern in one expression, each in a group named after its index (p0, p1, ...)."""
        regexes = [regex for name, group in patterns.items() for regex in group]
        self.pattern_names = [name for name, group in patterns.items() for _ in group]
        if not regexes:
            return None
        flags = re.IGNORECASE if any(needs_ignorecase(r) for r in regexes) else 0
        return re.compile(any_of(regexes, [f"p{i}" for i in range(len(regexes))]), flags)

    def scan(self, folded: str) -> list[str]:
        """The category of every hit, in order of appearance (a category may repeat)."""
        found: list[str] = []
        if self.terms is not None:
            for match in self.terms.finditer(folded):
                found.append(self._category(match.group(0)))
        if self.patterns is not None:
            for match in self.patterns.finditer(folded):
                found.append(self.pattern_names[int(match.lastgroup[1:])])
        return found

    def _category(self, hit: str) -> str:
        for name, pattern in self.by_category:
            if pattern.fullmatch(hit):
                return name
        return self.by_category[0][0]  # unreachable: every hit comes from one of the categories


_MATCHERS: PerPolicy[PhiPolicy, PhiMatcher] = PerPolicy(lambda policy: PhiMatcher(policy.categories, policy.patterns),
                                                        most=16)


def phi_matcher(policy: PhiPolicy) -> PhiMatcher:
    """The shared lexicon's matcher, compiled once per policy object."""
    return _MATCHERS(policy)


@lru_cache(maxsize=512)
def extra_matcher(clinic_terms: tuple[str, ...], patient_terms: tuple[str, ...]) -> PhiMatcher | None:
    """A small matcher for one clinic's extra terms and one patient's visit terms (phrases)."""
    categories = {CLINIC_TERM: [t for t in clinic_terms if t.strip()],
                  PATIENT_TERM: [t for t in patient_terms if t.strip()]}
    categories = {name: terms for name, terms in categories.items() if terms}
    return PhiMatcher(categories) if categories else None


def _exempt(ctx: GuardContext) -> tuple[str, ...]:
    """Text the clinic itself configured to go out in every message: its name, sender name, review link."""
    phrases = (*ctx.exempt_phrases, ctx.settings.sender_name, ctx.review_link or "")
    return tuple(fold_text(s) for s in phrases if s and s.strip())


def find_phi(text: str, ctx: GuardContext) -> list[str]:
    """Categories of every PHI hit in `text`, in order of appearance."""
    folded = fold_text(text)
    for allowed in _exempt(ctx):
        if allowed in folded:
            folded = folded.replace(allowed, " ")
    found = phi_matcher(ctx.policies.phi).scan(folded)
    extra = extra_matcher(tuple(ctx.settings.phi_extra_terms), tuple(ctx.patient_terms))
    if extra is not None:
        found += extra.scan(folded)
    return found


def check_phi(text: str, ctx: GuardContext) -> GuardVerdict:
    found = find_phi(text, ctx)
    if not found:
        return GuardVerdict(GuardPolicy.PHI, False)
    categories = sorted(set(found))
    return GuardVerdict(GuardPolicy.PHI, True,
                        reason=f"names protected health information ({', '.join(categories)})",
                        detail={"categories": categories, "hits": len(found)})
