"""Tiny in-process caches for the hot path (who is this account, which activities are open).

Each entry lives a few seconds at most, and the writes this process makes invalidate at once;
a change made by another process (the CLI) is seen within the TTL. Tests clear them between cases.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()
_ALL: list[TTLCache[object]] = []


class TTLCache(Generic[V]):
    def __init__(self, seconds: float, max_entries: int = 10_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._data: dict[Hashable, tuple[float, V]] = {}
        _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: Hashable) -> V | object:
        entry = self._data.get(key)
        if entry is None or entry[0] < time.monotonic():
            return _MISSING
        return entry[1]

    def put(self, key: Hashable, value: V) -> None:
        if len(self._data) >= self.max_entries:
            self._data.clear()
        self._data[key] = (time.monotonic() + self.seconds, value)

    def forget(self, key: Hashable) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()


def missing(value: object) -> bool:
    return value is _MISSING


def clear_all() -> None:
    for cache in _ALL:
        cache.clear()
