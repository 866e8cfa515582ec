"""Referral extraction: who the patient is introducing, how they relate, and their phone number.

Deterministic rules over the raw text (case carries signal for names), in English and Spanish:
- relationship + name: "my sister Dana", "mi prima ana 415 555 0101", "mis amigas Sofi y Carmen";
- name + relationship: "Dana (my sister) wants in", "Lucia (mi hermana) quiere cita", "kim wants in, shes my bff";
- introductions: "her name is Priya", "she's called Priya", "se llama Lucia";
- names + referral verb: "Tom wants to book too", "Dana, Kim and Lou want in", "Ana también quiere";
- names after the clause that introduces them: "2 of my gym friends want to come in, Bri and Kendra",
  "mis primas quieren venir: Itzel y Ximena" (the clause must name people: a relative, "girls", "alguien");
- a name opening the text: "Hannah! she has been wanting to come", "Noor: my coworker, wants lip filler";
- relationship + referral verb, no name: "my mom wants to come too", "mi suegra tambien quiere";
- commands to the clinic: "tell Jordan about you guys", "call my mom", "dile a mi prima Ana";
- a name next to a number: "Kim 415.555.0134", "Kim's number is ...", "+14155550134 is my sister Dana".
A lowercase word is a name only right after a relationship or a command verb, or first in its clause
right before a referral verb or a number ("jordan wants the same"), and never a common word (the
judging of words is in name_words.py). Misspelt relationship words ("my sistr kayla") are repaired first. Someone
else's relative ("my friend's mom", "la mamá de mi novio") has no relationship to the patient. The
patient's own name ("my name is Maya", "soy Maya") and any name the caller passes in `ignore` (the
patient's, the clinic's) are never returned.
Phone numbers (any the `phonenumbers` package finds valid for `region`) attach to the closest mention
that has none; a number with no mention counts only when the text says it is someone else's ("her
number is", "su numero es"), never the patient's own ("my new number is ...").

Mentions are returned whether or not the turn is a referral; the classifier decides that, helped by
REFERRAL_CUE (referral verbs and commands, written to match normalised text too).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

from agent.brains.offline.name_words import clean_name as _clean_name
from agent.brains.offline.name_words import looks_named as _looks_named
from agent.brains.offline.name_words import pick as _pick
from agent.brains.offline.names import (
    ARTICLE_RELATIONSHIPS,
    BARE_TITLES,
    NOT_REFERRED,
    OPENING_INTERJECTIONS,
    PLURAL_TO_ONE,
    RELATIONSHIPS,
    STOP_NAMES,
    WORDS_THAT_ARE_NAMES,
    fold,
    misspelt_relationship,
)

__all__ = ["ReferralMention", "extract_referrals", "extract_bare_referral", "REFERRAL_CUE"]


@dataclass(frozen=True)
class ReferralMention:
    name: str | None
    phone: str | None  # E.164
    relationship: str | None  # canonical, English: "sister", "mother-in-law", "best friend", ...


# ------------------------------------------------------------------------------ grammar
def _alternation(words: Iterable[str], group: str) -> str:
    ordered = sorted(words, key=len, reverse=True)  # longest first: "sister in law" before "sister"
    return rf"(?P<{group}>" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) + r")"


_REL = _alternation(RELATIONSHIPS, "rel")
_ADJ = (
    r"(?:(?:good|close|older|younger|little|lil|big|twin|oldest|youngest|baby|new|other|dear|whole|two|three|"
    r"2|3|4|four|five|dos|tres|cuatro|cinco|guy|girl|old|college|childhood|favorite|fave)\s+){0,2}"
)
_POST_ADJ = r"(?:\s+(?:mayor|menor|chica|chico|grande|peque[ñn][ao]|gemel[ao]|favorit[ao]|querid[ao]))?"
# "me" is "my" in Irish and British speech ("me sister Aoife's after botox"); "ma", "mon", "mes" are French and
# Haitian Creole ("Ma cousine Widlyne"). Every use puts a relationship word after them.
_OWNERS = r"(?:my|our|one\s+of\s+my|mi|mis|nuestr[ao]s?|una?\s+de\s+mis|me|ma|mon|mes)"
_OWNER = r"\b" + _OWNERS + r"\s+" + _ADJ
_OWNER_START = re.compile(_OWNERS + r"\b", re.IGNORECASE)
_WORDCHARS = r"[^\W\d_][\w'\-]*"
_NAME = rf"(?P<name>{_WORDCHARS}(?:\s+{_WORDCHARS})?)"

# Referral verbs: what a person who wants to come in is said to do (after their name or relationship).
_CUE_EN = (
    r"\b(?:wants?\s+(?:to|in|your|ur|the|an?|info|details|a\s+consult|botox|filler|fillers|lips?|lip\s+filler|"
    r"facials?|laser|hydrafacial|microneedling|peels?|appts?|appointments?|consults?|consultations?|that|this|it|them|some|one|hers|his|"
    r"whatever|what|everything|exactly|same|more|me\s+to)\b|wanted\s+to|wanna|wan\s+(?:come|book|try|get)\b|"
    r"wants?\s+(?:her|his|their)\s+\w+(?:\s+\w+)?\s+(?:done|looked\s+at|treated|fixed|removed)|"
    r"would\s+(?:both\s+|all\s+|also\s+)?(?:like|love)\s+to|"
    r"would\s+(?:both\s+|all\s+|also\s+)?(?:like|love)\s+(?:a|an|some|the|it|that|one|info\w*|appointments?|appts?|"
    r"consults?|consultations?|facials?|botox|fillers?|lips?|peels?|laser|hydrafacials?|microneedling|massages?)\b|'d\s+(?:like|love)\s+to|"
    r"(?:is|are|'s|'re|also|super|very|really|both|all)\s+interested|would\s+be\s+interested|(?:is|are)\s+curious|"
    r"interested\s+too|(?:keeps?\s+|kept\s+)?(?:asked|asks|asking)\s+(?:me\s+)?(?:where|who|about|how|when|"
    r"for\s+(?:your|ur|the|a|an|info|details|my|y'?all|you|u)|if\s+(?:you|u|y'?all|she|he|they|i\s+(?:could|can)))|"
    r"(?:is|are|'s|'re)\s+dying\s+to|might\s+(?:want|come|book|call|text)|(?:is|are)\s+thinking\s+(?:about|of)|"
    r"(?:is|are|'s|'re)\s+(?:going\s+to|gonna)\s+(?:come|book|call|text|reach|hit|message|contact|email|dm)|"
    r"(?:will|'ll)\s+be\s+(?:calling|texting|reaching\s+out|booking|coming\s+in|in\s+touch|contacting|messaging)\b|"
    r"(?:will|'ll|'d|would)\s+(?:prob(?:ably)?\s+|prolly\s+|def(?:initely)?\s+|likely\s+|soon\s+)?"
    r"(?:call|text|reach\s+out|book|come|message|dm|contact|hit\s+(?:you|u|ya)\s+up)|"
    r"needs?\s+(?:your|ur|the)\s+(?:number|info)|"
    r"(?:is|are|'s|'re)\s+(?:coming|booking|calling)|(?:already\s+)?booked\b|coming\s+with\s+me|"
    r"(?:is|are|'s|'re)\s+(?:texting|messaging|contacting|reaching\s+out\s+to)\s+(?:you|u|y'?all)\b|"
    r"(?:is|are|'s|'re)\s+(?:keen|excited)|should\s+(?:come|book|go)|can\s+(?:come|book(?!\s+(?:me|us)\b)|get\s+in)|"
    r"can\s+(?:she|he|they)\s+(?:come|book|join|get\s+in)\b|(?:when|once)\s+(?:she|he|they)\s+(?:comes?|books?|calls?|texts?|reaches\s+out)\b|"
    r"(?:begged|begging|bugging|hounding|pestering)\s+(?:me\s+)?(?:for|about)\b|"
    r"(?:is|are|'s|'re)\s+(?:so\s+|totally\s+|also\s+|finally\s+|now\s+|already\s+)?(?:ready|down)\s+to\s+(?:book|come|go|try|schedule|get|do)|"
    r"(?:she|he|they)(?:'s|\s+has|\s+have|'ve)\s+been\s+wanting\s+(?:to|some|botox|filler|lips?)\b)"
)
_CUE_ES = (
    r"(?<!\bno\s)\bquieren?\s+(?:venir|ir|una?|cita|agendar|hacer(?:se|lo|la)?|poner(?:se|lo)|probar(?:lo)?|"
    r"saber|info\w*|el|la|los|las|lo|tu|su|sus|tus|reservar|entrar|apartar|conocer\w*|tambi[eé]n|darse|pedir|"
    r"verse|lucir|checar\w*|consulta|precios?|b[oó]tox|rellenos?|labios|filler|l[aá]ser|faciales?|tratamiento|"
    r"algo|q(?:ue)?\s+(?:le|les|la|lo)\s+\w+)\b|\b(?:tambi[eé]n|igual|tmb|tb)\s+quieren?\b|"
    r"(?<!\bno\s)\bquieren?\s*(?:[.!,;?]|$)|"
    r"\b(?:quisieran?|les?\s+gustar[ií]a)\s+(?:venir|ir|una?|cita|agendar|hacer\w*|probar|saber|info\w*)\b|"
    r"\best[aá]n?\s+(?:muy\s+)?interesad[ao]s?\b|\bles?\s+interesa\b|\bpregunt(?:a|an|ando|aron|[oó])\b|"
    r"\bvan?\s+a\s+(?:venir|ir|llamar|escribir|agendar|hablar|marcar|mandar|contactar\w*|comunicar\w*)\b|"
    # "Yadira y Nancy se van a comunicar con ustedes", "se pondrán en contacto"
    r"\bse\s+(?:van?\s+a\s+)?(?:comunicar|contactar|poner\s+en\s+contacto)\b|\bse\s+pondr[aá]n?\s+en\s+contacto\b|\bvienen?\s+conmigo\b|"
    r"\bpueden?\s+venir\b|\b(?:les?|te)\s+(?:escribe|llama|marca)\b|\bme\s+pidi[oó]\s+(?:su|tu|el|la|sus)\s+"
    r"(?:n[uú]mero|info\w*|contacto|datos|tel\w*|cel\w*)|\bde\s+mi\s+parte\b|"
    r"\bse\s+anima\b|\btienen?\s+ganas\b|\bse\s+muere\s+por\b|\b(?:te|les?)\s+(?:mand[eé]|envi[eé]|recomend[eé])\s+a\b"
)


# Patterns whose every branch begins with \b and a letter are tried only where a word starts: the same
# matches, found in half the time. _at_words also tries apostrophes ("she's dying to").
_WORD_START = r"(?<![^\W\d_])(?=[^\W\d_])"


def _at_words(pattern: str) -> str:
    return r"(?:" + _WORD_START + r"|(?='))(?:" + pattern + ")"


_CUE = re.compile(_at_words(_CUE_EN + "|" + _CUE_ES), re.IGNORECASE)

# Commands to the clinic, for the classifier (it reads normalised text: "u" -> "you", accents folded).
_SP_COMMAND = (
    # Spain's vosotros forms too: "decidle", "avisadle", "escribidle", "pasadle", "llamadla", "mandadle"
    r"(?:d[ií]le|d[ií]gale|d[ií]ganle|d[ií]gales|dec[ií]dle|av[ií]sale|av[ií]sele|av[ií]senle|avis[aá]dle|escr[ií]bele|"
    r"escr[ií]bale|escr[ií]banle|escrib[ií]dle|m[aá]nd(?:a|e|en|ad)le(?:\s+(?:un\s+)?(?:mensaje|mensajito|msj|texto|whats\w*))?|"
    r"m[aá]nd(?:a|en)\s+(?:un\s+)?(?:mensaje|msj|texto|whats\w*)|"
    r"env[ií]a(?:le|n|nle)?\s+(?:un\s+)?(?:mensaje|msj|texto)|"
    # the clinic's form, info or prices sent on to someone: "mándale el formulario a mi cuñada Rosa"
    r"(?:m[aá]nd|env[ií]|p[aá]s)(?:a|e|en)(?:le|les)?\s+(?:la|el|los|las|su|sus|tu|tus)\s+(?:[\w]+\s+){0,2}?"
    r"(?:info\w*|formularios?|forma|planilla|cuestionario|lista(?:\s+de\s+precios)?|precios|link|enlace|liga|"
    r"men[uú]|detalles|datos)|"
    r"ll[aá]m(?:a|e|en|ad)l[ea]|llama|llamen|llame|marca|marquen|m[aá]rcale|m[aá]rquenle|contacta|contacten|contacte|"
    r"cont[aá]ct(?:a|e|en|ad)l[ea]|h[aá]bl(?:a|e|en|ad)le|text[eé]ale|textea|p[aá]s(?:a|e|en|ad)le\s+(?:la|el|su|tu|mi)\s+\w+|"
    # "le dije a Rocío y a Tere que vayan": told to come, not told about the visit
    r"les?\s+dije(?=[^.!?]{0,80}\bque\s+(?:vaya|vayan|venga|vengan|llame|llamen|escriba|escriban|agende|agenden|reserve|"
    r"reserven|pida|pidan|les?\s+(?:escriba|escriban|llame|llamen|marque|marquen))\b)|"
    r"les?\s+(?:pas[eé]|di|d[ií]|mand[eé]|envi[eé])\s+(?:su|tu|el|la|sus|tus)\s+"
    r"(?:n[uú]mero|info\w*|contacto|tel[eé]fono|cel\w*|tarjeta|datos|whats\w*))\s+a"
)
# "about you guys", "about the membership": the clinic, not "about the swelling".
_ABOUT_US = (
    r"(?:about|abt|bout)\s+(?:you|u|ya|y'?all|your|ur|us|this\s+place|"
    r"the\s+(?:[\w']+\s+){0,3}?(?:clinic|spa|place|deal|"
    r"special|membership|promo|offer|referral|discount|program))\b"
)
# What the clinic may send on to someone: its offer, its forms, its prices ("send the new client form to my
# mother-in-law", "email your price list to my neighbor Gwen").
_SENT_THING = (
    r"(?:the|your|ur|y'?all'?s)\s+(?:[\w'\-]+\s+){0,2}?(?:promo|special|deal|link|info|offer|discount|coupon|code|"
    r"details|referral|card|number|website|new\s+patient\s+\w+|forms?|paperwork|intake|questionnaire|price\s+list|"
    r"prices|pricing|menu|brochure)"
)
_COMMAND_CUE = (
    r"(?:^\W*|[.!?,;]\s*|\b(?:you|y'?all|you\s+guys)\s+(?:should|can|could|might\s+want\s+to)\s+|"
    r"\b(?:can|could|would|will)\s+(?:you|y'?all)\s+(?:please\s+)?|"
    r"\b(?:please|pls|plz|go\s+ahead\s+and|feel\s+free\s+to)\s+)"
    r"(?:text|txt|call|ring|contact|message|msg|email|ping|hit\s+up|reach\s+out\s+to|reach|get\s+in\s+touch\s+with)"
    r"\s+(?!me\b|us\b|back\b|you\b)|\bgive\s+(?:\S+\s+){1,3}?a\s+(?:call|ring|text|shout|buzz)\b|"
    r"\btell\s+(?:\S+\s+){1,3}?" + _ABOUT_US + "|"
    # "tell Tiffany I sent her", "tell Jordan she should call you"
    r"\btell\s+(?:\S+\s+){1,2}?(?:i\s+sent\s+(?:her|him|them)\b|(?:she|he|they)(?:\s+(?:should|can|could|will|is\s+going\s+to|"
    r"gonna|might)|'ll)\s+(?:\w+\s+)?(?:call|text|come|book|reach|contact|message|dm|hit)\w*)|"
    r"\b" + _SP_COMMAND + r"\b|"
    r"\ble\s+(?:cont[eé]|platiqu[eé]|habl[eé])\s+a\s+(?:\S+\s+){1,3}?(?:de|sobre)\s+"
    r"(?:ustedes|usted|ti|la\s+cl[ií]nica|este\s+lugar)\b|\bse\s+llama\b|\bsu\s+nombre\s+es\b|"
    r"\bi(?:'m|\s+am|\s+just)?\s+referr(?:ed|ing)\b|\breferred\s*:|\bmy\s+referral\s+(?:is|=|:)|\bas\s+my\s+referral\b|"
    r"\b(?:can|could)\s+(?:you|u|y'?all)\s+(?:please\s+)?(?:(?:squeeze|fit)\s+in|add\s+my)\b|\bput\s+\w+\s+down\s+as\b|\bgoes\s+by\b|\bnamed\s+[A-Za-z]|"
    r"\b(?:sending|send|sent)\s+(?:my\s+\w+\s+)?\w+\s+(?:your|ur|you|y'?all'?s)\s+way\b|"
    # the clinic's forms or prices sent on to someone: a referral ("... to me" is the patient's own)
    r"\b(?:send|text|forward|pass|give|email)\s+" + _SENT_THING + r"\s+(?:(?:along|over|on)\s+)?to\s+(?!me\b|us\b|myself\b)"
)
# Everything that makes a named mention a referral: what the classifier checks (on normalised text).
REFERRAL_CUE = _CUE_EN + "|" + _CUE_ES + "|" + _COMMAND_CUE

# Command verbs followed by the person to contact. `tail` is what must follow in the same phrase.
_COMMAND = re.compile(
    _WORD_START + r"\b(?:"
    # "send the promo to Courtney": the clinic's offer passed on to someone
    r"(?P<sendto>(?:send|text|forward|pass|give|email)\s+(?:it|this|that|" + _SENT_THING + r")"
    r"(?:\s+(?:along|over|on))?\s+to)|"
    r"(?P<contact>text|txt|call|ring|contact|message|msg|dm|email|ping|hit\s+up|reach\s+out\s+to|"
    r"reach|get\s+in\s+touch\s+with|get\s+ahold\s+of|follow\s+up\s+with)|(?P<tell>tell|told|telling)|(?P<give>give)|"
    r"(?P<have>have|get)|(?P<bring>bring|bringing|brought|refer|referring|referred|send|sending|invite|inviting|"
    r"invited|add|book|schedule|squeeze\s+in|fit\s+in|(?:llevar|llevo|traer|traigo|invitar|invit[eé])\s+a)|"
    # "vengo de parte de Pilar": the new patient names who sent them, and that person is recorded too
    r"(?P<es>(?:vengo|vine|venimos|vinimos)\s+de\s+parte\s+de|referral\s*(?:for\s+(?:you|u)\s*)?[:\-]|referido\s*:|referred\s*:|my\s+referral\s+(?:is|=|:)))\s+(?:over\s+)?",
    re.IGNORECASE,
)
_COMMAND_ES = re.compile(_WORD_START + r"\b(?P<es>" + _SP_COMMAND + r")\s+", re.IGNORECASE)  # all end in " a "
_TAILS = {
    # "tell Jordan about you guys", not "tell Ashley about the swelling"
    "tell": re.compile(r"\b" + _ABOUT_US + r"|\bto\s+(?:call|text|come|book|reach|contact|check|get|try|hit|message)\b|"
                       r"\b(?:when|once)\s+(?:she|he|they)\s+(?:comes?|gets?\s+here|books?)\b|"
                       # "tell Jordan she should call you"
                       r"\b(?:she|he|they)(?:\s+(?:should|can|could|needs?\s+to|has\s+to|will|is\s+going\s+to|gonna|"
                       r"might)|'ll)\s+(?:\w+\s+)?(?:call|text|come|book|reach|contact|message|dm|hit)\w*\b|"
                       r"\bi\s+sent\s+(?:her|him|them)\b|"
                       # "tell keanna i said hi and book her for a facial"
                       r"\b(?:and|&|n)\s+(?:book|get|schedule|squeeze|fit|set|hook|sign)\s+(?:her|him|them)\b",
                       re.IGNORECASE),
    "give": re.compile(r"\ba\s+(?:call|ring|text|shout|buzz|holler)\b", re.IGNORECASE),
    "have": re.compile(r"\b(?:call|text|reach\s+out\s+to|contact|message|email|hit\s+up)\s+(?:you|u|ya|y'?all|the)\b",
                       re.IGNORECASE),
}
# Words that make the verb a noun: "my text settings", "your contact list", "my ring light".
# "tell Thuy I said hi, she's coming in with me": a greeting passed to someone who is coming in.
_SAID_HI_COMING = re.compile(r"\bi\s+said\s+(?:hi|hello|hey)\b\W+(?:and\s+)?(?:she|he|they)(?:'s|'re|\s+is|\s+are)\s+"
                             r"(?:coming|booking|booked)\b", re.IGNORECASE)
_NOT_A_REQUEST = re.compile(
    r"\b(?:my|your|ur|the|this|that|a|an|our|his|her|their|not|no|any|per|of|from|by|via|mi|su|tu|el|la|un|una|"
    r"(?:meant|supposed|going|trying|tried|wanted|forgot|need|have|had|gotta|gonna)\s+to)\s*$",
    re.IGNORECASE,
)
# Only the nouns, for "refer": "wanted to refer Tom" is a referral ("meant to text my mom" is not a request).
_NOT_A_REFERRAL_VERB = re.compile(
    r"\b(?:my|your|ur|the|this|that|a|an|our|his|her|their|not|no|any|per|of|from|by|via|mi|su|tu|el|la|un|una)\s*$",
    re.IGNORECASE,
)

# Whose number it is, for a number that no mention claims: someone else's, never the patient's own.
_WHOSE_NUMBER = re.compile(
    r"\b(?:her|his|their|(?:my|our)\s+" + _ADJ + _REL + r"(?:'s)?)\s+(?:number|cell|phone|#)|"
    r"\b(?:text|call|reach|contact)\s+(?:her|him|them)\b|\b(?:she|he)(?:'s|s|\s+is)\s+(?:at|@)\s|"
    r"\b(?:here'?s|heres)\s+(?:her|his|hers)\b|"
    r"\bsu\s+(?:n[uú]mero|cel(?:ular)?|tel[eé]fono|whats\w*)\b|"
    r"\b(?:n[uú]mero|cel(?:ular)?|tel[eé]fono|whats\w*)\s+de\s+(?:ella|[eé]l|mi|mis)\b|"
    r"\b(?:ll[aá]mal[ea]|escr[ií]bele|m[aá]ndale|m[aá]rcale)\b",
    re.IGNORECASE,
)
# A number said to belong to someone mentioned earlier: "... her number 650 555 0102", "call him at ...".
_THEIR_NUMBER = re.compile(
    r"\b(?:(?:her|his|their)\s+(?:number|cell|phone|#|digits)|(?:call|text|reach)\s+(?:her|him|them)|"
    r"(?:she|he)(?:'s|s|\s+is)|su\s+(?:n[uú]mero|cel(?:ular)?|tel[eé]fono))[\s:\-#]*(?:is\s+|at\s+|es\s+)?$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;\n]")
_PHRASE_END = re.compile(r"[.!?;,\n]")  # a referral cue must follow its relationship in the same phrase
_YOU = r"(?:your|ur|yr|y'?all'?s)"
# The patient bringing or sending someone: "can i bring my sister", "i told my mom about you",
# "my sister's number is ...", "puedo llevar a mi mamá", "mi hermana y yo".
_INVITE = re.compile(
    # the patient brings, refers or sends someone ("my friend referred me" and "my sister is bringing me" do not)
    r"\b(?:(?:bring|bringing|refer|referring|referred)\s+(?:my|her|him|them|a|an|some|over)\b|"
    r"send(?:ing)?\s+\w+(?:\s+\w+)?\s+" + _YOU + r"\s+way|"
    r"sen[dt](?:ing)?\s+(?:her|him|them)\s*(?:$|[.!,;]|over\b|to\s+(?:you|u|y'?all)\b|lol\b)|"
    r"send(?:ing)?\s+(?:my|her|him|them)\b.*\b(?:to\s+(?:you|u|y'?all)|over)\b|"
    r"told\s+(?:my|her|him|them)\b.*\babout\s+(?:you|u|y'?all|your|ur|the)\b|"
    r"tell(?:ing)?\s+(?:my|her|him)\b.*\b(?:about\s+(?:you|u|y'?all|your|ur|the)|to\s+(?:book|come|call|text))\b|"
    # the patient passes the clinic's details on ("my sister gave me your number" does not)
    r"(?:gave|give|giving|pass(?:ed|ing)?|sen[dt](?:ing)?|shar(?:e|ed|ing)|forward(?:ed|ing)?)\s+(?!me\b|us\b)"
    r"(?:\w+\s+){0,3}?" + _YOU + r"\s+(?:number|info|card|contact|details|website|link|page|ig|insta\w*|name)|"
    r"pass(?:ing)?\s+(?:along|on)\s+" + _YOU + r"|(?:get|expect)\s+a\s+(?:call|text)\s+from|"
    r"\bi(?:'ve|'ll|\s+will|\s+have)?\s+(?:already\s+)?recommend(?:ed|ing)?\s+(?:you|u|y'?all)\b|"
    # coming together, or asking for them ("my husband and i both loved it" does not)
    r"and\s+i\s+(?:both\s+)?(?:book|come|want|wanna|would|can|could|get)|'s\s+(?:number|cell|phone|#|contact|info)|"
    r"can\s+my\b.*\b(?:come|book|join|get)\b|want\s+my\b.*\bto\s+(?:come|book|join)\b|"
    r"book\w*\s+(?:me|us)\s+(?:and|&|\+|n)\s+my\b|"
    r"(?:put|add)\s+(?:my|her|him)\b.*\b(?:referral|list|down)\b|"
    r"(?:can|could)\s+(?:you|u|y'?all)\s+(?:please\s+)?(?:add|squeeze\s+in|fit\s+in)\s+my\b|"
    # Spanish: "puedo llevar a mi mamá", "recomendé a mi amiga", "mi mamá y yo queremos ir"
    r"(?:traer|traigo|llevar|llevo|invit(?:[eé]|ar)|mandar|mando|mand[eé])\s+a\s+(?:mi|mis|una?)\b|recomend[eé]\b|"
    r"recomendar(?:l[aeo]s?)?\b|y\s+yo\s+(?:queremos|vamos|podemos|quisi[eé]ramos|nos\s+queremos)\b|"
    r"(?:n[uú]mero|cel(?:ular)?|tel[eé]fono|whats\w*|contacto|datos|info)\s+de|"
    r"le\s+(?:cont[eé]|platiqu[eé]|habl[eé])\s+a\b.*\b(?:de|sobre)\s+(?:ustedes|usted|ti|la\s+cl[ií]nica)|"
    r"les?\s+(?:cont[eé]|platiqu[eé]|habl[eé])\s+(?:de|sobre)\s+(?:ustedes|usted|ti)\s+a\b|"
    r"le\s+(?:digo|dije|voy\s+a\s+decir|aviso|avis[eé])\s+a\b.*\bq(?:ue)?\s+"
    r"(?:te|les?|vaya|venga|llame|escriba|agende|marque)\b)",
    re.IGNORECASE,
)
_SPANISH_OWNER = re.compile(r"(?:mi|mis|nuestr|una?|la|el)\b", re.IGNORECASE)
# What makes "a friend" someone introduced: bringing them, not "the refer a friend thing".
_ARTICLE_INVITE = re.compile(
    r"\b(?:bring|bringing|llevo|llevar|traigo|traer|invit[eé]|invitar)\b", re.IGNORECASE
)

# "mi suegra doña Tere", "my colleague Dr. Anita Shah", "mi comadre la Chayo": the name comes after.
_HONORIFIC = (
    r"(?:(?:do[ñn]a|don|miss|mrs?|ms|dra?|doctora?|se[ñn]ora|sra?)\.?\s+(?=[^\W\d_])|"
    r"(?:la|el)\s+(?-i:(?=[A-ZÁÉÍÓÚÑ][a-záéíóúñ])))?"  # only before a capital: "mi mamá la próxima vez"
)
_TITLE_BEFORE_NAME = re.compile(r"(?:do[ñn]a|don|miss|mrs|mr|ms|dra?|doctora?|se[ñn]ora|sra?)\.?\s+(?-i:(?=[A-ZÁÉÍÓÚÑ]))",
                                re.IGNORECASE)
_REL_THEN_NAME = re.compile(
    _OWNER + _REL + _POST_ADJ + r"(?:'s\s+name\s+is|,?\s+(?:que\s+)?se\s+llama)?(?:\s*,\s*|\s*\(\s*|\s*:\s*|\s+)"
    + _HONORIFIC + _NAME,
    re.IGNORECASE,
)
# "mi amiga de la iglesia, Martha, quiere ir", "my friend from work, Kim, wants in"; a place of two words
# before a comma is the place ("mi prima de Puerto Rico, Nayeli"), not a name.
_REL_FROM_NAME = re.compile(
    _OWNER + _REL + r"\s+(?:from|de|del)\s+(?:(?:the|my|la|el|mi)\s+)?(?P<group>[^\W\d_]+(?:\s+[^\W\d_]+(?=\s*,))?)"
    r"(?:\s*,\s*|\s+)" + _HONORIFIC
    + r"(?P<name>" + _WORDCHARS + ")",
    re.IGNORECASE,
)
# Groups a relationship is qualified by ("my friend from choir jess", "mi amiga del coro consuelo"): after one
# of these a lowercase uncommon word is the name, as after "my friend" ("my friend from boston" is a place).
# "my friend hope wants to come too": a lowercase name that is also a word, between the relationship and
# "wants"/"quiere". Not the modals ("my friend will want to", "may want").
_WORD_NAME_THEN_WANTS = re.compile(
    r"(?P<name>" + "|".join(sorted(WORDS_THAT_ARE_NAMES - {"will", "may"})) + r")\s+(?:wants|quiere)\b")
_GROUPS = frozenset(
    "choir church gym work school yoga pilates barre spin crossfit class college uni university office team club "
    "bible parish temple mosque synagogue salon book coro iglesia gimnasio gim trabajo escuela colegio oficina "
    "universidad equipo clase zumba parroquia templo".split()
)
# Someone the referred person relates to: "my son Jun and his wife Min-ji", "mi vecina y su esposo Beto". Read
# only after another mention; no relationship to the patient is recorded.
_THEIR_REL_NAME = re.compile(
    _WORD_START + r"\b(?:his|her|their|su|sus)\s+" + _ADJ + _REL + _POST_ADJ + r"(?:\s*,\s*|\s+)" + _HONORIFIC
    + r"(?P<name>" + _WORDCHARS + ")",
    re.IGNORECASE,
)
# Email addresses and web addresses: blanked before names are read, so "gmail.com" never gives "Com".
_ADDRESS = re.compile(
    r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+|\b(?:https?://|www\.)\S+|"
    r"\b[\w\-]+(?:\.[\w\-]+)*\.(?:com|net|org|edu|gov|io|us|uk|ca|mx|info|biz|app)\b(?:/\S*)?",
    re.IGNORECASE,
)
# The name right before "(my sister" / ", my sister" / "- my sister": searched in the text before a
# relationship mention, so the regex never scans the whole message.
_NAME_BEFORE_REL = re.compile(r"(?:^|(?<=[\s,(!.?]))" + _NAME + r"(?:\s*(?:\(\s*|,\s*|-\s*)|\s+(?:is|es)\s+)$")
_NAME_THEN_AND = re.compile(r"(?:^|(?<=[\s,(!.?]))(?P<name>" + _WORDCHARS + r")\s*(?:,|&|\band\b|\by\b)\s*$",
                            re.IGNORECASE)
_NAME_FIRST_BEFORE_REL = re.compile(r"(?:^|(?<=[,.!?;:\n]))\s*(?:(?:la|el)\s+)?(?P<name>" + _WORDCHARS + r")\s+$")  # "Dana mi compañera"
# "Ji-woo and Min-seo my friends want ...", "Jin-ho y Min-ji mis amigos": a list opening its clause, then the
# relationship; the last name is matched here, those before it by _NAME_THEN_AND.
_NAMES_FIRST_BEFORE_REL = re.compile(
    r"(?:^|(?<=[,.!?;:\n]))\s*" + _WORDCHARS + r"(?:\s*,\s*" + _WORDCHARS + r"){0,2}\s*(?:,|&|\band\b|\by\b)\s*"
    r"(?P<name>" + _WORDCHARS + r")\s+$",
    re.IGNORECASE,
)
# "hubby Mike wants in", "wifey Jen 415...": a relative's title without "my", first in its phrase.
_TITLE_THEN_NAME = re.compile(
    r"(?:^|(?<=[.!?;,:\n]))\s*(?:(?:and|y|also|plus|oh|ok|so|and\s+my)\s+)?" + _alternation(BARE_TITLES, "rel")
    + r"\s+(?:(?:name|named|called)\s+)?(?P<name>" + _WORDCHARS + ")",  # "Bredren name Kemar wan come"
    re.IGNORECASE,
)
_LOWER_TITLES = frozenset("bestie bff hubby wifey".split())
_REL_ONLY = re.compile(_WORD_START + _OWNER + _REL + r"\b", re.IGNORECASE)
_ARTICLE = r"(?:a|an|una|un|la|el)"
# "a friend of mine", "una amiga mía": as good as "my friend".
_REL_OF_MINE = re.compile(
    _WORD_START + r"\b(?:" + _ARTICLE + r"\s+)?" + _alternation(ARTICLE_RELATIONSHIPS, "rel")
    + r"(?:\s+of\s+mine|\s+m[ií][ao])\b",
    re.IGNORECASE,
)
_APPOSED = re.compile(_NAME + r"\s*[,(]\s*$")
_APPOSITION_END = re.compile(
    r"(?:\s+(?:from|de|del|of)\s+(?:(?:the|my|la|el|mi)\s+)?[^\W\d_]+(?:\s+[^\W\d_]+)?)?\s*[,)]", re.IGNORECASE)
_MINE = re.compile(r"\b(?:mine|m[ií][ao])\b", re.IGNORECASE)
# "a friend", "una amiga": someone introduced only with a referral verb, a name or a number after it.
_REL_ARTICLE = re.compile(
    _WORD_START + r"\b" + _ARTICLE + r"\s+" + _alternation(ARTICLE_RELATIONSHIPS, "rel") + r"\b", re.IGNORECASE
)
# "una amiga, Rosy, ...", "a friend (Kim) wants in": a capitalised name set off after the relationship.
_ARTICLE_REL_NAME = re.compile(
    r"\b" + _ARTICLE + r"\s+" + _alternation(ARTICLE_RELATIONSHIPS, "rel")
    + r"(?:\s+(?:from|de|del)\s+(?:(?:the|my|la|el|mi)\s+)?[^\W\d_]+)?\s*[,(]\s*(?P<name>" + _WORDCHARS + ")",
    re.IGNORECASE,
)
# Someone else's relative: "my friend's mom", "my bfs sister", "la esposa de mi hermano".
_CHAIN = re.compile(
    _WORD_START + r"(?:" + _OWNER + _REL + r"(?:'s|s)\s+" + _ADJ + _alternation(RELATIONSHIPS, "rel2") + r"\b|"
    r"\b(?:la|el|las|los)\s+" + _alternation(RELATIONSHIPS, "rel3") + r"\s+de\s+" + _OWNERS + r"\s+\w+)",
    re.IGNORECASE,
)
# "my sisters number", "mom's number": the person whose number it is.
_REL_POSSESSIVE = re.compile(
    r"\b(?:(?:my|our)\s+" + _ADJ + r")?" + _REL + r"'?s\s+(?:number|#|cell|phone|digits|info|contact)\b", re.IGNORECASE
)
# The clinic's details handed to someone, or someone about to get in touch: "I gave Priya your number",
# "sent your info to Jordan", "expect a text from Lena", "you'll hear from Dee".
_YOUR_DETAILS = (
    r"(?:your|ur|y'?all'?s|the\s+clinic'?s|the\s+spa'?s)\s+(?:number|info|card|contact|details|website|link|page|ig|"
    r"insta\w*|name|socials)"
)
_ONE_WORD_NAME = r"(?P<name>" + _WORDCHARS + r")"
_PASSED_ON = re.compile(
    _WORD_START + r"\b(?:"
    r"(?:gave|give|giving|sent|send|sending|passed|pass|shared|share|forwarded|forward|texted)\s+"
    + _ONE_WORD_NAME + r"\s+" + _YOUR_DETAILS + r"|"
    r"(?:gave|given|giving|sent|passed|shared|forwarded|texted)\s+" + _YOUR_DETAILS + r"\s+(?:to|with)|"
    r"(?:expect|get|getting)\s+a\s+(?:call|text|message|msg|dm)\s+from|hear(?:ing)?\s+from|"
    # "esperen una llamada de Marisa y Chayo", "les va a llegar un mensaje de Yoli"
    r"(?:esper(?:a|e|en)|recibir[aá]n?|les?\s+va\s+a\s+llegar)\s+(?:una?\s+)?(?:llamada|mensaje|mensajito|texto|"
    r"whats\w*)\s+de|"
    # "Expect Doreen and Patricia this week", "watch out for Tamsin": capitalised only ("expect delays")
    r"(?P<expect>expect|watch\s+out\s+for|look\s+out\s+for|keep\s+an\s+eye\s+out\s+for|"
    r"be\s+on\s+the\s+lookout\s+for)(?=\s+(?-i:[A-ZÁÉÍÓÚÑ])))"
    # "to my bridge partner Lorraine": past "my" and up to two lowercase words to a capitalised name
    r"(?:\s+(?:my|our)(?:\s+(?-i:[a-z][\w'\-]*)){1,2}(?=\s+(?-i:[A-Z])))?"
    r"(?:\s+(?P<after>" + _WORDCHARS + r"(?:\s+" + _WORDCHARS + r")?))?|"
    # "sending my girl Tayshia ur way", "put Maeve down as my referral"
    r"\bsen[dt](?:ing)?\s+(?P<girl>(?:my|our)\s+(?:girl|boy|guy|homie|homegirl|bestie|bff|sis|bestfriend)\s+)?"
    r"(?P<way>" + _WORDCHARS + r")\s+(?:your|ur|y'?all'?s)\s+way\b|"
    r"\b(?:put|add)\s+(?P<put>" + _WORDCHARS + r")\s+(?:down\b|on\s+(?:the|your|ur)\s+list\b|as\s+(?:my|a)\s+referral\b)|"
    # asking to bring someone along: "can jordan come with me", "is it ok if Kayla comes too"
    r"\b(?:(?:can|could|may)\s+(?P<can>" + _WORDCHARS + r"(?:\s+" + _WORDCHARS + r")?)\s+(?:come(?!\s+(?:get|grab|pick|see|check)\b)|join|book(?!\s+(?:me|us)\b)|tag)|"
    r"if\s+(?P<if>" + _WORDCHARS + r"(?:\s+" + _WORDCHARS + r")?)\s+(?:comes|joins|tags|books(?!\s+(?:me|us)\b)|"
    r"can\s+(?:come|join|book(?!\s+(?:me|us)\b))))\b",
    re.IGNORECASE,
)
# What introduces a list of people after a colon: "friends who want in:", "two girls from the gym:",
# "a dos vecinas:" (any plural relationship or word for people).
_PLURAL_PEOPLE = [k for k, v in RELATIONSHIPS.items() if v in PLURAL_TO_ONE or v == "children"] + [
    "names", "nombres", "people", "personas", "girls", "guys", "ladies", "chicas", "chicos", "señoras"]
_LIST_INTRO = re.compile(
    r"\b(?:(?:who|that|que)\s+(?:want|wanna|would|are|also|quieren|est[aá]n|tambi[eé]n)\b[^:\n.!?]{0,30}|"
    + _alternation(_PLURAL_PEOPLE, "people") + r"(?:\s+\w+){0,5})\s*:\s*",  # "tres amigas de la iglesia interesadas:"
    re.IGNORECASE,
)
_PASSED_HINT = re.compile(r"your|ur\b|y'?all|from|can\s|could\s|may\s|if\s|put\s|add\s|expect|out\s+for|llamada|mensaje|"
                          r"texto|whats",
                          re.IGNORECASE)
_NUMBER_WORD = re.compile(r"\s+(?:number|#|cell|phone|digits|info|contact)\b", re.IGNORECASE)
_NAME_IS = re.compile(
    r"\b(?:(?:her|his|their|the|whose|who'?s)\s+name(?:'s|\s+is|\s*:|s(?=\s+(?-i:[A-ZÁÉÍÓÚÑ])))|(?:she|he)(?:'s|\s+is)\s+called|(?:she|he)\s+goes\s+by|"
    r"(?<!my\s)name's|(?<=[^\W\d_]\s)(?<!\bone\s)(?<!anyone\s)(?<!nobody\s)(?<!noone\s)named|se\s+llama\b|su\s+nombre\s+es|le\s+dicen\b)\s*" + _NAME + r"|"
    r"(?:^|(?<=[,.;!?])|(?<=\d\s))\s*name\s*(?:is\s+|:\s*|-\s*|\s(?=(?-i:[A-Z])))" + _NAME.replace("<name>", "<name2>") + r"|"
    # several at once: "se llaman Rosa y Carmen", "their names are Jess and Amy"
    r"\b(?:their\s+names\s+are|they'?re\s+called|se\s+llaman|sus\s+nombres\s+son)\s+" + _NAME.replace("<name>", "<name3>"),
    re.IGNORECASE,
)
_NICKNAME = re.compile(r"(?:she|he)\s+goes\s+by|le\s+dicen", re.IGNORECASE)
_BARE_CLAUSE = re.compile(
    r"(?:(?<=[.!?\n])|(?<=[.!?\n]\s)|(?<=[.!?\n]\s\s))(?:(?:it'?s|it\s+is|she'?s|he'?s)\s+)?(?P<name>" + _WORDCHARS
    + r"(?:\s+" + _WORDCHARS + r")?)(?:\s*(?:,|&|and|y)\s*" + _WORDCHARS + r"(?:\s+" + _WORDCHARS + r")?)*"
    r"\s*(?=[.!?\n]|$)",
    re.IGNORECASE,
)
_INTRO_WORDS = re.compile(r"name|called|goes\s+by|llama|nombre|dicen", re.IGNORECASE)
# "kim wants in, shes my bff", "dile a Mariela q es amiga mia": the relationship of the person just named.
_IS_MY = re.compile(
    _WORD_START + r"\b(?:(?:she|he|they)(?:'s|s|\s+is|\s+are|'re)|(?:(?:ella|[eé]l)\s+)?es)\s+(?:(?:my|our|mi)\s+"
    + _ADJ + _REL + r"|" + _alternation(RELATIONSHIPS, "rel2") + r"\s+m[ií][ao])\b|"
    r"\b(?:she|he)(?:'s|s|\s+is)\s+(?:a|an)\s+(?:good\s+|close\s+|old\s+)?" + _alternation(ARTICLE_RELATIONSHIPS, "rel3") + r"\b",
    re.IGNORECASE,
)
_POSSESSIVE_NUMBER = re.compile(
    r"(?:^|(?<=[\s,(!.?:;]))(?P<name>" + _WORDCHARS + r")'s\s+(?:number|cell|phone|#|digits|contact|mobile)\b|"
    r"\b(?:el\s+)?(?:n[uú]mero|cel(?:ular)?|tel[eé]fono|whats\w*)\s+de\s+(?P<name2>" + _WORDCHARS + ")",
    re.IGNORECASE,
)
# Names right next to a number: "Kim 415.555.0134", "Sarah: (415) ...", "415-555-0134 - Kim".
_NAME_BEFORE_PHONE = re.compile(
    r"(?:^|(?<=[\s,(!.?;:\-]))" + _NAME + r"\s*(?:[:\-@#=(,]\s*|(?:at|is|es|al)\s+)?$", re.IGNORECASE
)
_NAME_AFTER_PHONE = re.compile(r"\s*(?:[-:=(,]\s*|(?:is|es|for|para)\s+)?" + _NAME)
# A capitalised name that is also a word, first in its phrase right before "at <number>" ("May at 415 ..."):
# being reached at a number makes it a person (picked anchored only when it is one of WORDS_THAT_ARE_NAMES).
_WORD_NAME_AT = re.compile(r"(?<![\w'])(?P<name>[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)\s*(?:@|\bat\b|:)\s*$")
_PHONE_GAP = re.compile(  # between "my mom" and her number
    r"[\s,:\-(@#]*(?:(?:at|is|es|al|number|cell|phone|numero|número|cel|celular|(?:she|he)(?:'s|s|\s+is)\s+at)\b"
    r"[\s:\-#]*)*",
    re.IGNORECASE,
)
_PHONE_GAP_BEFORE = re.compile(r"[\s,:\-)]*(?:(?:is|es|=|that's|thats|that\s+is)\s*)?", re.IGNORECASE)
_NAMED_GAP = re.compile(  # between "my friend's info:" and "ruby"
    r"(?:'?s)?[\s:,\-(]*(?:(?:info|number|name|#|contact|details|is|es)\b[\s:,\-]*)*", re.IGNORECASE
)
# The patient naming themselves: never a referral.
_SELF = re.compile(
    _WORD_START + r"\b(?:my\s+name\s+is|my\s+name's|i\s+am|i'm|im|soy|me\s+llamo|mi\s+nombre\s+es|habla|"
    # "de parte de Maya" signs a message as Maya; "vengo de parte de Pilar" names who sent the patient
    r"l[ea]s?\s+escribe|te\s+escribe|(?<!vengo\s)(?<!vine\s)(?<!venimos\s)(?<!vinimos\s)de\s+parte\s+de)\s+(?P<name>" + _WORDCHARS + r")(?![\w'\-])(?<!'s)",
    re.IGNORECASE,
)
# The patient's own family framing: "soy la hija de doña Rosa", "I'm Rosa's daughter", "this is Marge's son".
# Rosa is who the patient is, not someone referred.
_SELF_FAMILY = re.compile(
    _WORD_START + r"\b(?:i'm|i\s+am|im|this\s+is|it's|soy|yo\s+soy)\s+(?:(?:la|el|una?|the)\s+)?" + _REL
    + r"\s+(?:de|of)\s+(?:(?:la|el|mrs?\.?|ms\.?)\s+)?" + _HONORIFIC + r"(?P<name>" + _WORDCHARS + r")|"
    r"\b(?:i'm|i\s+am|im|this\s+is|it's)\s+(?P<name2>" + _WORDCHARS + r")'s\s+" + _ADJ
    + _alternation(RELATIONSHIPS, "rel2") + r"\b",
    re.IGNORECASE,
)
# A vocative opening the text ("Bo, la Paz y la Flor quieren ...", "Güey, Fer y Toño ..."): blanked out, so
# no rule reads it as a person.
_OPENING_INTERJECTION = re.compile(
    r"^\W*(?:(?:hey|hi|oye|ey|hola|ay|uy)\s+)?(?P<word>" + "|".join(sorted(OPENING_INTERJECTIONS, key=len, reverse=True))
    + r")\s*[,!]", re.IGNORECASE
)
_SELF_FIRST = re.compile(  # at the start of the text: "hi it's Maya", "Maya here"
    r"\W*(?:(?:hi|hey|hello|hola|buenas)\W+)?(?:this\s+is|it's|its)\s+(?P<name>" + _WORDCHARS + r")(?![\w'\-])(?<!'s)|"
    r"\W*(?P<name2>" + _WORDCHARS + r")\s+(?:here|aqu[ií])\b",
    re.IGNORECASE,
)

# Lists of people: "Dana, Kim and Lou", "Sofi y Carmen". A comma-only run counts only when a
# conjunction closes it ("Dana, Kim and Lou"), or right before a referral verb.
# ", a Gaby y a Tere": Spanish repeats the "a" of the object before each name
_SEP = re.compile(r"(?:\s*,\s*(?:(?:and|y|e|&)\s+)?|\s+(?:and|y|e|&|n|\+)\s+)(?:a\s+(?=(?-i:[A-ZÁÉÍÓÚÑ])))?",
                  re.IGNORECASE)
_ONE_NAME = re.compile(_NAME)
_LONE_REL = re.compile(_REL + r"\s+", re.IGNORECASE)
_LONE_REL_WORD = re.compile(r"\b" + _REL + r"\b", re.IGNORECASE)
_TOKENS = re.compile(_WORDCHARS + r"|[,&+]|[()\[\]:]")
_LIST_WORDS = frozenset({",", "&", "+", "and", "y", "e", "n"})
_ADVERB_PAIRS = frozenset({"for sure", "for real", "for reals", "por supuesto", "de verdad", "sin duda"})
_ADVERBS = frozenset(
    "also too really totally def definitely both all literally seriously ya tambien también igual si sí tmb "
    "tb has have been finally still always now fr lowkey highkey deffo defo probably prob".split()
)
_DETERMINER = re.compile(
    r"my|your|ur|our|his|her|their|the|a|an|this|that|these|those|mi|mis|su|sus|tu|tus|el|la|los|las|un|una",
    re.IGNORECASE,
)
_PLACE_WORDS = frozenset("de del from in en at of near by".split())
_FROM = frozenset("from de del".split())
_SUBJECTS = frozenset("she he they ella él".split())
_THAT = frozenset("that que q me".split())
_REPORTING = frozenset(
    "says said told tells mentioned thinks thought swears texted dice dijo comenta comentó cree".split()
)
_NOTICED = frozenset("saw seen noticed loved loves liked likes vio vió notó noto vieron".split())
_AFTER_PLACE = re.compile(r"\b(?:de|del|from|in|en|at|of|near|by)\s+$", re.IGNORECASE)
_DISCOURSE = re.compile(r"(?:\b(?:ok|okay|so|oh|also|well|anyway|anyways|btw|omg|lol|pues|bueno|ah)\s+)+$",
                        re.IGNORECASE)
_THEIR = frozenset("her his their su sus".split())
_WANTS_ME = re.compile(r"\w+\s+me\b", re.IGNORECASE)  # "Maria is amazing and wants me back": staff
_STATE = frozenset("is was has had got gets es está esta anda andaba".split())

# Precompiled: phonenumbers fills re's small pattern cache, so nothing here compiles on the fly.
_DIGIT = re.compile(r"\d")
_EMOJI_OR_SYMBOL = re.compile(r"[^\w\s'\-().,!?;:#+/&@]")
# A name right after a professional title is the clinic's staff ("Dr. Patel wants to see me", "Nurse Amy
# wants me back"), unless the patient relates to them ("my colleague Dr. Shah").
_STAFF_TITLE = re.compile(
    r"\b(?:dr|dra|doc|doctor|doctora|nurse|enfermera|injector|inyectora|provider|np|rn|esthetician|"
    r"cosmetologa|cosmetóloga)\.?\s*$",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
# The word after "my"/"mi" (past one adjective), where a misspelt relationship is worth repairing.
_OWNED_WORD = re.compile(
    r"\b(?:my|mi|mis|our)\s+(?:(?:best|big|little|lil|older|younger|baby|good|old|mejor)\s+)?(?P<word>[^\W\d_]{4,})\b",
    re.IGNORECASE,
)


@dataclass
class _Draft:
    start: int
    end: int
    name: str | None = None
    relationship: str | None = None
    phone: str | None = None
    intro: bool = False  # from "her name is ...": may name a nameless mention made earlier
    host_only: bool = False  # a clause that is only a name ("It's Wren."): kept only if it names a mention
    chained: bool = False  # someone else's relative: no relationship to the patient

    def freeze(self) -> ReferralMention:
        return ReferralMention(name=self.name, phone=self.phone, relationship=self.relationship)


# ------------------------------------------------------------------------------ names
def _canonical_rel(raw: str) -> str:
    return RELATIONSHIPS[" ".join(raw.lower().split())]


def _one(rel: str | None) -> str | None:
    """The relationship of one named person: "my friends Jess and Amy" -> each is a "friend"."""
    return PLURAL_TO_ONE.get(rel, rel) if rel else rel


_AND = frozenset({"and", "y", "&", "n", "e"})
# " at 555-0192" after a name (a number too short to be read as a phone; a phone read is blanked to spaces)
_AT_NUMBER = re.compile(r"\s+(?:at|@|al)(?:\s*[\d()+.\-]*\d)?(?=\s)", re.IGNORECASE)


def _more_names(text: str, pos: int, *, anchored: bool, rel: str | None, commas: bool = False,
                numbers: bool = False) -> list[_Draft]:
    """Further people listed after one at `pos`: ", Kim and Lou", " y Carmen", " and friend Kim".

    commas: a list with no conjunction counts too (after "friends who want in: Jess, Amy, Kim");
    numbers: each name may have its number after it ("Rosa at 555-0192 and Lily at 555-0107").
    """
    out: list[_Draft] = []
    pending: list[_Draft] = []
    while sep := _SEP.match(text, pos):
        start = sep.end()
        if _OWNER_START.match(text, start):
            break  # "and my friend Kim": a mention of its own
        item_rel, item_anchored = rel, anchored
        lone = _LONE_REL.match(text, start)
        if lone and lone.group("rel").lower() in STOP_NAMES:  # "and friend Kim"
            item_rel, item_anchored, start = _one(_canonical_rel(lone.group("rel"))), True, lone.end()
        m = _ONE_NAME.match(text, start)
        if m and sep.group(0).strip() in _AND and m.group("name")[:1].isupper():
            item_anchored = True  # "Joy and Rose": a capitalised word joined to a name is a name too
        picked = _pick(m.group("name"), m.start(), anchored=item_anchored) if m else None
        if picked is None:
            break
        pending.append(_Draft(picked[1], picked[2], picked[0], item_rel))
        if sep.group(0).strip() != ",":
            out += pending
            pending = []
        pos = picked[2]
        if numbers and (at := _AT_NUMBER.match(text, pos)):
            pos = at.end()
    return out + pending if commas else out


def _phrase_start(text: str, pos: int) -> bool:
    """Whether `pos` begins the text or a clause ("love it! jordan wants ...", "referral: hannah ...")."""
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?;:,-(\n"


# ------------------------------------------------------------------------------ extraction
def _phones(text: str, region: str) -> list[tuple[int, int, str]]:
    if len(_DIGIT.findall(text)) < 7:
        return []
    found = []
    for m in phonenumbers.PhoneNumberMatcher(text, region):
        found.append((m.start, m.end, phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)))
    return found


def _end(text: str, start: int, ends: re.Pattern[str] = _CLAUSE_END) -> int:
    """Where the clause (or, with _PHRASE_END, the phrase) that `start` is in ends."""
    end = ends.search(text, start)
    return end.start() if end else len(text)


def _within(pattern: re.Pattern[str], text: str, start: int, ends: re.Pattern[str] = _CLAUSE_END) -> bool:
    """`pattern` found between `start` and the end of its clause; searched in place so \\b sees context."""
    return pattern.search(text, start, _end(text, start, ends)) is not None


def _clause_start(text: str, pos: int, ends: re.Pattern[str] = _CLAUSE_END, reach: int = 10_000) -> int:
    start = max(0, pos - reach)
    for m in ends.finditer(text, start, pos):
        start = m.end()
    return start


def _mentions(text: str, phones: list[tuple[int, int, str]]) -> list[_Draft]:
    drafts: list[_Draft] = []
    intro = bool(_INTRO_WORDS.search(text))
    nicknames: list[int] = []  # where a nickname starts ("she goes by Jojo")
    rel_only = list(_REL_ONLY.finditer(text)) + list(_REL_ARTICLE.finditer(text))
    if _MINE.search(text):
        rel_only += _REL_OF_MINE.finditer(text)
    if rel_only:
        drafts += _related(text, rel_only, phones, intro)
    for m in _TITLE_THEN_NAME.finditer(text):
        # capitalised: not "mama mia"; "bestie priya" and "hubby mike" may be lowercase
        lower_ok = m.group("rel").lower() in _LOWER_TITLES
        # "bestie Will", "hubby Mark": a capitalised name that is also a word, right after the title
        word = m.group("name")
        anchored = word[:1].isupper() and not word.isupper() and fold(word) in WORDS_THAT_ARE_NAMES
        picked = _pick(word, m.start("name"), anchored=anchored, lower_ok=lower_ok)
        if picked:
            drafts.append(_Draft(m.start("rel"), picked[2], picked[0], _canonical_rel(m.group("rel"))))
    for m in _REL_POSSESSIVE.finditer(text) if phones else ():  # "my moms number is ..."
        drafts.append(_Draft(m.start(), m.end(), None, _one(_canonical_rel(m.group("rel")))))
    for m in _CHAIN.finditer(text):  # someone else's relative
        drafts.append(_Draft(m.start(), m.end(), None, None, chained=True))
    if intro:
        for m in _NAME_IS.finditer(text):
            group = next(g for g in ("name", "name2", "name3") if m.group(g))
            picked = _pick(m.group(group), m.start(group), anchored=True)
            if picked:
                if group == "name" and _NICKNAME.match(m.group(0)):
                    nicknames.append(picked[1])
                drafts.append(_Draft(m.start(), picked[2], picked[0], None, intro=True))
                if group == "name3":
                    more = _more_names(text, picked[2], anchored=True, rel=None)
                    drafts += [_Draft(d.start, d.end, d.name, None, intro=True) for d in more]
    if rel_only:
        drafts += _bare_clauses(text)
    cues = list(_CUE.finditer(text))
    if cues:
        drafts += _named_by_cue(text, cues)
        drafts += _introduced_then_named(text, cues)
    drafts += _commanded(text)
    if "!" in text[:40] or ":" in text[:40]:
        drafts += _opener(text)
    if _PASSED_HINT.search(text):
        drafts += _passed_on(text)
    if ":" in text:
        drafts += _listed(text)
    if phones:
        drafts += _by_number(text, phones)
    if drafts and (" his " in text or " her " in text or " their " in text or " su" in text):
        drafts += _their_relatives(text, min(d.start for d in drafts))
    for at in nicknames:
        # "se llama Ana Sofía, le dicen Sofi": a nickname after a name is that person's, not a second one
        if any(d.name and d.end <= at for d in drafts):
            drafts = [d for d in drafts if not (d.name and d.start <= at < d.end)]
    return drafts


def _their_relatives(text: str, first: int) -> list[_Draft]:
    """ "My son Jun and his wife Min-ji want ...": the spouse or child of someone already mentioned."""
    drafts: list[_Draft] = []
    for m in _THEIR_REL_NAME.finditer(text, first + 1):
        word = m.group("name")
        # Capitalised only ("her mom died" is no name); "her husband Will" is, right after the relationship.
        anchored = word[:1].isupper() and not word.isupper() and fold(word) in WORDS_THAT_ARE_NAMES
        picked = _pick(word, m.start("name"), anchored=anchored)
        if picked:
            drafts.append(_Draft(picked[1], picked[2], picked[0]))
    return drafts


def _related(
    text: str, rel_only: list[re.Match[str]], phones: list[tuple[int, int, str]], intro: bool
) -> list[_Draft]:
    """Mentions anchored on "my <relationship>": with a name, or nameless with a referral cue."""
    drafts: list[_Draft] = []
    for m in _REL_THEN_NAME.finditer(text):
        # "my sister Dana" may be lowercase; after a comma ("my sisters, wrong number") only a capital counts.
        anchored = "," not in text[m.end("rel") : m.start("name")]
        picked = _pick(m.group("name"), m.start("name"), anchored=anchored)
        if picked is None and anchored and (word := _WORD_NAME_THEN_WANTS.match(text, m.start("name"))):
            picked = (word.group("name").capitalize(), word.start("name"), word.end("name"))
        if picked:
            rel = _one(_canonical_rel(m.group("rel")))
            drafts.append(_Draft(m.start(), picked[2], picked[0], rel))
            plural = rel != _canonical_rel(m.group("rel"))
            drafts += _more_names(text, picked[2], anchored=plural, rel=rel if plural else None)
    for m in _ARTICLE_REL_NAME.finditer(text):
        picked = _pick(m.group("name"), m.start("name"), anchored=False)
        if picked:
            drafts.append(_Draft(m.start(), picked[2], picked[0], _canonical_rel(m.group("rel"))))
    for m in _REL_FROM_NAME.finditer(text):
        lower_ok = fold(m.group("group")) in _GROUPS
        picked = _pick(m.group("name"), m.start("name"), anchored=False, lower_ok=lower_ok)
        if picked is None and " " in m.group("group"):  # "my friend from work Kim, she ...": Kim after all
            word = m.group("group").split()[1]
            picked = _pick(word, m.end("group") - len(word), anchored=False)
        if picked:
            drafts.append(_Draft(m.start(), picked[2], picked[0], _one(_canonical_rel(m.group("rel")))))
    for rel in rel_only:
        if rel.re is _REL_ARTICLE:  # "a friend": only in apposition, "Fiona, a friend from church, is ..."
            m = _APPOSED.search(text, max(0, rel.start() - 40), rel.start())
            if m and _phrase_start(text, m.start("name")) and _APPOSITION_END.match(text, rel.end()):
                picked = _pick(m.group("name"), m.start("name"), anchored=False)
                if picked and picked[2] == m.end("name"):
                    drafts.append(_Draft(picked[1], rel.end(), picked[0], _canonical_rel(rel.group("rel"))))
            continue
        window = max(0, rel.start() - 40)
        m = _NAME_BEFORE_REL.search(text, window, rel.start())
        # "Dana (my sister)" may be lowercase; "..., my husband" lists need a capitalised name.
        anchored = bool(m) and "(" in text[m.end("name") : rel.start()]
        picked = _pick(m.group("name"), m.start("name"), anchored=anchored, allow_tail=True) if m else None
        if picked and picked[2] != m.end("name"):
            picked = None  # "Tell Jessica thanks, my cousin ...": the name must be what stands before the comma
        if picked is None and (m := _NAME_FIRST_BEFORE_REL.search(text, window, rel.start())):
            picked = _pick(m.group("name"), m.start("name"), anchored=False)  # not "perdon mi hijo", "klk, mi prima"
        if picked is None and (m := _NAMES_FIRST_BEFORE_REL.search(text, window, rel.start())):
            picked = _pick(m.group("name"), m.start("name"), anchored=False)
        if picked and not _staff(text, picked[1]):  # "Thank you Dr. Kim, my husband says hi"
            rel_name = _canonical_rel(rel.group("rel"))
            # "Zainab & Hafsa (my sisters)": the names listed before the one next to the relationship
            before: list[tuple[str, int, int]] = []
            while (b := _NAME_THEN_AND.search(text, max(0, (before[-1] if before else picked)[1] - 30),
                                              (before[-1] if before else picked)[1])):
                more = _pick(b.group("name"), b.start("name"), anchored=False)
                if more is None or more[2] != b.end("name") or len(before) >= 3:
                    break
                before.append(more)
            if before:
                rel_name = _one(rel_name)
            for name, start, end in before[::-1]:
                drafts.append(_Draft(start, end, name, rel_name))
            drafts.append(_Draft(picked[1], rel.end(), picked[0], rel_name))
    for m in rel_only:
        if _evidence(text, m, phones, intro):
            rel = _canonical_rel(m.group("rel"))
            if _NUMBER_WORD.match(text, m.end()):
                rel = _one(rel)  # "my sisters number": one sister's
            drafts.append(_Draft(m.start(), m.end(), None, rel))
    return drafts


def _evidence(text: str, m: re.Match[str], phones: list[tuple[int, int, str]], intro: bool) -> bool:
    """Whether "my <relationship>" introduces someone: a referral verb, an invitation, a number, a name."""
    spanish = bool(_SPANISH_OWNER.match(m.group(0)))
    # Spanish drops the subject: "mi tía, va a ir" reads on to the end of the clause.
    if _within(_CUE, text, m.end(), _CLAUSE_END if spanish else _PHRASE_END):
        return True
    if _within(_ARTICLE_INVITE if m.re is _REL_ARTICLE else _INVITE, text, _clause_start(text, m.start())):
        return True
    if spanish and _CUE.search(text, _clause_start(text, m.start(), _PHRASE_END, 60), m.start()):
        return True  # "quiere venir mi hermana"
    if intro and _NAME_IS.search(text, m.end()):
        return True  # "my coworker ..., her name is Becca"
    return any(
        (s >= m.end() and _PHONE_GAP.fullmatch(text, m.end(), s))
        or (e <= m.start() and _PHONE_GAP_BEFORE.fullmatch(text, e, m.start()))
        for s, e, _ in phones
    )


def _bare_clauses(text: str) -> list[_Draft]:
    """ "My coworker wants in. It's Wren." / "my two nieces? Kennedy and Harper.": a clause that is only names."""
    drafts: list[_Draft] = []
    for m in _BARE_CLAUSE.finditer(text):
        picked = _pick(m.group("name"), m.start("name"), anchored=False)
        if picked and picked[2] == m.end("name"):
            drafts.append(_Draft(m.start(), picked[2], picked[0], None, intro=True, host_only=True))
            more = _more_names(text, picked[2], anchored=False, rel=None)
            drafts += [_Draft(d.start, d.end, d.name, None, intro=True, host_only=True) for d in more]
    return drafts


# Someone about to get in touch with the clinic: "Will is gonna call you guys", "Rose will text y'all". A name
# that is also a word ("Will", "Hope") is read as a name when it is the subject of this, first in its
# phrase ("Will you text her?" has no such verb after it).
_WILL_CONTACT = re.compile(
    r"(?:(?:is|'s)\s+(?:gonna|going\s+to)|will|'ll)\s+(?:(?:prob(?:ably)?|prolly|def(?:initely)?|also|soon|"
    r"likely)\s+)?(?:call|text|reach\s+out(?:\s+to)?|contact|message|email|dm|ring)\s+(?:you|u|ya|y'?all)\b",
    re.IGNORECASE,
)


def _word_name_subject(text: str, words: list[re.Match[str]], cue: re.Match[str]) -> bool:
    """Whether one capitalised word that is also a common word ("Will", "Hope") is the name of who will call."""
    word = words[0].group(0)
    return (len(words) == 1 and word[:1].isupper() and not word.isupper() and fold(word) in WORDS_THAT_ARE_NAMES
            and _phrase_start(text, words[0].start()) and _WILL_CONTACT.match(text, cue.start()) is not None)


def _named_by_cue(text: str, cues: list[re.Match[str]]) -> list[_Draft]:
    """ "Tom wants to book too", "Dana, Kim and Lou want in", "Mom wants to come too"."""
    drafts: list[_Draft] = []
    for cue in cues:
        items = _list_before(text, cue.start())
        lower_ok = False
        if items and _AFTER_PLACE.search(text, max(0, items[0][0].start() - 8), items[0][0].start()):
            items = items[1:]  # "my friend from New York wants in": a place, not a name
        for words in items:
            # "told my group chat abt u, juniper n ophelia wanna book": lowercase from the phrase start on
            lower_ok = lower_ok or _phrase_start(text, len(_DISCOURSE.sub("", text[:words[0].start()])))
            raw = " ".join(w.group(0) for w in words)
            first, last = words[0].group(0).lower(), words[-1].group(0).lower()
            if len(words) == 2 and first in _PLACE_WORDS:
                continue
            if last in RELATIONSHIPS and last in STOP_NAMES:  # "Mom wants to come too"
                if len(words) == 2 and first in _THEIR:  # "her sister wants in": not the patient's sister
                    drafts.append(_Draft(words[0].start(), cue.start(), None, None, chained=True))
                elif len(words) == 1 or not _OWNER_START.fullmatch(first):
                    drafts.append(_Draft(words[0].start(), cue.start(), None, _canonical_rel(last)))
                continue
            if len(words) >= 2 and words[-2].group(0).lower() in RELATIONSHIPS:  # "her sister Holly"
                # "her mom pam"; after "mi hermana" capitalised only: "mi hermana gemela" is a twin, not Gemela
                their = len(words) == 3 and words[0].group(0).lower() in _THEIR
                picked = _pick(words[-1].group(0), words[-1].start(), anchored=their)
                if picked:
                    drafts.append(_Draft(picked[1], picked[2], picked[0]))
                continue
            # "my words are coming out": a lowercase word after a determiner is a thing, not a name.
            own = lower_ok and not _DETERMINER.fullmatch(words[0].group(0))
            # "Joy and Rose want in": a capitalised word listed after a plain name is a name too ("April and
            # May want in" stays months)
            listed = len(words) == 1 and words is not items[0] and words[0].group(0)[:1].isupper() \
                and fold(items[0][0].group(0)) not in WORDS_THAT_ARE_NAMES
            listed = listed or _word_name_subject(text, words, cue)
            picked = _pick(raw, words[0].start(), anchored=listed, allow_tail=True, lower_ok=own)
            if picked and len(words) == 2 and picked[1] == words[0].start() and picked[2] < words[1].end() \
                    and words[1].group(0).islower() and words is not items[-1] \
                    and text[words[1].end():cue.start()].lstrip().startswith(",") \
                    and _looks_named(items[items.index(words) + 1][0].group(0)):
                continue  # "Heads up, Marguerite ... is going to call": a phrase, then the name
            if picked:
                drafts.append(_Draft(picked[1], picked[2], picked[0]))
    return drafts


def _list_before(text: str, pos: int) -> list[list[re.Match[str]]]:
    """The people named right before a referral verb, each as its one or two words, in order.

    An item may also be "her sister Holly" (a relationship, then the name); "from work" after a name
    and "says she" before the verb are read past ("Rachel from work wants in", "Alyssa says she wants").
    """
    window = max(0, pos - 60)
    for end in _CLAUSE_END.finditer(text, window, pos):
        window = end.end()
    tokens = list(_TOKENS.finditer(text, window, pos))
    if (len(tokens) >= 3 and tokens[-1].group(0).lower() in ("and", "y") and tokens[1].group(0).lower() in _STATE
            and not text[window:tokens[0].start()].strip() and _looks_named(tokens[0].group(0))
            and not any(t.group(0).lower() in _LIST_WORDS for t in tokens[1:-1]) and not _WANTS_ME.match(text, pos)):
        return [[tokens[0]]]  # "Jordan is tired of her wrinkles and wants botox": the clause's subject
    tokens = _past_reporting(tokens)
    if tokens and tokens[-1].group(0) == ",":
        tokens.pop()  # "another mom from preschool, Kendall, wants to come"
    tokens = _past_from(text, tokens)
    items: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for i in range(len(tokens) - 1, -1, -1):
        tok = tokens[i]
        word = tok.group(0)
        low = word.lower()
        if word in "()[]:":
            break
        if low in _LIST_WORDS:
            if not current:
                if word == "," and i + 1 < len(tokens) and tokens[i + 1].group(0).lower() in ("and", "y", "&"):
                    continue  # "Kim, Lori, and Denise": the comma before the last "and"
                break
            items.append(current)
            if word == "," and _OWNER_START.fullmatch(current[0].group(0)):
                break  # "tía, mi amiga Lucía", "qué volá, mi socia": an aside, then a mention of its own
            current = []
            continue
        if low in _FROM and current and i > 0 and _looks_named(tokens[i - 1].group(0)):
            current = []  # "Rachel from work": the name is before "from"
            continue
        if len(current) == 2 and not (_DETERMINER.fullmatch(word) and current[0].group(0).lower() in RELATIONSHIPS):
            break
        if len(current) == 3:
            break
        current.insert(0, tok)
    if current:
        items.append(current)
    return items[::-1]


def _past_from(text: str, tokens: list[re.Match[str]]) -> list[re.Match[str]]:
    """The tokens without a trailing "from my pilates class" after a capitalised name ("Bettina from ..."),
    or a lowercase one first in its phrase ("shawna from my gym wants ...")."""
    for back in range(2, min(6, len(tokens))):
        word = tokens[-back].group(0)
        if word in _LIST_WORDS or word in "()[]:":
            break
        if word.lower() in _FROM:
            name = tokens[-back - 1]
            if _looks_named(name.group(0)) or (
                name.group(0).islower() and back + 1 == len(tokens) and _phrase_start(text, name.start())
                and _pick(name.group(0), name.start(), anchored=False, lower_ok=True)
            ):
                return tokens[:-back]
            break
    return tokens


def _past_reporting(tokens: list[re.Match[str]]) -> list[re.Match[str]]:
    """The tokens without trailing adverbs and a trailing "says she" / "told me that she" / "dice que"."""
    def strip(words: frozenset[str]) -> None:
        while tokens and tokens[-1].group(0).lower() in words:
            tokens.pop()
        # "Tasha for sure wants in", "Lu for real wants it": two-word adverbs
        if words is _ADVERBS and len(tokens) >= 3 and " ".join(t.group(0).lower() for t in tokens[-2:]) in _ADVERB_PAIRS:
            del tokens[-2:]
            strip(words)

    strip(_ADVERBS)
    kept = list(tokens)
    strip(_SUBJECTS)
    if len(tokens) >= 3 and tokens[-1].group(0).lower() in ("and", "y") and tokens[-3].group(0).lower() in _REPORTING:
        del tokens[-2:]  # "Bex says hi and she wants in"
    if len(tokens) >= 3 and tokens[-1].group(0).lower() in ("and", "y"):
        # "Becca saw my lips and wants the same": read back past what they noticed
        seen = [j for j in range(max(1, len(tokens) - 6), len(tokens) - 1) if tokens[j].group(0).lower() in _NOTICED]
        if seen:
            del tokens[seen[0]:]
            return tokens
    strip(_THAT)
    if tokens and tokens[-1].group(0).lower() in _REPORTING:
        tokens.pop()
        strip(_ADVERBS)
        return tokens
    return kept


def _commanded(text: str) -> list[_Draft]:
    """People the patient tells the clinic to contact: "text Priya", "call my mom", "dile a Ana"."""
    drafts: list[_Draft] = []
    commands = list(_COMMAND.finditer(text))
    if " a " in text or " A " in text:
        commands += _COMMAND_ES.finditer(text)
    for cmd in commands:
        kind = "es" if cmd.re is _COMMAND_ES else next(
            k for k in ("contact", "tell", "give", "have", "bring", "sendto", "es") if cmd.group(k))
        refer = kind == "bring" and cmd.group("bring").lower().startswith("refer")
        if kind in ("contact", "bring", "sendto") and (_NOT_A_REFERRAL_VERB if refer else _NOT_A_REQUEST).search(
            text, max(0, cmd.start() - 16), cmd.start()
        ):
            continue  # "my text settings", "your contact list", "sorry, meant to text my mom"
        tail = _TAILS.get(kind)
        if tail and not _within(tail, text, cmd.end(), _PHRASE_END) and not (
            kind == "tell" and _within(_SAID_HI_COMING, text, cmd.end())
        ):
            continue
        pos = cmd.end()
        rel = _REL_ONLY.match(text, pos)
        if rel:
            drafts.append(_Draft(rel.start(), rel.end(), None, _canonical_rel(rel.group("rel"))))
            continue
        title = _TITLE_BEFORE_NAME.match(text, pos)  # "tell Miss Bernice", "dile a doña Chela": the name follows
        if title:
            pos = title.end()
        word = _ONE_NAME.match(text, pos)
        if word is None:
            continue
        first = word.group("name").split()[0]
        if first.lower() in BARE_TITLES:  # "call mom"
            drafts.append(_Draft(pos, pos + len(first), None, _canonical_rel(first)))
            continue
        lower_ok = kind != "bring"
        picked = _pick(word.group("name"), pos, anchored=lower_ok)
        if picked:
            drafts.append(_Draft(picked[1], picked[2], picked[0]))
            # "text Rosa at 555-0192 and Lily at ...": the list goes on past each one's number
            at = _AT_NUMBER.match(text, picked[2])
            drafts += _more_names(text, at.end() if at else picked[2], anchored=lower_ok, rel=None, numbers=True)
    return drafts


def _listed(text: str) -> list[_Draft]:
    """ "2 friends who want to come: Jess and Amy", "friends who want in: jess, amy, kim"."""
    drafts: list[_Draft] = []
    for m in _LIST_INTRO.finditer(text):
        first = _ONE_NAME.match(text, m.end())
        picked = _pick(first.group("name"), first.start(), anchored=False, lower_ok=True) if first else None
        if picked:
            drafts.append(_Draft(picked[1], picked[2], picked[0]))
            drafts += _more_names(text, picked[2], anchored=True, rel=None, commas=True)
    return drafts


# After a clause that introduces people and says they want to come, the names themselves:
# "2 of my gym friends want to come in, Bri and Kendra", "mis primas quieren venir: Itzel y Ximena".
_LIST_SEP = re.compile(r"(?:\s+(?:too|also|tambi[eé]n|as\s+well))?\s*(?:,|:|\s[-\u2013\u2014]+)\s*"
                       r"(?:(?:me|yo|and|y|&)\s*,?\s+)?")
_PEOPLE_WORD = re.compile(
    r"\b(?:people|persons|girls|guys|ladies|ppl|someone|somebody|of\s+us|personas|alguien|chicas|se[ñn]oras|"
    r"una?\s+(?:amig[ao]|vecin[ao]|compa[ñn]er[ao]))\b", re.IGNORECASE)
# After the last name: the end, or a new clause ("..., Karla y Rocío, les doy su teléfono?", "..., Jade and
# Brooke, can I give them your number?"); "¿" is blanked before this reads the text.
_LIST_END = re.compile(r"\s*(?:$|[.!?;\n]|,\s*(?:[¿?]|(?:what|how|when|where|can|could|would|will|should|do|is|are|"
                       r"i|you|u|y'?all|they|we|she|he|c[oó]mo|cu[aá]ndo|qu[eé]|puede|pueden|podr[ií]an|les?|los|las|"
                       r"ustedes|usted|ellas|ellos|se|me|te|both|ambas|ambos|thanks|thank|thx|gracias|pls|please|porfa|"
                       r"lol|haha|jaja)\b))", re.IGNORECASE)


def _introduced_then_named(text: str, cues: list[re.Match[str]]) -> list[_Draft]:
    """The names after a clause with people and a referral verb: "my mom wants a consult too, Deborah"."""
    drafts: list[_Draft] = []
    for cue in cues:
        start = _clause_start(text, cue.start())
        head = text[start:cue.start()]
        if not (_LONE_REL_WORD.search(head) or _PEOPLE_WORD.search(head)):
            continue  # "I'd love to come in, Marisa": the patient signing, no one introduced
        end = _end(text, cue.end())
        sep = next((m for m in _LIST_SEP.finditer(text, cue.end(), end) if m.group(0).strip()), None)
        if sep is None:
            continue
        pos = sep.end()
        honorific = re.match(_HONORIFIC, text[pos:], re.IGNORECASE)
        pos += honorific.end() if honorific else 0
        first = _ONE_NAME.match(text, pos)
        picked = _pick(first.group("name"), pos, anchored=False) if first else None
        lowered = False
        if picked is None and first:  # lowercase only in a list: "bree and sloane"
            picked, lowered = _pick(first.group("name"), pos, anchored=False, lower_ok=True), True
        if picked is None:
            continue
        people = [_Draft(picked[1], picked[2], picked[0], intro=True)]
        people += [_Draft(d.start, d.end, d.name, None, intro=True)
                   for d in _more_names(text, picked[2], anchored=True, rel=None, commas=True)]
        if not _LIST_END.match(text, people[-1].end):
            continue  # "my sister wants in, Jessica was amazing": a new clause, not the name
        if (lowered or "-" in sep.group(0)) and len(people) < 2:
            continue  # "... - Harper": a sign-off
        drafts += people
    return drafts


# A name opening the text, set off by "!" or ":", then what that person wants: "Hannah! she has been
# wanting to come", "Noor: my coworker, wants lip filler" (not "Hannah! thank you so much").
_OPENER = re.compile(r"\W*(?P<name>" + _WORDCHARS + r")\s*(?:!+|:)\s*")
_OPENER_NEXT = re.compile(
    r"(?:(?:she|he|they|ella|[eé]l)\b|(?:she|he)'s\b|(?:my|mi)\s|es\s|wants?\b|quiere|would\b|is\b|has\b)",
    re.IGNORECASE)


def _opener(text: str) -> list[_Draft]:
    m = _OPENER.match(text)
    if m is None or not _OPENER_NEXT.match(text, m.end()):
        return []
    if not _CUE.search(text, m.end(), _end(text, m.end())) and not _IS_MY.match(text, m.end()):
        return []
    picked = _pick(m.group("name"), m.start("name"), anchored=False, lower_ok=True)
    if picked is None:
        return []
    rel = _REL_ONLY.match(text, m.end())
    if rel and not text[rel.end():].lstrip().startswith(","):
        return []  # "Nicole! my friend wants in": Nicole is the one addressed
    if rel:  # "Cheyenne! my cousin, she wants botox": the cousin is Cheyenne
        return [_Draft(picked[1], rel.end(), picked[0], _canonical_rel(rel.group("rel")))]
    return [_Draft(picked[1], picked[2], picked[0])]


def _passed_on(text: str) -> list[_Draft]:
    """ "I gave Priya your number", "shared your IG with Jordan", "expect a text from Lena"."""
    drafts: list[_Draft] = []
    for m in _PASSED_ON.finditer(text):
        group = next((g for g in ("name", "after", "can", "if", "way", "put") if m.group(g)), None)
        if group is None:
            continue
        # "sending good vibes your way", "put it down": lowercase only after "my girl"; "expect" a capital
        lower_ok = (group not in ("way", "put") or bool(m.group("girl"))) and not m.group("expect")
        picked = _pick(m.group(group), m.start(group), anchored=False, lower_ok=lower_ok)
        if picked:
            drafts.append(_Draft(picked[1], picked[2], picked[0]))
            if group == "after":  # "gave ur number to Tasha, Brianna and Kels": every one listed
                drafts += _more_names(text, picked[2], anchored=False, rel=None)
    return drafts


def _by_number(text: str, phones: list[tuple[int, int, str]]) -> list[_Draft]:
    """Names given with a number: "Kim 415.555.0134", "415-555-0134 - Kim", "Kim's number is ..."."""
    drafts: list[_Draft] = []
    for start, end, _ in phones:
        picked = None
        before = _NAME_BEFORE_PHONE.search(text, max(0, start - 30), start)
        if before:
            lower_ok = _phrase_start(text, before.start("name"))
            picked = _pick(before.group("name"), before.start("name"), anchored=False, allow_tail=True,
                           lower_ok=lower_ok)
            word = None if picked else _WORD_NAME_AT.search(text, before.start("name"), start)
            # first in its phrase only: "I'm free May at 415 ..." is the month
            if word and fold(word.group("name")) in WORDS_THAT_ARE_NAMES and _phrase_start(text, word.start()):
                picked = _pick(word.group("name"), word.start("name"), anchored=True)  # "Jun at 010-5555-2468"
        after = None if picked else _NAME_AFTER_PHONE.match(text, end)
        if after:
            picked = _pick(after.group("name"), after.start("name"), anchored=False)
        if picked:
            drafts.append(_Draft(picked[1], picked[2], picked[0]))
    if "'s" in text or " de " in text:
        for m in _POSSESSIVE_NUMBER.finditer(text):
            group = "name" if m.group("name") else "name2"
            if m.group(group).lower() in BARE_TITLES:  # "mom's number: ..."
                drafts.append(_Draft(m.start(group), m.end(group), None, _canonical_rel(m.group(group))))
                continue
            picked = _pick(m.group(group), m.start(group), anchored=True)
            if picked:
                drafts.append(_Draft(picked[1], picked[2], picked[0]))
    return drafts


def _drop_known(text: str, drafts: list[_Draft], ignore: frozenset[str]) -> list[_Draft]:
    """Without the patient's own name ("this is Maya", "soy Maya") and the names the caller knows."""
    known = set(ignore)
    for m in _SELF.finditer(text):
        known.add(fold(m.group("name")))
    if first := _SELF_FIRST.match(text):
        known.add(fold(first.group("name") or first.group("name2")))
    for m in _SELF_FAMILY.finditer(text):
        known.add(fold(m.group("name") or m.group("name2")))
    if not known:
        return drafts
    return [d for d in drafts if not d.name or fold(d.name.split()[0]) not in known and fold(d.name) not in known]


