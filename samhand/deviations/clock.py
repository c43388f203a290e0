"""The deviations' notion of now, in one place so that tests can move time (deadlines are weeks)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
