"""Brute-force protection for the portal login: per username and client address.

A failure counts against the pair (username, IP); the pair is locked after
SAMHAND_LOGIN_MAX_FAILURES failures for SAMHAND_LOGIN_LOCKOUT_SECONDS. A success
clears the count. Failures older than the lockout period are forgotten, so a
user who mistypes now and then is never locked out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import LoginThrottle


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by whoever sends the request. Behind a reverse
    # proxy, the proxy must pass the client address as REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45]


def locked_until(username: str, ip: str) -> datetime | None:
    """When the lock on this pair ends, or None when it may try now."""
    row = LoginThrottle.objects.filter(username=_key(username), ip=ip).only("locked_until").first()
    if row is None or row.locked_until is None or row.locked_until <= timezone.now():
        return None
    return row.locked_until


@transaction.atomic
def record_failure(username: str, ip: str) -> datetime | None:
    """Count one failed attempt; returns the end of the lock when this failure locked the pair."""
    now = timezone.now()
    window = timedelta(seconds=settings.SAMHAND_LOGIN_LOCKOUT_SECONDS)
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(username=_key(username), ip=ip)
    if row.last_failure_at is None or now - row.last_failure_at > window:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= settings.SAMHAND_LOGIN_MAX_FAILURES:
        row.locked_until = now + window
        row.failures = 0
    row.save()
    return row.locked_until if row.locked_until and row.locked_until > now else None


def record_success(username: str, ip: str) -> None:
    LoginThrottle.objects.filter(username=_key(username), ip=ip).delete()