def _same_person(a: _Draft, b: _Draft) -> bool:
    """Same name, or one name inside the other where the mentions overlap ("Ana Lucia" and "Lucia")."""
    if not a.name or not b.name:
        return False
    x, y = a.name.lower(), b.name.lower()
    if x == y:
        return True
    overlap = a.start <= b.start < a.end or b.start <= a.start < b.end
    # overlapping mentions that share a word are one person too: "Ana Sofía" and "Sofía Restrepo" read
    # from "Ana Sofía Restrepo"
    return overlap and bool(set(x.split()) & set(y.split()))


def _same_relative(a: _Draft, b: _Draft) -> bool:
    """ "my mom ... text my mom at ...": one nameless mother, not two."""
    return not a.name and not b.name and a.relationship is not None and a.relationship == b.relationship


def _merge(drafts: list[_Draft]) -> list[_Draft]:
    """One draft per person: same name, or a nameless relationship inside a named mention."""
    drafts.sort(key=lambda d: (d.start, d.name is None))
    merged: list[_Draft] = []
    for d in drafts:
        same = next((o for o in merged if _same_person(o, d) or _same_relative(o, d)), None)
        overlap = next((o for o in merged if o.start <= d.start < o.end or d.start <= o.start < d.end), None)
        target = same or (overlap if overlap and (not d.name or not overlap.name) else None)
        if target:
            if d.name and target.name and set(target.name.lower().split()) < set(d.name.lower().split()):
                target.name = d.name  # the fuller name, never the one that runs on into a surname
            target.name = target.name or d.name
            target.chained = target.chained or d.chained
            target.relationship = None if target.chained else target.relationship or d.relationship
            target.end = max(target.end, d.end)
        else:
            merged.append(d)
    # "My friend wants to come, her name is Priya": the introduction names the nameless mention.
    plural: str | None = None  # "my two nieces? Kennedy and Harper.": each is a niece
    for intro in [d for d in merged if d.intro and not d.relationship]:
        host = next((o for o in merged if o.name is None and (o.relationship or o.chained) and o.start < intro.start),
                    None)
        if host:
            host.name = intro.name
            host.end = max(host.end, intro.end)
            one = _one(host.relationship)
            plural = one if one != host.relationship else None
            host.relationship = one
            merged.remove(intro)
        elif plural:
            intro.relationship = plural
        elif intro.host_only:
            merged.remove(intro)
    return merged


