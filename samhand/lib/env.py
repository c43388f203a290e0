"""Typed readers for settings from the environment.

Every reader raises ImproperlyConfigured on a value it cannot interpret, so a
typo in production fails at start-up instead of silently falling back to a
default (settings fail closed).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_int_map(name: str) -> dict[str, int]:
    """``KEY=5,OTHER=10`` -> {"KEY": 5, "OTHER": 10}; raises on anything else."""
    result: dict[str, int] = {}
    for item in env_list(name):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip().isdigit():
            raise ImproperlyConfigured(f"{name} must look like KEY=NUMBER,KEY=NUMBER, not {item!r}")
        result[key.strip()] = int(value)
    return result


def env_path(name: str, default: Path | None = None) -> Path | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return Path(raw).expanduser()


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, default) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _binding(options: dict) -> dict:
    """Server-side binding with prepared statements (``?server_side_binding=false`` and
    ``?prepare_threshold=N`` in the URL override it; behind a transaction-mode pooler, turn
    it off). The values travel apart from the statement, so the hot path's statements are
    parsed and planned once per connection instead of on every call, and no literal is
    quoted in Python."""
    binding = options.get("server_side_binding", "true")
    threshold = options.get("prepare_threshold", "5")
    if str(binding).lower() not in ("true", "false", "1", "0"):
        raise ImproperlyConfigured("DATABASE_URL server_side_binding must be true or false")
    on = str(binding).lower() in ("true", "1")
    try:
        prepare = int(threshold) if on and str(threshold).lower() not in ("none", "") else None
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL prepare_threshold must be a number or none") from None
    return {"server_side_binding": on, "prepare_threshold": prepare}


def parse_database_url(url: str, *, base_dir: Path) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry.

    Supported: ``sqlite:///relative/or/absolute.db`` (``sqlite:////abs`` for an
    absolute path) and ``postgres://user:pass@host:port/name?opt=val``. An
    empty host means the local Unix socket, which is what PostgreSQL's peer or
    trust authentication expects on a single machine.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query))
    if scheme == "sqlite":
        raw_path = unquote(parts.path)
        if raw_path in ("", "/"):
            raise ImproperlyConfigured("DATABASE_URL sqlite:// needs a file path")
        path = Path(raw_path[1:]) if raw_path.startswith("/") else Path(raw_path)
        if not path.is_absolute():
            path = base_dir / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            # BEGIN IMMEDIATE: a transaction takes the write lock up front, so two
            # workers never deadlock upgrading a read lock; timeout waits for it.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
            # A file, not memory: tests start worker processes against the test database.
            # One per test run (pid), so concurrent runs on one checkout never share it.
            "TEST": {"NAME": str(path.with_name(f"{path.stem}-test-{os.getpid()}.sqlite3"))},
            # Keep connections (per thread) instead of opening the file and setting PRAGMAs per request.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL must name the database")
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            "OPTIONS": {**options, **_binding(options)},
        }
        return db
    raise ImproperlyConfigured(f"DATABASE_URL scheme {scheme!r} is not supported (sqlite, postgres)")
