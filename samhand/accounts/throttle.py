"""Brute-force protection for every password login (portal and admin).

Three counters, all in LoginThrottle rows:

- per account and client address (username, ip): locked after SAMHAND_LOGIN_MAX_FAILURES
  failures for SAMHAND_LOGIN_LOCKOUT_SECONDS. Keyed on the pair, so an attacker's failures
  never lock the real user out when the user comes from another address;
- per client address ("*", ip): locked after SAMHAND_LOGIN_MAX_FAILURES_PER_ADDRESS failures
  across any usernames (password spraying from one address);
- the node ("*", "*"): at most SAMHAND_LOGIN_MAX_FAILURES_PER_MINUTE failed logins a minute.
  Past the ceiling, every address that has failed in the last minute is refused until the
  minute ends; addresses without failures still get in (a distributed attack cannot lock
  the users out).

The client address is REMOTE_ADDR as rewritten by samhand.security.middleware: taken from
X-Forwarded-For only through SAMHAND_TRUSTED_PROXIES. A success clears the pair's count.
Failures older than the lockout period are forgotten. Failed and locked logins are logged
(logger samhand.security.login) with username and address, never the password.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import LoginThrottle

log = logging.getLogger("samhand.security.login")
ANY = "*"  # Django usernames cannot contain "*": the address and node rows never clash with a user
MINUTE = timedelta(seconds=60)


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def client_ip(request) -> str:
    # REMOTE_ADDR as rewritten by TrustedProxyMiddleware (X-Forwarded-For through trusted hops only).
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45]


def _per_address_limit() -> int:
    return getattr(settings, "SAMHAND_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)


def _per_minute_limit() -> int:
    return getattr(settings, "SAMHAND_LOGIN_MAX_FAILURES_PER_MINUTE", 100)


def _active_lock(row, now) -> datetime | None:
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    return row.locked_until


def locked_until(username: str, ip: str) -> datetime | None:
    """When the lock on this login ends, or None when it may try now."""
    now = timezone.now()
    rows = {(r.username, r.ip): r for r in LoginThrottle.objects.filter(
        username__in=[_key(username), ANY], ip__in=[ip, ANY])}
    locks = [_active_lock(rows.get((_key(username), ip)), now), _active_lock(rows.get((ANY, ip)), now)]
    node = rows.get((ANY, ANY))
    address = rows.get((ANY, ip))
    if (node is not None and node.last_failure_at and now - node.last_failure_at < MINUTE
            and node.failures >= _per_minute_limit()
            and address is not None and address.last_failure_at and now - address.last_failure_at < MINUTE):
        locks.append(node.last_failure_at + MINUTE)
    locks = [lock for lock in locks if lock is not None]
    return max(locks) if locks else None


def _bump(username: str, ip: str, limit: int | None, window: timedelta, now) -> datetime | None:
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(username=username, ip=ip)
    if row.last_failure_at is None or now - row.last_failure_at > window:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if limit is not None and row.failures >= limit:
        row.locked_until = now + timedelta(seconds=settings.SAMHAND_LOGIN_LOCKOUT_SECONDS)
        row.failures = 0
    row.save()
    return _active_lock(row, now)


@transaction.atomic
def record_failure(username: str, ip: str) -> datetime | None:
    """Count one failed attempt; returns the end of the lock when this login is now locked."""
    now = timezone.now()
    window = timedelta(seconds=settings.SAMHAND_LOGIN_LOCKOUT_SECONDS)
    pair = _bump(_key(username), ip, settings.SAMHAND_LOGIN_MAX_FAILURES, window, now)
    address = _bump(ANY, ip, _per_address_limit(), window, now)
    _bump(ANY, ANY, None, MINUTE, now)
    log.warning("login failed: user=%r address=%s", _key(username), ip)
    until = locked_until(username, ip) or pair or address
    if until is not None:
        log.warning("login locked: user=%r address=%s until=%s", _key(username), ip, until.isoformat())
    return until


def record_locked(username: str, ip: str, until: datetime) -> None:
    """A login refused because it is locked (the password was not checked)."""
    log.warning("login refused while locked: user=%r address=%s until=%s", _key(username), ip, until.isoformat())


def record_success(username: str, ip: str) -> None:
    LoginThrottle.objects.filter(username=_key(username), ip=ip).delete()