def _join_neighbours(text: str, drafts: list[_Draft]) -> list[_Draft]:
    """ "my friends info: ruby" and "kim wants in, shes my bff": one person, said in two pieces."""
    drafts.sort(key=lambda d: d.start)
    for a, b in zip(drafts, drafts[1:]):
        if a.name is None and (a.relationship or a.chained) and b.name and not b.relationship and not a.phone:
            if _NAMED_GAP.fullmatch(text, a.end, b.start):
                b.relationship, b.start, a.name = _one(a.relationship), a.start, "\0"
    drafts = [d for d in drafts if d.name != "\0"]
    for m in _IS_MY.finditer(text) if any(d.name and not d.relationship for d in drafts) else ():
        host = next((d for d in reversed(drafts) if d.name and not d.relationship and d.end <= m.start()), None)
        if host:
            host.relationship = _canonical_rel(m.group("rel") or m.group("rel2") or m.group("rel3"))
            drafts = [d for d in drafts if d.name or not (m.start() <= d.start < m.end())]
    return drafts


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
        elif (earlier := [d for d in free if d.end <= start]) and _THEIR_NUMBER.search(text, max(0, start - 30), start):
            max(earlier, key=lambda d: d.end).phone = e164  # "Walter would like ... Please call him at 520 ..."
        elif _WHOSE_NUMBER.search(text):
            drafts.append(_Draft(start, end, None, None, e164))


