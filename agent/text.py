"""SMS text normalisation shared by the keyword layer, triage and the offline classifier.

`normalize()` turns a raw SMS body into lowercase ASCII-ish text that rules can match reliably:
curly quotes and dashes are folded, a small explicit set of emoji becomes words (so "😍" reads as
"love" and "👎" as "bad"), common SMS spellings are expanded ("luv" -> "love", "u" -> "you"),
letters stretched for emphasis are squeezed ("soooo" -> "so", "obsesssed" -> "obsessed") and
whitespace is collapsed. Punctuation is kept: "?" and "!" carry meaning for the classifier.

The function is idempotent (normalize(normalize(x)) == normalize(x)) and runs on every inbound
message, so everything is precompiled at import.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import emoji

__all__ = ["normalize", "reaction", "EMOJI_WORDS", "SMS_SPELLINGS", "REACTION"]

# ------------------------------------------------------------------------------------ emoji
# An explicit, small map. Unknown emoji are dropped rather than turned into their CLDR names
# ("face with tears of joy" would read as crying to a rule).
_POSITIVE_LOVE = "😍 🥰 😘 ❤ ♥ 💕 💖 💗 💓 💞 💘 💝 💜 💙 💚 💛 🧡 🤍 🩷 😻 💋"
_POSITIVE_AMAZING = "🔥 🤩 🌟 ⭐ 💫 ✨ 💎 👑 🙌 💯 🥳 🎉 🎊 👏 💃"
_POSITIVE_HAPPY = "😊 😃 😄 😁 😀 ☺ 🙂 😆 🤗 😌 😇"
EMOJI_WORDS: dict[str, str] = {
    **{e: "love" for e in _POSITIVE_LOVE.split()},
    **{e: "amazing" for e in _POSITIVE_AMAZING.split()},
    **{e: "happy" for e in _POSITIVE_HAPPY.split()},
    "👍": "ok",
    "👌": "ok",
    "🆗": "ok",
    "✅": "ok",
    "🙏": "thanks",
    "😂": "lol",
    "🤣": "lol",
    "😅": "lol",
    "😭": "crying",
    "😢": "sad",
    "😞": "sad",
    "😔": "sad",
    "☹": "sad",
    "🙁": "sad",
    "😕": "worried",
    "😟": "worried",
    "😰": "worried",
    "😨": "worried",
    "😬": "yikes",
    "😳": "yikes",
    "😱": "yikes",
    "😡": "angry",
    "😠": "angry",
    "🤬": "angry",
    "😤": "angry",
    "👎": "bad",
    "🤢": "sick",
    "🤮": "sick",
    "🤒": "sick",
    "😩": "ugh",
    "😫": "ugh",
    "🙄": "ugh",
    "🙃": "ugh",  # upside-down face: irony, not happiness
    "😒": "ugh",
    "🤦": "ugh",
    "💀": "lol",
    "🤔": "hmm",
    "❓": "?",
    "❔": "?",
    "❗": "!",
    "‼": "!",
}

# Variation selectors, zero-width joiners and skin-tone modifiers carry no meaning for us.
_EMOJI_NOISE = re.compile("[\ufe0e\ufe0f\u200d\u200b\u200c\u2060\U0001F3FB-\U0001F3FF]")
_EMOJI_MAP = re.compile("|".join(re.escape(e) for e in sorted(EMOJI_WORDS, key=len, reverse=True)))
_NON_LATIN = re.compile("[^\x00-\u024f]")

# ------------------------------------------------------------------------------- characters
_CHAR_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
        "\u00bf": " ", "\u00a1": " ",  # Spanish opening marks
        "\uff1f": "?", "\uff01": "!",
    }
)

# ----------------------------------------------------------------------------- SMS spelling
SMS_SPELLINGS: dict[str, str] = {
    # feelings
    "luv": "love", "luvv": "love", "lov": "love", "lovee": "love", "loove": "love",
    "loovee": "love", "lovve": "love", "lovin": "loving", "luving": "loving", "luvin": "loving", "lovvve": "love",
    "gr8": "great", "grt": "great", "amazin": "amazing", "amzing": "amazing", "amazinggg": "amazing",
    "awsome": "awesome", "awsm": "awesome", "obssessed": "obsessed", "obsesed": "obsessed",
    "obssesed": "obsessed", "obbsessed": "obsessed", "obsessd": "obsessed", "beautful": "beautiful",
    "beautifull": "beautiful", "gorgous": "gorgeous", "perfet": "perfect", "happpy": "happy",
    "hapy": "happy", "dissapointed": "disappointed", "disapointed": "disappointed",
    "dissappointed": "disappointed",
    # politeness
    "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "thnks": "thanks", "tks": "thanks",
    "ty": "thanks", "tysm": "thank you so much", "tyvm": "thank you very much",
    "thankss": "thanks", "thankyou": "thank you", "pls": "please", "plz": "please", "plzz": "please",
    "pleasee": "please", "sry": "sorry", "soz": "sorry",
    # pronouns and contractions
    "u": "you", "yu": "you", "ur": "your", "youre": "you're", "r": "are",
    "im": "i'm", "ive": "i've", "dont": "don't", "cant": "can't", "cannot": "can't",
    "wont": "won't", "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't", "arent": "aren't",
    "wasnt": "wasn't", "werent": "weren't", "havent": "haven't", "hasnt": "hasn't",
    "hadnt": "hadn't", "couldnt": "couldn't", "shouldnt": "shouldn't", "wouldnt": "wouldn't",
    "aint": "ain't", "thats": "that's", "whats": "what's", "hows": "how's", "wheres": "where's",
    "theres": "there's", "shes": "she's", "hes": "he's", "lets": "let's",
    # people
    "sis": "sister", "bro": "brother", "bf": "boyfriend", "gf": "girlfriend", "bff": "best friend",
    "bestie": "best friend", "hubby": "husband", "hubs": "husband", "wifey": "wife",
    # everything else
    "rly": "really", "rlly": "really", "realy": "really", "srsly": "seriously", "sooo": "so",
    "soo": "so", "yess": "yes", "yass": "yes", "yas": "yes", "noo": "no",
    "nope": "no", "yup": "yep", "yea": "yeah", "okay": "ok", "okk": "ok",
    "okie": "ok", "oki": "ok", "okey": "ok", "kk": "ok", "k": "ok", "omgg": "omg",
    "b4": "before", "2day": "today", "2nite": "tonight", "tmrw": "tomorrow", "tmr": "tomorrow",
    "tmrrw": "tomorrow", "2morrow": "tomorrow", "tomorow": "tomorrow", "wk": "week",
    "appt": "appointment", "appts": "appointments", "apt": "appointment", "apppointment": "appointment",
    "appointmnt": "appointment", "idk": "i don't know", "dunno": "don't know", "nvm": "never mind",
    "bc": "because", "cuz": "because", "coz": "because", "bcuz": "because", "abt": "about",
    "msg": "message", "txt": "text", "txting": "texting", "msging": "messaging", "lil": "little",
    "prolly": "probably", "tho": "though", "thru": "through", "wat": "what", "wen": "when",
    "lmk": "let me know", "ppl": "people", "hrs": "hours", "hr": "hour", "mins": "minutes",
    "min": "minute", "wanna": "want to", "gonna": "going to", "gotta": "got to", "kinda": "kind of",
    "sorta": "sort of", "rn": "right now", "num": "number",
}

# "w/o" and "w/" contain a slash, so they need their own boundary handling.
_SLASH_WORDS = re.compile(r"(?<![\w/])w/o(?![\w/])|(?<![\w/])w/(?=\s|\w)")
_SQUEEZE = re.compile(r"([a-z])\1{2,}")  # 3+ repeats of one letter -> 2 ("cool", "good" survive)
_PUNCT_RUN = re.compile(r"([!?,])\1+")
_GLUED = re.compile(r"([,;!?])(?=[a-z])")  # "gr8,thx" -> "gr8, thx"


def _emoji_to_words(text: str) -> str:
    text = _EMOJI_NOISE.sub("", text)
    text = _EMOJI_MAP.sub(lambda m: f" {EMOJI_WORDS[m.group(0)]} ", text)
    if _NON_LATIN.search(text):
        text = emoji.replace_emoji(text, " ")
    return text


def _fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_EDGE_PUNCT = "!?.,;:\"'()[]{}*~-_/\\"


def _respell(token: str) -> str:
    """One whitespace-separated token, respelt if it (minus surrounding punctuation) is SMS spelling."""
    hit = SMS_SPELLINGS.get(token)
    if hit is not None:
        return hit
    core = token.strip(_EDGE_PUNCT)
    if core == token or core not in SMS_SPELLINGS:
        return token
    start = token.index(core)
    return token[:start] + SMS_SPELLINGS[core] + token[start + len(core):]


@lru_cache(maxsize=256)  # a turn normalises its text in several places (keywords, triage, rules, the reader)
def normalize(text: str) -> str:
    """Lowercase, ASCII-folded, emoji-as-words, SMS-respelt, whitespace-collapsed text."""
    if not text:
        return ""
    if not text.isascii():
        text = _emoji_to_words(text).translate(_CHAR_FOLD)
        if not text.isascii():
            text = _fold_accents(text)
    text = text.lower()
    text = _SQUEEZE.sub(r"\1\1", text)
    text = _GLUED.sub(r"\1 ", _PUNCT_RUN.sub(r"\1", text))
    text = _SLASH_WORDS.sub(lambda m: " without " if m.group(0) == "w/o" else " with ", text)
    return " ".join(_respell(t) for t in text.split())

# ------------------------------------------------------------------------------------ tapbacks
# A tapback: the phone's reaction to one of our texts, sent as text ("Loved “How are you liking your
# results?”", "Reacted 👍 to “...”", "Le encantó “...”"). The quoted words are ours, not the patient's.
REACTION = re.compile(
    r"^\s*(?P<verb>liked|loved|laughed at|emphasi[sz]ed|disliked|questioned|reacted\s+(?P<emoji>\S{1,8})\s+to|"
    r"le gust[oó]|le encant[oó]|se ri[oó] de|enfatiz[oó]|no le gust[oó]|cuestion[oó]|"
    r"reaccion[oó]\s+con\s+(?P<emoji2>\S{1,8})\s+a)\s+[“\"'‘](?P<quoted>.{20,})[”\"'’]\s*$",
    re.IGNORECASE | re.DOTALL,
)


def reaction(body: str) -> re.Match[str] | None:
    """The tapback `body` is, if it is one. Its quoted words are ours: no keyword, red flag or intent of
    the patient's is read in them."""
    return REACTION.match(body or "")
