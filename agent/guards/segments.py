"""What an SMS costs: GSM-7 / UCS-2 detection and segment counting exactly as Twilio does it.

- GSM-7 (the GSM 03.38 basic set): 160 septets in a single segment, 153 per segment once split.
  Characters of the extension table (form feed ^ { } \\ [ ] ~ | €) take an escape plus the
  character: 2 septets each, and an escape pair is never split across two segments.
- Any other character switches the whole message to UCS-2: 70 UTF-16 code units in one segment,
  67 per segment once split (an emoji outside the BMP is 2 units). A user-perceived character
  (an emoji with its modifiers, a letter with its accents, a flag) is never split across segments.

`smart_encode` mirrors Twilio's Smart Encoding: lookalike punctuation, odd spaces and invisible
characters are replaced with GSM-7 equivalents so a message stays GSM-7 where it can. Emoji and
letters (accented or not) are left alone: replacing them would change what the patient reads.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["SegmentInfo", "count_segments", "smart_encode", "GSM7", "UCS2"]

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 03.38 basic character set as Unicode (ESC itself is not a character a message can carry).
_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs an escape septet plus itself.
_GSM_EXTENDED = "\f^{}\\[~]|€"

_NON_GSM = re.compile("[^" + re.escape(_GSM_BASIC + _GSM_EXTENDED) + "]")
_EXTENDED = re.compile("[" + re.escape(_GSM_EXTENDED) + "]")
# Characters that glue onto the previous one in a user-perceived character (grapheme cluster).
_CLUSTER_PARTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
                            "\u200c\u200d\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U0001f1e6-\U0001f1ff]")

GSM_SINGLE, GSM_MULTI = 160, 153
UCS_SINGLE, UCS_MULTI = 70, 67


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" | "UCS-2"
    segments: int  # 0 for an empty body (Twilio refuses to send one)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def count_segments(text: str) -> SegmentInfo:
    if not text:
        return SegmentInfo(GSM7, 0, 0)
    if _NON_GSM.search(text) is None:
        extended = len(_EXTENDED.findall(text))
        units = len(text) + extended
        if units <= GSM_SINGLE:
            return SegmentInfo(GSM7, 1, units)
        if not extended:
            return SegmentInfo(GSM7, math.ceil(units / GSM_MULTI), units)
        return SegmentInfo(GSM7, _pack(text, GSM_MULTI, _gsm_units, clusters=False), units)
    units = _utf16_units(text)
    if units <= UCS_SINGLE:
        return SegmentInfo(UCS2, 1, units)
    if units == len(text) and _CLUSTER_PARTS.search(text) is None:
        return SegmentInfo(UCS2, math.ceil(units / UCS_MULTI), units)
    return SegmentInfo(UCS2, _pack(text, UCS_MULTI, _utf16_units, clusters=True), units)


def _gsm_units(text: str) -> int:
    return len(text) + len(_EXTENDED.findall(text))


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _utf16_units(text: str) -> int:
    return len(text) + len(_ASTRAL.findall(text))


def _pack(text: str, capacity: int, size, *, clusters: bool) -> int:  # noqa: ANN001 - size: str -> int
    """Segments when each is filled greedily and no character (or cluster) straddles two.

    A Python character is a whole code point, so an escape pair (GSM-7) or a surrogate pair (UCS-2)
    is never split by slicing; with `clusters`, a cut also backs off to a grapheme cluster boundary.
    """
    segments, start, n = 0, 0, len(text)
    while start < n:
        segments += 1
        end = min(n, start + capacity)
        excess = size(text[start:end]) - capacity
        while excess > 0:  # each character dropped frees at least one unit
            end -= excess
            excess = size(text[start:end]) - capacity
        if clusters and end < n:
            cut = end
            while cut > start and not _cluster_boundary(text, cut):
                cut -= 1
            if cut > start:  # else one cluster is longer than a segment: it has to be cut
                end = cut
        start = end
    return segments


def _is_regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _cluster_boundary(text: str, i: int) -> bool:
    """Whether a user-perceived character may end between text[i-1] and text[i] (UAX #29, simplified)."""
    before, after = text[i - 1], text[i]
    if before == "\u200d":
        return False  # a zero-width joiner glues the next character on
    if _is_regional(after):
        if not _is_regional(before):
            return True
        run = 0  # flags are pairs: a boundary only after an even number of indicators
        while i - run - 1 >= 0 and _is_regional(text[i - run - 1]):
            run += 1
        return run % 2 == 0
    return _CLUSTER_PARTS.match(after) is None and not unicodedata.combining(after)


# ------------------------------------------------------------------------------ smart encoding

_SMART: dict[str, str] = {}


def _map(chars: str, to: str) -> None:
    for ch in chars:
        _SMART[ch] = to


_map("\u00ab\u00bb\u201c\u201d\u201e\u201f\u02ba\u02ee\u2033\u275d\u275e\u301d\u301e\uff02", '"')
_map("\u2018\u2019\u201a\u201b\u2032\u02bb\u02bc\u02bd\u02b9\u02c8\u02ca\u02cb\u00b4`\u275b\u275c\uff07", "'")
_map("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u23bc\u23bd\ufe58\ufe63\uff0d", "-")
_map("\u2022\u00b7\u2027\u2219", "-")  # bullets and middle dots read as list dashes
_map("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
     "\u2028\u2029\t\u000b\u0085", " ")
_map("\u200b\u2060\ufeff\u00ad", "")  # invisible: zero-width space, word joiner, BOM, soft hyphen
_map("\u2039", "<")
_map("\u203a", ">")
_map("\u00f7\u2044\u2215\u29f8\uff0f", "/")
_map("\u29f5\u29f9\ufe68\uff3c", "\\")
_map("\u2223\u23b8\u23b9\u23d0\uff5c", "|")
_map("\u2017\uff3f", "_")
_map("\u02c6\uff3e", "^")
_map("\u02dc\u223c\uff5e", "~")
_map("\u2768\u276a\ufe59\uff08", "(")
_map("\u2769\u276b\ufe5a\uff09", ")")
_map("\u2774\ufe5b\uff5b", "{")
_map("\u2775\ufe5c\uff5d", "}")
_map("\uff3b", "[")
_map("\uff3d", "]")
_map("\u3002\ufe52\uff0e\uff61", ".")
_map("\u3001\ufe50\ufe51\uff0c\uff64", ",")
_map("\u204e\u2217\u2731\ufe61\uff0a", "*")
_map("\u02d0\ua789\ufe13\uff1a", ":")
_map("\u204f\ufe14\ufe54\uff1b", ";")
_map("\u01c3\ufe15\ufe57\uff01", "!")
_map("\ufe16\ufe56\uff1f", "?")
_map("\ufe5f\uff03", "#")
_map("\ufe6a\uff05", "%")
_map("\ufe60\uff06", "&")
_map("\ufe62\uff0b\u02d6", "+")
_map("\ufe64\uff1c", "<")
_map("\ufe65\uff1e", ">")
_map("\ufe66\uff1d", "=")
_map("\ufe6b\uff20", "@")
_map("\ufe69\uff04", "$")
_SMART.update({"\u2026": "...", "\u203c": "!!", "\u2047": "??", "\u2048": "?!", "\u2049": "!?",
               "\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4", "\u00d7": "x"})
# Fullwidth digits and Latin letters.
_SMART.update({chr(0xFF10 + i): str(i) for i in range(10)})
_SMART.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_SMART.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})

_SMART_TABLE = str.maketrans(_SMART)
_SMART_CHARS = re.compile("[" + re.escape("".join(_SMART)) + "]")


def smart_encode(text: str) -> str:
    """Replace lookalike punctuation and odd spaces with GSM-7 characters (Twilio Smart Encoding)."""
    if text.isascii() and "\t" not in text and "`" not in text and "\x0b" not in text:
        return text
    if _SMART_CHARS.search(text) is None:
        return text
    return text.translate(_SMART_TABLE)