def _staff(text: str, pos: int) -> bool:
    return _STAFF_TITLE.search(text, max(0, pos - 16), pos) is not None


def _prepare(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _repair_relationships(_EMOJI_OR_SYMBOL.sub(" ", text.translate(_QUOTES)))


def _blank_addresses(text: str) -> str:
    """Emails and web addresses as spaces (same offsets): their parts ("gmail", "com") are never names."""
    if "@" not in text and "." not in text:
        return text
    return _ADDRESS.sub(lambda m: " " * len(m.group(0)), text)


# An all-caps text: at least this many letters, nearly all upper-case.
_SHOUT_LETTERS = 8
_SHOUT_SHARE = 0.8


def _unshout(text: str) -> str:
    """An all-caps text in lower case: capitals say nothing there ("MI AMIGA CONSUELO QUIERE IR"), so the
    lower-case rules read it (a word is a name where one is expected and it is not a common word); names
    found come out Title case."""
    letters = sum(map(str.isalpha, text))
    if letters < _SHOUT_LETTERS or sum(map(str.isupper, text)) < _SHOUT_SHARE * letters:
        return text
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text  # offsets must not move


def _repair_relationships(text: str) -> str:
    """ "my sistr kayla" -> "my sister kayla": every rule after this reads relationship words exactly."""
    pieces, last = [], 0
    for m in _OWNED_WORD.finditer(text):
        word = m.group("word")
        low = word.lower()
        if low in RELATIONSHIPS or low[:-1] in RELATIONSHIPS or not (fixed := misspelt_relationship(word)):
            continue  # "my boyfriends mom": a possessive without its apostrophe, not a typo
        pieces += [text[last : m.start("word")], fixed]
        last = m.end("word")
    return "".join(pieces) + text[last:] if pieces else text


# ------------------------------------------------------------------------------ people not referred
# not_referred.yaml: a pet in the text, a text dictated to a voice assistant, someone who cannot come.
def _phrase_alternation(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))


