"""Referral extraction: who the patient is introducing, how they relate, and their phone number.

Deterministic rules over the raw text (case carries signal for names):
- relationship + name: "my sister Dana", "my friend Sarah Lee 415-555-0134", "my coworker jen at ...";
- name + relationship: "Dana (my sister) wants in", "Dana, my sister, ...";
- introductions: "her name is Priya", "my friend's name is Kim", "she's called Priya";
- name + referral verb: "Tom wants to book too", "Kim would love to come";
- relationship + referral verb, no name: "my mom wants to come too", "my sister asked where I went".
Phone numbers (any the `phonenumbers` package finds valid for `region`) attach to the closest mention
that has none; a number with no mention counts only when the text says it is someone else's ("her
number is"), never the patient's own ("my new number is ...").

Mentions are returned whether or not the turn is a referral; the classifier decides that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from agent.brains.offline.names import COMMON_WORDS, RELATIONSHIPS, STOP_NAMES

__all__ = ["ReferralMention", "extract_referrals", "extract_bare_referral", "REFERRAL_CUE"]


@dataclass(frozen=True)
class ReferralMention:
    name: str | None
    phone: str | None  # E.164
    relationship: str | None  # canonical: "sister", "mother", "coworker", ...


# ------------------------------------------------------------------------------ grammar
_REL_WORDS = sorted(RELATIONSHIPS, key=len, reverse=True)
_REL = r"(?P<rel>" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _REL_WORDS) + r")"
_ADJ = r"(?:(?:good|close|older|younger|little|big|twin|oldest|youngest|baby|new|other|work)\s+)?"
_OWNER = r"\b(?:my|our|one\s+of\s+my)\s+" + _ADJ
_WORDCHARS = r"[^\W\d_][\w'\-]*"
_NAME = rf"(?P<name>{_WORDCHARS}(?:\s+{_WORDCHARS})?)"

# Referral verbs: what a person who wants to come in is said to do.
REFERRAL_CUE = (
    r"\b(?:wants?\s+(?:to|in|your|the|an?|info|details|a\s+consult|botox|filler|fillers|lips|lip\s+filler|"
    r"facials?|laser|that|this|it|them|some|one|hers|his)\b|wanted\s+to|wanna|"
    r"would\s+(?:like|love)\s+to|'d\s+(?:like|love)\s+to|(?:is|are|also|super|very|really)\s+interested|"
    r"interested\s+too|(?:keeps?\s+|kept\s+)?(?:asked|asks|asking)\s+(?:me\s+)?(?:where|who|about|for|if|how|when)|"
    r"(?:is|are)\s+dying\s+to|might\s+(?:want|come|book|call|text)|(?:is|are)\s+thinking\s+(?:about|of)|"
    r"(?:is|are)\s+(?:going|gonna)\s+to\s+(?:come|book|call|text)|will\s+(?:call|text|reach\s+out|book|come)|"
    r"needs?\s+(?:your|the)\s+(?:number|info)|(?:is|are)\s+coming|coming\s+with\s+me|"
    r"(?:is|are)\s+(?:keen|excited)|should\s+(?:come|book|go)|can\s+(?:come|book|get\s+in))"
)
_CUE = re.compile(REFERRAL_CUE, re.IGNORECASE)
# Whose number it is, for a number that no mention claims: someone else's, never the patient's own.
_WHOSE_NUMBER = re.compile(
    r"\b(?:her|his|their|(?:my|our)\s+" + _ADJ + _REL + r"(?:'s)?)\s+(?:number|cell|phone|#)|"
    r"\b(?:text|call|reach|contact)\s+(?:her|him|them)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;\n]")
_PHRASE_END = re.compile(r"[.!?;,\n]")  # a referral cue must follow its relationship in the same phrase
# The patient bringing or sending someone: "can i bring my sister", "i told my mom about you",
# "my sister's number is ...".
_INVITE = re.compile(
    r"\b(?:bring|bringing|refer|referring|referred|send(?:ing)?\s+\w+(?:\s+\w+)?\s+your\s+way|"
    r"told\s+(?:my|her|him|them)\b.*\babout\s+(?:you|your|the)|gave\s+(?:my\s+\w+\s+)?your\s+(?:number|info|card)|"
    r"give\s+(?:my\s+\w+\s+)?your\s+(?:number|info)|pass(?:ing)?\s+(?:along|on)\s+your|"
    r"and\s+i\s+(?:book|come|both|want|wanna|would|can|could|get)|'s\s+(?:number|cell|phone|#|contact|info))",
    re.IGNORECASE,
)

_REL_THEN_NAME = re.compile(_OWNER + _REL + r"(?:'s\s+name\s+is)?(?:\s*,\s*|\s*\(\s*|\s+)" + _NAME, re.IGNORECASE)
# The name right before "(my sister" / ", my sister" / "- my sister": searched in the text before a
# relationship mention, so the regex never scans the whole message.
_NAME_BEFORE_REL = re.compile(r"(?:^|(?<=[\s,(!.?]))" + _NAME + r"\s*(?:\(\s*|,\s*|-\s*)$")
_REL_ONLY = re.compile(_OWNER + _REL + r"\b", re.IGNORECASE)
_NAME_IS = re.compile(
    r"\b(?:(?:her|his|their|the)\s+name(?:'s|\s+is)|(?:she|he)(?:'s|\s+is)\s+called|name's)\s+" + _NAME,
    re.IGNORECASE,
)
# The one or two words right before a referral cue: "Tom wants to book too", "Mom wants to come too".
_NAME_BEFORE_CUE = re.compile(
    r"(?:^|(?<=[\s,(!.?]))" + _NAME + r"\s+(?:also\s+|too\s+|really\s+|totally\s+|def\s+|definitely\s+)?$"
)
_BRING_WORDS = re.compile(r"\b(?:bring|refer|send|text|call|contact)\b")
_BRING = re.compile(r"\b(?:bring|refer|send|text|call|contact)\s+(?:over\s+)?" + _NAME, re.IGNORECASE)

_DIGIT = re.compile(r"\d")
_EMOJI_OR_SYMBOL = re.compile(r"[^\w\s'\-().,!?;:#+/&@]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass
class _Draft:
    start: int
    end: int
    name: str | None = None
    relationship: str | None = None
    phone: str | None = None
    intro: bool = False  # from "her name is ...": may name a nameless mention made earlier

    def freeze(self) -> ReferralMention:
        return ReferralMention(name=self.name, phone=self.phone, relationship=self.relationship)


# ------------------------------------------------------------------------------ names
def _canonical_rel(raw: str) -> str:
    return RELATIONSHIPS[re.sub(r"\s+", " ", raw.lower())]


def _capitalise(word: str) -> str:
    if any(c.isupper() for c in word[1:]) and not word.isupper():
        return word  # already cased by the patient ("McKenna", "O'Brien")
    parts = re.split(r"([\-'])", word.lower())
    return "".join(p[:1].upper() + p[1:] if len(p) > 1 or i == 0 else p for i, p in enumerate(parts))


def _name_word(word: str, *, anchored: bool) -> bool:
    """Whether one word can be (part of) a person's name here."""
    low = word.lower().rstrip("'")
    if len(low) < 2 or low in STOP_NAMES or not low[0].isalpha():
        return False
    if word[0].isupper():
        return anchored or low not in COMMON_WORDS
    return anchored and low not in COMMON_WORDS and not low.endswith(("ing", "ly"))


