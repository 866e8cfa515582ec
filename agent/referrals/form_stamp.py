"""The friend page's form stamp: when the form was served and for which code, signed with the service's
secret. It is the public form's CSRF defence (a page elsewhere cannot mint a valid stamp, and there is no
cookie to ride on) and its bot check (a form sent back sooner than a person could fill it is refused)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from enum import StrEnum

MIN_FILL = timedelta(seconds=3)  # a person reads the page and types a name and a number
MAX_AGE = timedelta(hours=2)  # a tab left open overnight gets a fresh form, with what was typed kept


class StampCheck(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # not ours, or for another code
    TOO_FAST = "too_fast"
    EXPIRED = "expired"


def _signature(secret_key: str, code: str, issued: int) -> str:
    message = f"friend-form:{code}:{issued}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def make_stamp(secret_key: str, code: str, now: datetime) -> str:
    issued = int(now.timestamp())
    return f"{issued}.{_signature(secret_key, code, issued)}"


def check_stamp(secret_key: str, code: str, stamp: str, now: datetime) -> StampCheck:
    issued_text, _, signature = stamp.partition(".")
    if not issued_text.isdigit() or not hmac.compare_digest(signature, _signature(secret_key, code, int(issued_text))):
        return StampCheck.INVALID
    age = now - datetime.fromtimestamp(int(issued_text), tz=now.tzinfo)
    if age < MIN_FILL:
        return StampCheck.TOO_FAST
    if age > MAX_AGE:
        return StampCheck.EXPIRED
    return StampCheck.OK