# "my dog Bruno", not "my dog walker Tess": a pet word followed by one of its people is a person's title.
_PET = re.compile(
    r"(?<![\w'])(?:" + _phrase_alternation(NOT_REFERRED.pet_words) + r")(?![\w'])"
    r"(?!\s+(?:" + _phrase_alternation(NOT_REFERRED.pet_people) + r")(?![\w']))",
    re.IGNORECASE,
)
# "Siri send my husband a text", "Ok Google call Danny", "Alexa, add ...": not "Alexa and I want in".
_ASSISTANT = re.compile(
    r"^\W*(?:(?:hey|hi|ok|okay|yo)\s+)?(?:" + _phrase_alternation(NOT_REFERRED.assistants) + r")(?:\s*,|\s+"
    r"(?:text|txt|call|send|message|msg|remind|set|add|play|dial|facetime|email|tell|read|open|find|what|navigate)\b)",
    re.IGNORECASE,
)
_NOT_COMING = re.compile(
    r"(?<![\w'])(?:" + _phrase_alternation(NOT_REFERRED.not_coming) + r")(?![\w'])", re.IGNORECASE
)
_ANY_REFERRAL = re.compile(REFERRAL_CUE, re.IGNORECASE)


def _not_referred(raw: str, text: str, drafts: list[_Draft]) -> list[_Draft]:
    """Without the people a text names but does not refer: a pet's name, someone who cannot come."""
    if any(d.name and not d.relationship for d in drafts) and (
        _PET.search(text) or any(e in raw for e in NOT_REFERRED.pet_emoji)
    ):
        drafts = [d for d in drafts if d.relationship or not d.name]  # "his name is Biscuit 🐶"
    if drafts and _NOT_COMING.search(text) and not _ANY_REFERRAL.search(text) and not _INVITE.search(text):
        return []  # "my mom Susan is in the hospital so I need to cancel"
    return drafts