def _clean_name(raw: str | None, *, anchored: bool, allow_tail: bool = False) -> str | None:
    """A cleaned, capitalised name from a one- or two-word candidate, or None.

    allow_tail: when the first word is not a name, try the second alone ("so Dana (my sister)").
    """
    if not raw:
        return None
    words = raw.split()
    first = re.sub(r"'s$", "", words[0])
    if not _name_word(first, anchored=anchored):
        if allow_tail and len(words) > 1:
            return _clean_name(words[1], anchored=anchored)
        return None
    kept = [first]
    if len(words) > 1 and words[0] == first:
        second = re.sub(r"'s$", "", words[1])
        same_case = second[:1].isupper() == first[:1].isupper()
        if same_case and _name_word(second, anchored=True) and second.lower() not in COMMON_WORDS:
            kept.append(second)
    return " ".join(_capitalise(w) for w in kept)


# ------------------------------------------------------------------------------ extraction
def _phones(text: str, region: str) -> list[tuple[int, int, str]]:
    if len(_DIGIT.findall(text)) < 7:
        return []
    found = []
    for m in phonenumbers.PhoneNumberMatcher(text, region):
        found.append((m.start, m.end, phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)))
    return found


def _clause(text: str, start: int, ends: re.Pattern[str] = _CLAUSE_END) -> str:
    end = ends.search(text, start)
    return text[start : end.start() if end else len(text)]


