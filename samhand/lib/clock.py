"""The node's notion of now for deadlines, receipt watch and downtime, in one place so that tests
can move time (a chain deadline is hours or days, an AppRec may take 96 hours): they patch
``samhand.lib.clock.now``. Callers use ``clock.now()`` through the module, never a bound copy."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today():
    """The local date now (video checks and slots are days)."""
    return timezone.localdate(now())