def extract_referrals(text: str, region: str = "US", *, ignore: Iterable[str] = ()) -> list[ReferralMention]:
    """People the patient mentions in a referral-like way, in the order they appear.

    ignore: names never to return, whatever the text says (the patient's own first name, the clinic's
    name, its staff).
    """
    if not text or not text.strip():
        return []
    raw, text = text, _unshout(_blank_addresses(_prepare(text)))
    if _ASSISTANT.match(text):
        return []  # dictated to the phone: "Siri send my husband a text"
    if vocative := _OPENING_INTERJECTION.match(text):
        text = text[: vocative.start("word")] + " " * len(vocative.group("word")) + text[vocative.end("word"):]
    phones = _phones(text, region)
    scrubbed = text
    for start, end, _ in phones:
        scrubbed = scrubbed[:start] + " " * (end - start) + scrubbed[end:]
    drafts = _drop_known(scrubbed, _mentions(scrubbed, phones), frozenset(fold(n) for n in ignore))
    drafts = [d for d in drafts if d.relationship or not d.name or not _staff(scrubbed, d.start)]
    drafts = _not_referred(raw, scrubbed, _join_neighbours(scrubbed, _merge(drafts)))
    _attach_phones(text, drafts, phones)
    drafts.sort(key=lambda d: d.start)
    return [d.freeze() for d in drafts]