def _clause_around(text: str, pos: int) -> str:
    starts = [m.end() for m in _CLAUSE_END.finditer(text, 0, pos)]
    return _clause(text, starts[-1] if starts else 0)


def _mentions(text: str) -> list[_Draft]:
    drafts: list[_Draft] = []
    low = text.lower()
    rel_only = list(_REL_ONLY.finditer(text))
    if rel_only:
        drafts += _related(text, rel_only)
    if "name" in low or "called" in low:
        for m in _NAME_IS.finditer(text):
            name = _clean_name(m.group("name"), anchored=True)
            if name:
                drafts.append(_Draft(m.start(), m.end(), name, None, intro=True))
    if _CUE.search(text):
        drafts += _named_by_cue(text)
    if _BRING_WORDS.search(low):
        for m in _BRING.finditer(text):
            name = _clean_name(m.group("name").split()[0], anchored=False)
            if name:
                drafts.append(_Draft(m.start("name"), m.end(), name))
    return drafts


def _related(text: str, rel_only: list[re.Match[str]]) -> list[_Draft]:
    """Mentions anchored on "my <relationship>": with a name, or nameless with a referral cue."""
    drafts: list[_Draft] = []
    for m in _REL_THEN_NAME.finditer(text):
        name = _clean_name(m.group("name"), anchored=True)
        if name:
            drafts.append(_Draft(m.start(), m.end(), name, _canonical_rel(m.group("rel"))))
    for rel in rel_only:
        if not rel.group(0).lower().startswith(("my", "our")):
            continue
        window = max(0, rel.start() - 40)
        m = _NAME_BEFORE_REL.search(text, window, rel.start())
        # "Dana (my sister)" may be lowercase; "..., my husband" lists need a capitalised name.
        anchored = bool(m) and "(" in text[m.end("name") : rel.start()]
        name = _clean_name(m.group("name"), anchored=anchored, allow_tail=True) if m else None
        if name:
            drafts.append(_Draft(m.start(), rel.end(), name, _canonical_rel(rel.group("rel"))))
    for m in rel_only:
        if _CUE.search(_clause(text, m.end(), _PHRASE_END)) or _INVITE.search(_clause_around(text, m.start())):
            drafts.append(_Draft(m.start(), m.end(), None, _canonical_rel(m.group("rel"))))
    return drafts


def _named_by_cue(text: str) -> list[_Draft]:
    """ "Tom wants to book too", "Mom wants to come too"."""
    drafts: list[_Draft] = []
    for cue in _CUE.finditer(text):
        m = _NAME_BEFORE_CUE.search(text, max(0, cue.start() - 40), cue.start())
        if m is None:
            continue
        raw = m.group("name")
        last = raw.split()[-1]
        if last.lower() in RELATIONSHIPS:  # "Mom wants to come too"
            if len(raw.split()) == 1 or raw.split()[0].lower() not in ("my", "our"):
                drafts.append(_Draft(m.start("name"), cue.start(), None, _canonical_rel(last)))
            continue
        name = _clean_name(raw, anchored=False, allow_tail=True)
        if name:
            drafts.append(_Draft(m.start("name"), cue.start(), name))
    return drafts


