"""Telling the engine when a model call starts waiting for its answer.

The engine reads the patient's text for its own safety checks on a worker thread while the model call is
in flight (agent/engine/reading.py). Under the GIL that only helps if the worker runs while this thread
is blocked on the answer: a worker started earlier takes the GIL at this thread's first release (the
request's header write) and holds it until the reading is done, ahead of the request body. So the
reading waits for this signal: httpcore's trace extension reports the moment the request is fully sent
and the response is awaited, and the hook the engine set for this call opens its gate.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine imports this module on every path; httpx only with a model
    import httpx

WAITING_EVENT = ".receive_response_headers.started"  # "http11." or "http2." before it
_HOOK: ContextVar[Callable[[], None] | None] = ContextVar("afterglow_while_waiting", default=None)


@contextmanager
def while_waiting(hook: Callable[[], None]) -> Iterator[None]:
    """Call `hook` (on this thread) each time a request made in this block starts waiting for its answer."""
    token = _HOOK.set(hook)
    try:
        yield
    finally:
        _HOOK.reset(token)


def started_waiting() -> None:
    """This thread now waits for a model's answer: run the hook `while_waiting` set, if any. Called by the
    httpx trace below; a brain that waits on something other than httpx can call it itself."""
    hook = _HOOK.get()
    if hook is not None:
        hook()


def on_request(request: httpx.Request) -> None:
    """An httpx `request` event hook: traces a request made inside `while_waiting` (others untouched)."""
    hook = _HOOK.get()
    if hook is None:
        return
    earlier = request.extensions.get("trace")

    def trace(event: str, info: dict[str, Any]) -> None:
        if earlier is not None:
            earlier(event, info)
        if event.endswith(WAITING_EVENT):
            hook()

    request.extensions["trace"] = trace
