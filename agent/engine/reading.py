"""The engine's own reading of a patient's text: the red-flag screen and the offline classification that
every brain's proposal is checked against (safety is a union: the reading's red flags and opt-outs decide
whatever a model said).

Under a brain that waits on a network call (a model takes hundreds of milliseconds), the reading does not
feed the call, so it is handed to a worker thread before the call and made while the call waits for its
answer: the engine's thread sits in a socket read with the GIL released, and the reading costs the turn
no time. A worker holds its thread for the whole call (WORKERS bounds them).
The worker only ever sees plain values (the text, the policies, a few fields of the BrainContext): never
the turn's SQLAlchemy session, which stays on the engine's thread.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from agent.brains.base import BrainContext
from agent.brains.offline.classify import Classification, classify, known_names
from agent.brains.offline.safety import screen
from agent.policy.schema import Policies
from agent.triage import TriageResult

# Readings in flight at once in one process: one per concurrent model call. A turn whose reading finds no
# free worker reads on its own thread when it needs the result (Ahead.result), so a burst of concurrent
# turns is never slower than reading inline.
WORKERS = 4
# A worker waits at most this long for its call to start waiting: a backstop, so a turn that never asks
# for its reading (it cannot, short of a bug) does not hold a worker, or the process's exit, for good.
# Reading after it is harmless: the engine's thread still waits for, or takes, the one claim.
GATE_LIMIT_S = 60.0


@dataclass(frozen=True)
class Reading:
    flags: TriageResult  # red flags and expected effects (rules and the reader's model)
    check: Classification  # the offline classification: opt-outs, possible opt-outs, "settled" evidence


def read(text: str, policies: Policies, ctx: BrainContext) -> Reading:
    """The reading, here and now: what the offline brain's own proposal reads too (memoised per text)."""
    flags = screen(text, policies, ctx.visit_category)
    check = classify(text, policies, visit_type=ctx.visit_category, last_asks=ctx.last_asks,
                     known_names=known_names(ctx.first_name, ctx.clinic_name))
    return Reading(flags, check)


class Ahead:
    """A reading made while a model call waits for its answer.

    Submitted before the call, it starts when `open()` is called (the brain's HTTP request is sent and the
    answer awaited: agent/brains/waiting.py); `result()` after the call. The reading is claimed once, by
    whichever thread gets to it first: a worker that has not begun by the time the engine needs the result
    (the answer came back at once, the call never waited, or every worker was busy) leaves it to the
    engine's thread, which reads inline rather than wait for a thread to be scheduled."""

    def __init__(self, text: str, policies: Policies, ctx: BrainContext) -> None:
        self._args = (text, policies, ctx)
        self._gate = threading.Event()
        self._claim = threading.Lock()  # a one-shot token: its holder makes the reading
        self._mine = False  # the engine's thread holds the claim (set on that thread only)
        self._future: Future[Reading | None] = _pool().submit(self._run)

    def open(self) -> None:
        """The call is waiting for its answer: read now (called on the engine's thread)."""
        self._gate.set()

    def result(self) -> Reading:
        """The reading. An exception in it is raised here, on the engine's thread, exactly as an inline
        reading's would be: the turn fails and rolls back, nothing is sent."""
        if self._take():
            return read(*self._args)
        found = self._future.result()  # the worker claimed it: reading, or done
        assert found is not None  # a worker that claimed returns a reading or raises
        return found

    def settle(self) -> None:
        """Wait until no worker is reading the text, without its result or exception: before the engine
        reads the same text on its own thread (the offline brain answering a failed model call), so the two
        never fill the per-text memos at once."""
        if not self._take():
            self._future.exception()

    def _take(self) -> bool:
        """Claim the reading for the engine's thread, if no worker has; True when it is (now) ours."""
        if not self._mine and self._claim.acquire(blocking=False):
            self._mine = True
            self._gate.set()  # a worker still waiting returns at once: the reading is taken
            self._future.cancel()  # and one not yet started never runs
        return self._mine

    def _run(self) -> Reading | None:
        self._gate.wait(GATE_LIMIT_S)
        if not self._claim.acquire(blocking=False):
            return None  # the engine's thread took it
        return read(*self._args)


_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (the process it was made in, the pool)
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Made on first use in each process: a forked child inherits the parent's pool object but none of its
    threads, and would queue readings nobody runs."""
    global _POOL
    made = _POOL
    if made is None or made[0] != os.getpid():
        with _POOL_LOCK:
            made = _POOL
            if made is None or made[0] != os.getpid():
                made = _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=WORKERS,
                                                                thread_name_prefix="afterglow-reading"))
    return made[1]
