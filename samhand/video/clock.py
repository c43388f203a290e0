"""The video app's notion of now, in one place so that tests can move time (due checks, slots)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today():
    return timezone.localdate(now())
