"""Password strength: every password an account is given goes through `check_password`.

Length alone let twelve spaces or `password1234` through, for admins too. zxcvbn (Dropbox's estimator)
scores a password 0-4 against common-password lists, dictionaries, keyboard walks, repeats, dates and the
account's own email and name; 3 ("safely unguessable") is the floor, as its authors recommend for
anything that guards other people's data. The message says why and what to do, never the password.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable

from pydantic import ValidationError

PASSWORD_MIN = 12
PASSWORD_MAX = 128
MIN_SCORE = 3
_CONTEXT = ("afterglow", "glow", "console", "clinic", "medspa")  # words anyone would try here first
# zxcvbn keeps the user's own words in a module-level dictionary while it scores: one check at a time.
_lock = threading.Lock()


class WeakPassword(ValueError):
    """Too short, too long, only whitespace, or too easy to guess. The text is safe to show."""


def check_password(password: str, *, user_inputs: Iterable[str] = ()) -> None:
    if len(password) < PASSWORD_MIN:
        raise WeakPassword(f"use at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise WeakPassword(f"use at most {PASSWORD_MAX} characters")
    if not password.strip():
        raise WeakPassword("a password cannot be only spaces")
    words = [*_CONTEXT, *_split(user_inputs)]
    with _lock:
        from zxcvbn import zxcvbn  # its word lists cost 13 MB: loaded when a password is set, not at start

        result = zxcvbn(password, user_inputs=words, max_length=PASSWORD_MAX)
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        advice = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        raise WeakPassword(f"too easy to guess ({result['score']} of 4, {MIN_SCORE} needed). {advice}".strip())


def explain(exc: ValidationError) -> str:
    """A StaffCreate refusal in words, field by field, without the submitted values (for the console form
    and the CLI; the JSON API returns the same messages as structured 422 errors)."""
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "input"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{field}: {message}")
    return "; ".join(problems)


def _split(values: Iterable[str]) -> list[str]:
    """An email and a name, and their parts: `maya.lopez@glow.example` -> maya.lopez, maya, lopez, glow..."""
    words: list[str] = []
    for value in values:
        if not value:
            continue
        value = value.strip().lower()
        words.append(value)
        words += [w for w in value.replace("@", " ").replace(".", " ").replace("-", " ").split() if len(w) > 2]
    return words
