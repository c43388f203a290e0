"""Periodic steps run in every loop of every worker; a gate lets each process look only now and then."""

from __future__ import annotations

import time
from collections.abc import Callable


class Every:
    """True at most once per ``seconds()`` in this process (the first call is always due)."""

    def __init__(self, seconds: Callable[[], float]):
        self.seconds = seconds
        self.last = float("-inf")

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.seconds():
            return False
        self.last = now
        return True
