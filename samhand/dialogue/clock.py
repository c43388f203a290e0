"""The dialogue's notion of now, in one place so that tests can move time (answer deadlines)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
