"""One injectable clock: the engine, scheduler, evals and `afterglow simulate` all take time from it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC, like every datetime in the store."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, evals, simulations)."""

    def __init__(self, start: datetime) -> None:
        if start.utcoffset() is None:
            raise ValueError("FixedClock needs an aware datetime (UTC)")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment
