"""The one per-process cache for data read on every message and changed rarely: directory parties,
trust anchors, the message-type registry, approved chain versions, the HER-ids held by a downtime.

Each entry lives ``ttl()`` seconds (0: no caching). A change is seen at once in the process that
made it (it calls ``clear()``) and within the time to live in every other process.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")


def directory_ttl() -> float:
    return settings.SAMHAND_DIRECTORY_CACHE_SECONDS


_ALL: weakref.WeakSet = weakref.WeakSet()


def clear_all() -> None:
    """Forget everything every cache of this process holds (tests, between one test's database
    and the next)."""
    for cache in list(_ALL):
        cache.clear()


class TtlCache:
    def __init__(self, ttl: Callable[[], float] = directory_ttl) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        ttl = self.ttl()
        if ttl <= 0:
            return load()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]  # type: ignore[return-value]
        value = load()
        with self._lock:
            self._entries[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
