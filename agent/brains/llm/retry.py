"""Which model failures are worth another try, and how often: capped, jittered, bounded in time.

Transient: rate limits (429), server errors (5xx), timeouts and connection failures, however the
provider spells them. Everything else (bad request, auth, a malformed answer) fails at once, so the
engine falls back to the offline brain without delay. An attempt may also raise TryOtherwise: the
next attempt starts at once (no wait) and does something different (the brain uses it to drop a
tool choice the server refused); it counts against the same attempts and time budget.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import openai
from langchain_core.exceptions import ModelError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

log = logging.getLogger("afterglow.brain")
T = TypeVar("T")

_TRANSIENT_TYPES = (
    openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError,
    httpx.TimeoutException, httpx.TransportError, TimeoutError, ConnectionError,
)


class TryOtherwise(Exception):  # noqa: N818 - an instruction, not an error
    """Raised from inside an attempt, `from` the real error: retry at once, differently."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ModelError):  # langchain-core's provider-neutral errors say so themselves
        return exc.is_retryable
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    status = getattr(exc, "status_code", None)  # other SDKs' status errors
    return isinstance(status, int) and (status == 429 or status >= 500)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # model calls at most, the first included
    max_wait_s: float = 4.0  # cap of one jittered exponential wait
    budget_s: float = 20.0  # no new attempt starts after this long
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)  # tests pass a recorder

    def run(self, call: Callable[[], T], *, on_attempt: Callable[[], None] = lambda: None) -> T:
        """Call until it succeeds, fails for good, or the attempts or the time budget run out;
        then the last exception propagates (the real one behind a TryOtherwise)."""

        def attempt() -> T:
            on_attempt()
            return call()

        backoff = wait_random_exponential(multiplier=0.5, max=self.max_wait_s)

        def wait(state: RetryCallState) -> float:
            failed = state.outcome.exception() if state.outcome else None
            return 0.0 if isinstance(failed, TryOtherwise) else backoff(state)

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.budget_s),
            wait=wait,
            retry=retry_if_exception(lambda exc: isinstance(exc, TryOtherwise) or is_transient(exc)),
            sleep=lambda seconds: self.sleep(seconds) if seconds > 0 else None,
            before_sleep=_log_retry,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except TryOtherwise as exc:
            if exc.__cause__ is None:
                raise
            raise exc.__cause__ from exc.__cause__.__cause__


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, TryOtherwise):
        return  # the caller logs what it changed
    # The type only: provider error text may quote the request.
    log.warning("model call failed (%s), attempt %d; retrying", type(exc).__name__, state.attempt_number)
