"""Red-flag and expected-effect detection over an inbound SMS (policies/triage.yaml).

Phrases from the policy are matched case-insensitively on word boundaries over `normalize(text)`,
tolerant of light variation: plural and verb endings ("bruise" matches "bruises"), change verbs
("turning white" matches "went white", "is white", "looks white"), and a few filler words between
the phrase's words ("looks kind of white", "trouble with breathing"). Regex `patterns` run as
written, also over the normalised text.

Negation: a match is dropped when a negation word ("no", "not", "without", ...) within
`negation_window` words before it directly governs it, i.e. only neutral words stand between
("no swelling", "without any trouble breathing", "haven't had any bruising"). Uncertainty is not
negation ("not sure if my lip is turning white", "i don't know why it went white" still count), and
a clause break ("no, my lip went white") ends a negation's reach. Expected effects that are said to
be resolving ("the swelling went down", "barely any bruising") are not counted either; red flags
always are.

Exceptions: a symptom's `exceptions` are regexes for benign uses of its words (a job in the ER, praise
idioms such as "i nearly fell over when i saw it", "sorry for the confusion"). A match that lies wholly
inside an exception's match is excused and counts as denied, like a negated one; any other match of
the same symptom in the text still counts ("i work in the ER but my lip went white"). An exception
that excuses no rule match changes nothing: it never raises the model's bar on a text the rules did
not read (failing safe: a red flag only the model reads still escalates at its usual threshold).
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

from agent.policy.compiled import PerPolicy
from agent.policy.schema import Symptom, TriagePolicy
from agent.recent import Recent
from agent.regex import Prefiltered, required_literals
from agent.text import normalize
from agent.types import VisitType

# Texts each matcher remembers (a TriageResult is immutable, so a shared one is safe).
RECENT = 64

__all__ = [
    "Prefiltered",
    "TriageMatcher",
    "TriageResult",
    "required_literals",
    "triage",
    "triage_matcher",
    "triage_normalized",
]


@dataclass(frozen=True)
class TriageResult:
    red_flags: tuple[str, ...] = ()  # ids of matched red-flag symptoms, in policy order
    effects: tuple[str, ...] = ()  # ids of matched expected effects, in policy order
    negated: tuple[str, ...] = ()  # ids of symptoms mentioned only as denied or resolving ("no swelling")

    @property
    def urgent(self) -> bool:
        return bool(self.red_flags)


# ------------------------------------------------------------------------------ phrase grammar
# A phrase word from the first group stands for any verb of change or state: "turning white" also
# finds "went white", "is white", "looks white", "has gone white".
_CHANGE_SET = frozenset(
    "turn turns turned turning go goes going went gone get gets getting got gotten become becomes "
    "became becoming".split()
)
_CHANGE_VERBS = sorted(_CHANGE_SET) + (
    "look looks looked looking seem seems seemed feel feels felt feeling stay stays stayed staying"
).split()
_AUX = r"(?:(?:is|are|was|were|has|have|had|been|it's|its|keeps|kept|started|starting|still|now|all)\s+)*"
_CHANGE = _AUX + r"(?:" + "|".join(_CHANGE_VERBS + ["is", "are", "was", "were", "been"]) + r")"
_FILLERS = (
    "kind of|sort of|a bit|a little|a lil|a tad|a lot|really|very|so|super|pretty|like|all|almost|"
    "slightly|more|way|too|extremely|completely|totally|quite|just|still|now|suddenly|weirdly|oddly|"
    "literally|actually|definitely|also|even|the|my|a|an|this|that|it|is|are|was|it's|its|has|have|"
    "been|getting|got|some|bit|little|whole|entire|area|right|left|upper|lower|top|bottom|of|with|"
    "having|real|bad|badly|kinda"
)
_GAP = rf"(?:\s+(?:{_FILLERS}))" + "{0,3}" + r"\s+"
_SUFFIX = r"(?:s|es|ed|d|ing)?"
_START = r"(?<![\w'])"
_END = r"(?![\w'])"


def _token_regex(token: str) -> str:
    if token in _CHANGE_SET:
        return _CHANGE
    if "'" in token:
        return re.escape(token).replace("'", "'?")
    if token.isalpha() and len(token) >= 3:
        return re.escape(token) + _SUFFIX
    return re.escape(token)


def phrase_regex(phrase: str) -> str:
    """The regex a plain policy phrase compiles to (exposed for tests and tooling)."""
    tokens = normalize(phrase).split()
    return _START + _GAP.join(_token_regex(t) for t in tokens) + _END


# ------------------------------------------------------------------------------ negation
_CLAUSE_BREAK = re.compile(r"[.!?;,:()\-]|\bbut\b|\bthough\b|\balthough\b|\bexcept\b|\bhowever\b")
_WORDS = re.compile(r"[a-z0-9']+")
# Words that may stand between a negation and the symptom without breaking its scope.
_TRANSPARENT = frozenset(
    """any a an the my much more real really sign signs of obvious major serious significant
    visible noticeable new further big at all other have has had having get got getting see
    seeing saw notice noticed noticing feel feeling felt experience experienced experiencing
    with is are was were it it's there there's so too very that bit little lot lots even
    longer anymore crazy extra actual tengo hay nada de el la mi mis any single one bad
    terrible weird tiene tienen tenia tenian tuve tuvo veo ve noto nota siento sale salio hubo
    me te le se nos les lo""".split()
)  # Spanish verbs and their pronouns too: "no tienen pus ni nada", "no le veo nada morado", "no me duele"
# After a symptom, the words that make "not a headache person" about who someone is, not a denial.
_A_KIND_OF_PERSON = re.compile(r"\s+(?:person|people|kind of (?:person|girl|guy)|type|type of person|girl|guy|gal|sufferer)\b")
# The same right after the match's first word, for a pattern that runs on ("not a headache person and ... can't function").
_FIRST_WORD_A_KIND = re.compile(r"[\w']+" + _A_KIND_OF_PERSON.pattern)
# "Without" after an inability is a double negative that asserts the symptom ("can't talk without gasping",
# "can barely walk without getting dizzy", "no puedo hablar sin ahogarme"), not a denial.
_WITHOUT = frozenset({"without", "sin"})
_UNABLE = frozenset({"barely", "hardly", "can't", "cannot", "couldn't", "unable", "puedo", "puede", "podia", "pude"})
# Softeners that negate an expected effect only, never a red flag ("i can barely breathe").
_EFFECT_SOFTENERS = frozenset("barely hardly less minimal minor basically practically".split())
# Small words that may stand between an effect and a word of policy `resolved` ("has pretty much gone").
_RESOLVED_LEAD = (
    r"\W*(?:(?:is|are|has|have|had|was|were|it's|all|pretty|much|mostly|completely|totally|"
    r"already|now|finally|basically|almost|went|gone|getting|got)\s+){0,3}"
)


def _resolved_regex(words: list[str]) -> re.Pattern[str]:
    ordered = sorted({normalize(w) for w in words}, key=len, reverse=True)  # longest first: "gone down"
    return re.compile(_RESOLVED_LEAD + "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) + r")\b")




@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    literals: tuple[str, ...] | None  # prefilter: one must be in the text
    source_words: frozenset[str]  # words the phrase or pattern spells out itself


@dataclass(frozen=True)
class _Compiled:
    symptom: Symptom
    rules: tuple[_Rule, ...]
    visit_types: frozenset[VisitType]
    exceptions: tuple[re.Pattern[str], ...] = ()

    def applies(self, visit_type: VisitType | None) -> bool:
        return visit_type is None or not self.visit_types or visit_type in self.visit_types


_ESCAPE = re.compile(r"\\[a-z]")


@lru_cache(maxsize=8192)
def _rule(pattern: str, source: str, flags: int = 0) -> _Rule:
    # Cached by pattern: parsing 1,000+ patterns for their literals takes about a second, and every
    # policy set that shares a phrase shares its compiled rule (tests load many policy sets).
    # Escapes are not words: "\\bnot" spells "not" (read as "bnot", the pattern's own "not" was taken for a denial).
    spelt = _ESCAPE.sub(" ", source.lower())
    return _Rule(re.compile(pattern, flags), required_literals(pattern), frozenset(_WORDS.findall(spelt)))


PREFIX = 3  # characters that key the literal buckets (literals are at least 2 long)


class TriageMatcher:
    """Precompiled matcher for one TriagePolicy."""

    def __init__(self, policy: TriagePolicy) -> None:
        self.policy = policy
        self._recent: Recent[tuple[str, VisitType | None], TriageResult] = Recent(RECENT)
        self.window = policy.negation_window
        self._negations = frozenset(normalize(n) for n in policy.negations)
        self._resolved = _resolved_regex(policy.resolved)
        compiled = [(self._compile(s), False) for s in policy.red_flags]
        compiled += [(self._compile(s), True) for s in policy.expected_effects]
        self._symptoms = tuple(compiled)
        # Every rule, numbered in policy order, with the symptom it belongs to.
        self._rules: list[tuple[int, _Rule]] = [
            (i, rule) for i, (c, _) in enumerate(compiled) for rule in c.rules
        ]
        self._always: list[int] = [n for n, (_, r) in enumerate(self._rules) if r.literals is None]
        index: dict[str, list[int]] = {}
        for n, (_, rule) in enumerate(self._rules):
            for lit in rule.literals or ():
                index.setdefault(lit, []).append(n)
        self._index = index
        # Literals bucketed by their first PREFIX characters: a text is scanned once for its own short
        # prefixes instead of testing every literal of every rule against it (1,000+ of them).
        buckets: dict[str, list[str]] = {}
        for lit in index:
            buckets.setdefault(lit[:PREFIX], []).append(lit)
        self._buckets = buckets
        self._short = tuple(lit for lit in index if len(lit) < PREFIX)

    @staticmethod
    def _compile(symptom: Symptom) -> _Compiled:
        rules = [_rule(phrase_regex(p), normalize(p)) for p in symptom.phrases]
        rules += [_rule(p, p, re.IGNORECASE) for p in symptom.patterns]
        exceptions = tuple(re.compile(p, re.IGNORECASE) for p in symptom.exceptions)
        return _Compiled(symptom, tuple(rules), frozenset(symptom.visit_types), exceptions)

    def _candidates(self, norm: str) -> list[int]:
        ids = set(self._always)
        buckets = self._buckets
        for key in {norm[i:i + PREFIX] for i in range(len(norm) - PREFIX + 1)}:
            for lit in buckets.get(key, ()):
                if lit in norm:
                    ids.update(self._index[lit])
        for lit in self._short:
            if lit in norm:
                ids.update(self._index[lit])
        return sorted(ids)

    def run(self, norm: str, visit_type: VisitType | None = None) -> TriageResult:
        """Memoised for the last few texts: a turn triages its text twice (the engine's red-flag screen, then
        the classification every brain is checked against)."""
        return self._recent.get_or_compute((norm, visit_type), lambda: self._run(norm, visit_type))

    def _run(self, norm: str, visit_type: VisitType | None) -> TriageResult:
        matched: set[int] = set()
        denied: set[int] = set()
        excused: dict[int, list[tuple[int, int]]] = {}  # spans of each symptom's exceptions, found lazily
        for n in self._candidates(norm):
            i, rule = self._rules[n]
            if i in matched:
                continue
            compiled, effect = self._symptoms[i]
            if not compiled.applies(visit_type):
                continue
            spans = None
            if compiled.exceptions:
                spans = excused.get(i)
                if spans is None:
                    spans = excused[i] = self._spans(i, norm)
            hit = self._hit(rule, norm, effect, spans)
            if hit:
                matched.add(i)
            elif hit is not None:
                denied.add(i)
        red = tuple(c.symptom.id for i, (c, eff) in enumerate(self._symptoms) if i in matched and not eff)
        effects = tuple(c.symptom.id for i, (c, eff) in enumerate(self._symptoms) if i in matched and eff)
        negated = tuple(c.symptom.id for i, (c, _) in enumerate(self._symptoms) if i in denied - matched)
        return TriageResult(red_flags=red, effects=effects, negated=negated)

    def _spans(self, i: int, norm: str) -> list[tuple[int, int]]:
        return [m.span() for rx in self._symptoms[i][0].exceptions for m in rx.finditer(norm)]

    def _hit(self, rule: _Rule, norm: str, effect: bool, excused: list[tuple[int, int]] | None = None) -> bool | None:
        """True: mentioned; False: mentioned only negated, resolving or excused; None: not mentioned."""
        seen = None
        for m in rule.regex.finditer(norm):
            if excused and any(s <= m.start() and m.end() <= e for s, e in excused):
                seen = False  # a benign use of the words (the symptom's exceptions)
                continue
            if not self._negated(norm, m, rule.source_words, effect):
                return True
            seen = False
        return seen

    def _negated(self, norm: str, m: re.Match[str], source_words: frozenset[str], effect: bool) -> bool:
        span_words = _WORDS.findall(m.group(0))
        # A negation inside the match that the phrase or pattern itself does not spell out.
        # ("no puedo ni tragar": after a leading negation, Spanish "ni" is "not even", emphasis, not a denial)
        emphatic = bool(span_words) and span_words[0] in self._negations
        if any(w in self._negations and w not in source_words and not (emphatic and w == "ni") for w in span_words[1:]):
            return True
        if span_words and span_words[0] in self._negations:
            return False  # the phrase itself starts with a negation ("no puedo respirar")
        if effect and self._resolved.match(norm, m.end()):
            return True
        if _A_KIND_OF_PERSON.match(norm, m.end()) or _FIRST_WORD_A_KIND.match(norm, m.start()):
            return False  # "i'm not a headache person and this one is unreal": who they are, not a denial
        return self._governed(norm[: m.start()], effect)

    def _governed(self, prefix: str, effect: bool) -> bool:
        breaks = list(_CLAUSE_BREAK.finditer(prefix))
        if breaks:
            prefix = prefix[breaks[-1].end():]
        clause = _WORDS.findall(prefix)
        words = clause[-self.window:]
        offset = len(clause) - len(words)
        for i in range(len(words) - 1, -1, -1):
            word, pair = words[i], " ".join(words[i:i + 2])
            if word in _WITHOUT and _UNABLE.intersection(clause[max(0, offset + i - 6):offset + i]):
                return False  # "he can barely finish a sentence without gasping": the symptom is there
            if word in self._negations or pair in self._negations or (effect and word in _EFFECT_SOFTENERS):
                between = words[i + 1:]
                if pair in self._negations:
                    between = words[i + 2:]
                return all(w in _TRANSPARENT for w in between)
        return False


_MATCHERS: PerPolicy[TriagePolicy, TriageMatcher] = PerPolicy(TriageMatcher)
def forget_recent_texts() -> None:
    """Drop every matcher's memo of recent texts (benchmarks: a new patient text is never memoised)."""
    for matcher in _MATCHERS.built():
        matcher._recent.clear()


def triage_matcher(policy: TriagePolicy) -> TriageMatcher:
    return _MATCHERS(policy)


def triage_normalized(norm: str, policy: TriagePolicy, visit_type: VisitType | None = None) -> TriageResult:
    """triage() over text that has already been through agent.text.normalize."""
    return triage_matcher(policy).run(norm, visit_type)


def triage(text: str, policy: TriagePolicy, visit_type: VisitType | None = None) -> TriageResult:
    """Red flags and expected effects mentioned in `text`, negation-aware, for this visit type."""
    return triage_normalized(normalize(text), policy, visit_type)
