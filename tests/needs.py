"""What the suite needs from outside the repository, and the one rule for when it is missing.

The official schemas and samples (../shared/kith), the openssl command line, PostgreSQL,
RabbitMQ and Chromium are not installed by `pip`. Outside CI a missing one skips the tests that
need it, with the reason; in CI (CI=true) it FAILS them: a CI run must never pass hollow.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_KITH = REPO.parent / "shared" / "kith"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_or_skip(problem: str | None, *, module: bool = False) -> None:
    """Nothing when ``problem`` is None; else skip (outside CI) or fail (in CI) with it.

    ``module=True`` at module level (skips the whole file).
    """
    if problem is None:
        return
    if in_ci():
        pytest.fail(f"{problem} (required in CI, CI=true)", pytrace=False)
    pytest.skip(problem, allow_module_level=module)


def params_or_skip(values: list, problem: str | None) -> list:
    """Values for ``parametrize`` that exist only when something outside is there (the samples):
    an empty list would let the test vanish silently, so it skips or fails like require_or_skip."""
    if problem is None and values:
        return values
    problem = problem or "nothing to parametrize over"
    if in_ci():
        pytest.fail(f"{problem} (required in CI, CI=true)", pytrace=False)
    return [pytest.param(None, marks=pytest.mark.skip(reason=problem), id="missing")]


# --- what is needed, and where it comes from ------------------------------------------------

def schema_dir() -> Path:
    configured = os.environ.get("SAMHAND_SCHEMA_DIR")
    path = Path(configured) if configured else SHARED_KITH / "schemas"
    require_or_skip(None if path.is_dir() else f"official KITH schemas not found at {path} (set SAMHAND_SCHEMA_DIR)")
    return path


def samples_problem() -> str | None:
    path = SHARED_KITH / "samples"
    return None if path.is_dir() else f"official KITH samples not found at {path}"


def samples_dir() -> Path:
    require_or_skip(samples_problem())
    return SHARED_KITH / "samples"


def openssl() -> str:
    found = shutil.which("openssl")
    require_or_skip(None if found else "the openssl command line is not installed (apt-get install openssl)")
    return found or "openssl"


def tcp_problem(url: str, default_port: int, what: str) -> str | None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        return f"no {what} at {host}:{port} ({exc})"
    return None


def postgres_problem(url: str) -> str | None:
    """None when PostgreSQL at ``url`` accepts a connection, else why not."""
    try:
        import psycopg

        parts = urlsplit(url)
        with psycopg.connect(dbname="postgres", user=parts.username or None, password=parts.password or None,
                             host=parts.hostname or None, port=parts.port or None, connect_timeout=5):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {url} is not reachable ({first})"
