"""What is built from a policy object (a matcher, a reader), kept per policy object.

Policies are frozen pydantic models that hold lists, so they are not hashable: the cache is keyed by the
object's identity and keeps a reference to the object, so that an id is never reused while its entry
lives. A handful of policy objects exist in a process (the defaults, a test's copies), so the cache is
small and cleared whole when it grows past that.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

P = TypeVar("P")
T = TypeVar("T")

__all__ = ["PerPolicy"]


class PerPolicy(Generic[P, T]):
    def __init__(self, build: Callable[[P], T], *, most: int = 32) -> None:
        self._build = build
        self._most = most
        self._entries: dict[int, tuple[P, T]] = {}

    def __call__(self, policy: P) -> T:
        hit = self._entries.get(id(policy))
        if hit is not None and hit[0] is policy:
            return hit[1]
        if len(self._entries) >= self._most:
            self._entries.clear()
        built = self._build(policy)
        self._entries[id(policy)] = (policy, built)
        return built

    def built(self) -> list[T]:
        """Everything built so far (benchmarks clear their memos)."""
        return [entry[1] for entry in list(self._entries.values())]
