"""Run the test suite on SQLite and then on PostgreSQL, each round spread over the machine's cores.

PostgreSQL comes from TEST_DATABASE_URL (default: the local socket, database "samhand"). Whether
a missing server skips that round (outside CI) or fails it (CI=true) is tests/needs.py's rule,
applied by tests/conftest.py like every other outside need. Extra arguments go to pytest.

Parallel (both rounds): pytest-xdist with one worker per core (SAMHAND_TEST_WORKERS overrides;
0 runs in this process), `--dist loadfile` so a module's expensive fixtures (two nodes on a broker, a browser)
are built once and tests that share the broker's party queues never run side by side.
Per worker: its own SQLite file (pid in the name) and PostgreSQL test database (_gwN suffix).
Each round has its own AMQP queue prefix, so a round never takes messages another left behind.
(Running the two rounds side by side was measured slower on two cores: they are CPU-bound.)
"""

from __future__ import annotations

import os
import subprocess
import sys

DEFAULT_PG = "postgres:///samhand"


def xdist_args(args: list[str]) -> list[str]:
    if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args):
        return []
    workers = os.environ.get("SAMHAND_TEST_WORKERS", "auto")
    return [] if workers == "0" else ["-n", workers, "--dist", "loadfile"]


def run(label: str, extra_env: dict, args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    env = {**os.environ, "SAMHAND_MODE": "test", **extra_env}
    return subprocess.call([sys.executable, "-m", "pytest", *xdist_args(args), *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    code = run("SQLite", {"DATABASE_URL": "sqlite:///var/test.sqlite3", "SAMHAND_AMQP_QUEUE_PREFIX": "test-sqlite."},
               args)
    pg_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    # The SQLite round already ran the pure-library tests; on PostgreSQL only what touches the database.
    pg_code = run("PostgreSQL", {"DATABASE_URL": pg_url, "SAMHAND_TEST_DB_ONLY": "1",
                                 "SAMHAND_AMQP_QUEUE_PREFIX": "test-pg."}, args)
    return code or pg_code


if __name__ == "__main__":
    sys.exit(main())