def _merge(drafts: list[_Draft]) -> list[_Draft]:
    """One draft per person: same name, or a nameless relationship inside a named mention."""
    drafts.sort(key=lambda d: (d.start, d.name is None))
    merged: list[_Draft] = []
    for d in drafts:
        same = next((o for o in merged if d.name and o.name and o.name.lower() == d.name.lower()), None)
        overlap = next((o for o in merged if o.start <= d.start < o.end or d.start <= o.start < d.end), None)
        target = same or (overlap if overlap and (not d.name or not overlap.name) else None)
        if target:
            target.name = target.name or d.name
            target.relationship = target.relationship or d.relationship
            target.end = max(target.end, d.end)
        else:
            merged.append(d)
    # "My friend wants to come, her name is Priya": the introduction names the nameless mention.
    for intro in [d for d in merged if d.intro and not d.relationship]:
        host = next((o for o in merged if o.name is None and o.relationship and o.start < intro.start), None)
        if host:
            host.name = intro.name
            merged.remove(intro)
    return merged


def _attach_phones(text: str, drafts: list[_Draft], phones: list[tuple[int, int, str]]) -> None:
    for start, end, e164 in phones:
        free = [d for d in drafts if d.phone is None]
        inside = [d for d in free if d.start <= start < d.end]
        if inside:
            inside[0].phone = e164
            continue
        before = [d for d in free if d.end <= start and start - d.end <= 60]
        after = [d for d in free if d.start >= end and d.start - end <= 40]
        if before:
            max(before, key=lambda d: d.end).phone = e164
        elif after:
            min(after, key=lambda d: d.start).phone = e164
        elif _WHOSE_NUMBER.search(text):
            drafts.append(_Draft(start, end, None, None, e164))


def extract_referrals(text: str, region: str = "US") -> list[ReferralMention]:
    """People the patient mentions in a referral-like way, in the order they appear."""
    if not text or not text.strip():
        return []
    text = _EMOJI_OR_SYMBOL.sub(" ", text.translate(_QUOTES))
    phones = _phones(text, region)
    scrubbed = text
    for start, end, _ in phones:
        scrubbed = scrubbed[:start] + " " * (end - start) + scrubbed[end:]
    drafts = _merge(_mentions(scrubbed))
    _attach_phones(text, drafts, phones)
    drafts.sort(key=lambda d: d.start)
    return [d.freeze() for d in drafts]


_BARE = re.compile(
    r"^\W*(?:(?:it's|its|her name is|his name is|name is|yes|yeah|yep|sure|ok|okay|of course|definitely)\W+)*"
    r"(?:(?:my|our)\s+" + _ADJ + _REL + r"\W*)?" + _NAME + r"?\W*$",
    re.IGNORECASE,
)


def extract_bare_referral(text: str, region: str = "US") -> ReferralMention | None:
    """A bare answer to a referral ask: "Dana", "my sister!", "sarah lee 415-555-0134", "yes! Kim".

    Only meaningful right after the agent asked for a referral; the caller decides that. Anything
    with other words in it ("call me at 415-555-0134") is not a bare answer.
    """
    if not text or not text.strip():
        return None
    text = _EMOJI_OR_SYMBOL.sub(" ", text.translate(_QUOTES))
    phones = _phones(text, region)
    rest = text
    for start, end, _ in reversed(phones):
        rest = rest[:start] + " " + rest[end:]
    phone = phones[0][2] if phones else None
    m = _BARE.match(rest)
    if m is None:
        return None
    rel = _canonical_rel(m.group("rel")) if m.group("rel") else None
    name = _clean_name(m.group("name"), anchored=True)
    if m.group("name") and name is None and rel is None:
        return None  # "no thanks", "sure thing": words, but not a person
    if name is None and phone is None and rel is None:
        return None
    return ReferralMention(name=name, phone=phone, relationship=rel)
