"""A small per-process cache for data read on every message and changed rarely (the registry and
the approved chain versions), with the directory's time to live (SAMHAND_DIRECTORY_CACHE_SECONDS):
a change is seen at once in the process that made it and within that time elsewhere."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")


class TtlCache:
    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        ttl = settings.SAMHAND_DIRECTORY_CACHE_SECONDS
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


registry_cache = TtlCache()
chain_cache = TtlCache()
