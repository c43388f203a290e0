"""Run the test suite on SQLite and then on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local socket, database
"samhand"). Outside CI an unreachable server skips that round with a clear
reason; with CI=true it is an error, because the PostgreSQL tests must run.
Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys

DEFAULT_PG = "postgres:///samhand"


def postgres_reachable(url: str) -> str | None:
    """None when reachable, else the reason."""
    try:
        import psycopg
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        with psycopg.connect(dbname="postgres", user=parts.username or None, password=parts.password or None,
                             host=parts.hostname or None, port=parts.port or None, connect_timeout=5):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def run(label: str, extra_env: dict, args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    env = {**os.environ, "SAMHAND_MODE": "test", **extra_env}
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    ci = os.environ.get("CI", "").lower() == "true"
    code = run("SQLite", {"DATABASE_URL": "sqlite:///var/test.sqlite3"}, args)
    pg_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    reason = postgres_reachable(pg_url)
    if reason is not None:
        if ci:
            print(f"PostgreSQL at {pg_url} is not reachable in CI: {reason}", file=sys.stderr)
            return 1
        print(f"\n=== PostgreSQL round SKIPPED: {pg_url} not reachable ({reason}) ===")
        return code
    # The SQLite round already ran the pure-library tests; on PostgreSQL only what touches the database.
    pg_code = run("PostgreSQL", {"DATABASE_URL": pg_url, "SAMHAND_TEST_DB_ONLY": "1"}, args)
    return code or pg_code


if __name__ == "__main__":
    sys.exit(main())
