"""Row ids as a caller may name them: 1 .. 2**31-1, checked where they are parsed.

The id columns are `integer`: PostgreSQL refuses a bind past 2**31-1 and SQLite's driver overflows past
2**63-1, so a large number in a URL used to reach the database and come back as a 500. `Id` (for FastAPI
path and query parameters) makes it a 422 before any query, the same on both databases; `parse_id` is the
lenient form for inputs that must never be refused, such as Twilio's status callback.
"""
from __future__ import annotations

import re
from typing import Annotated

from annotated_types import Interval

ID_MAX = 2**31 - 1  # PostgreSQL integer; SQLite's 2**63-1 is larger, so this one bound serves both

Id = Annotated[int, Interval(ge=1, le=ID_MAX)]
_INTEGER = re.compile(r"-?[0-9]{1,12}")


def parse_id(value: object) -> int | None:
    """An id from untyped text, or None when it is not one a row can have."""
    return _bounded(value, 1)


def parse_code(value: object) -> int | None:
    """A non-negative integer code (e.g. Twilio's ErrorCode) that fits an integer column, or None."""
    return _bounded(value, 0)


def _bounded(value: object, low: int) -> int | None:
    text = str(value).strip() if value is not None else ""
    if not _INTEGER.fullmatch(text):  # ASCII digits, and never int() of a megabyte of them
        return None
    number = int(text)
    return number if low <= number <= ID_MAX else None
