"""Logging that cannot carry patient data: exception messages are withheld, phone numbers masked.

Our own log calls name ids, counts and exception types only. The rest of the risk comes from code we do
not write: a driver's exception text (SQLAlchemy appends the statement's parameters, PostgreSQL's DETAIL
quotes the conflicting value) printed in a traceback by uvicorn's "Exception in ASGI application". So
every record is scrubbed where it is made (a log record factory, whatever handlers are configured), and
again by `PhiFilter` on the handlers we configure (in case someone swaps the factory):
- a traceback keeps its frames (file, line, function, source line: code, not data) and exception types,
  and drops every exception's message;
- an exception passed as a %-argument is logged as its type name;
- anything shaped like a phone number in the message or its string arguments becomes "[number]".
"""
from __future__ import annotations

import copy
import logging
import re
import traceback
from typing import Any

NUMBER = "[number]"
WITHHELD = "(message withheld: it may carry patient data)"
# E.164 (+ and 8-15 digits, as we store numbers) and North American numbers however they are written.
_PHONE = re.compile(r"(?<![\w+])\+\d{8,15}\b|(?<![\w+])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b")
_SCRUBBED = "_afterglow_scrubbed"


def mask_numbers(text: str) -> str:
    return _PHONE.sub(NUMBER, text)


def safe_traceback(exc: BaseException) -> str:
    """The traceback as Python prints it, chained exceptions included, with every message withheld."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current, link = exc, ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of the following exception:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception, another exception occurred:"
        else:
            current = None
    parts: list[str] = []
    for item, link in reversed(chain):  # the first cause first, as Python prints it
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        kind = type(item)
        parts.append(f"{kind.__module__}.{kind.__qualname__} {WITHHELD}\n")
        if link:
            parts.append(f"\n{link}\n\n")
    return "".join(parts).rstrip("\n")


def _safe_arg(value: Any) -> Any:
    if isinstance(value, BaseException):
        return type(value).__name__
    if isinstance(value, str):
        return mask_numbers(value)
    return value


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Make one record safe to write (idempotent). Arguments keep their shape: uvicorn's access formatter
    reads them one by one."""
    if getattr(record, _SCRUBBED, False):
        return record
    if isinstance(record.msg, str):
        record.msg = mask_numbers(record.msg)
    elif isinstance(record.msg, BaseException):
        record.msg = type(record.msg).__name__
    if isinstance(record.args, tuple):
        record.args = tuple(_safe_arg(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _safe_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = safe_traceback(record.exc_info[1])
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = WITHHELD  # formatted by someone else: we cannot tell data from code in it
    setattr(record, _SCRUBBED, True)
    return record


class PhiFilter(logging.Filter):
    """A handler filter that scrubs (never drops) each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


_installed = False


def install() -> None:
    """Scrub every record this process makes, from any logger, before any handler sees it (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


def uvicorn_log_config(level: str = "INFO") -> dict:
    """uvicorn's own logging set-up, with PhiFilter on its handlers and the same handler for our loggers
    (without one, `afterglow.*` records below WARNING were dropped and the rest went unformatted)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"phi": {"()": "agent.logs.PhiFilter"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["phi"]
    config["loggers"]["afterglow"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config


def configure(level: int = logging.INFO) -> None:
    """Plain logging for the worker and other commands, scrubbed."""
    install()
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PhiFilter) for f in handler.filters):
            handler.addFilter(PhiFilter())
