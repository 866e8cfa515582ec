"""Validation errors (422) that say where and what, never what was sent.

FastAPI's default answer carries each error's `input` and `ctx`: a rejected password, a patient's phone
number or a stray `ssn` field would come straight back in the response (and into whatever logs it). Here
only the location (field names, which the caller chose and the schema documents), the message and the
error type are kept, and a message that happens to quote the submitted value has it redacted.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

REDACTED = "[redacted]"
_MIN_QUOTED = 3  # shorter values ("1", "no") are words of the message itself, not a leak


def public_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        message = str(error.get("msg", ""))
        value = error.get("input")
        if isinstance(value, str | int | float) and len(str(value)) >= _MIN_QUOTED and str(value) in message:
            message = message.replace(str(value), REDACTED)  # a custom validator's message that quotes it
        out.append({"loc": [part if isinstance(part, str | int) else str(part) for part in error.get("loc", ())],
                    "msg": message, "type": str(error.get("type", "value_error"))})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": public_errors(exc.errors())}, status_code=422)
