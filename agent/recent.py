"""A bounded memo of the last few values computed, by key.

One turn reads the same patient text from several places (the red-flag screen, the classification every
brain is checked against, the offline brain's own proposal); each reader keeps the last few texts it read
so that the second reading costs nothing. A memo may be shared by a turn's thread and a reading made
ahead of a model call (agent/engine/reading.py): eviction tolerates another thread having evicted first.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    def __init__(self, most: int) -> None:
        self.most = most
        self._values: dict[K, V] = {}

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        hit = self._values.get(key)
        if hit is None:
            hit = compute()
            if len(self._values) >= self.most:
                try:
                    self._values.pop(next(iter(self._values)), None)  # the oldest
                except (StopIteration, RuntimeError):
                    pass  # another thread evicted it (or changed the dict) first: one over the bound at most
            self._values[key] = hit
        return hit

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._values