_BARE = re.compile(
    r"^\W*(?:(?:it's|its|her name is|his name is|name is|se llama|su nombre es|es|yes|yeah|yep|sure|ok|okay|"
    r"of course|definitely|s[ií]|claro|por supuesto|obvio|va|dale|lol|lmao|haha\w*|jaja\w*|hehe\w*|omg|oh)\W+)*"
    r"(?:" + _OWNERS + r"\s+" + _ADJ + _REL + _POST_ADJ + r"\W*)?" + _NAME + r"?\W*$",
    re.IGNORECASE,
)


def extract_bare_referral(text: str, region: str = "US") -> ReferralMention | None:
    """A bare answer to a referral ask: "Dana", "my sister!", "sarah lee 415-555-0134", "si! mi prima".

    Only meaningful right after the agent asked for a referral; the caller decides that. Anything
    with other words in it ("call me at 415-555-0134") is not a bare answer.
    """
    if not text or not text.strip():
        return None
    text = _unshout(_blank_addresses(_prepare(text)))
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
    if name and rel is None and fold(name.split()[0]) in WORDS_THAT_ARE_NAMES:
        name = None  # "Will do", "Hope so": words, unless a relationship goes before ("my sister April")
    if m.group("name") and name is None and rel is None:
        return None  # "no thanks", "sure thing": words, but not a person
    if name is None and phone is None and rel is None:
        return None
    return ReferralMention(name=name, phone=phone, relationship=rel)
