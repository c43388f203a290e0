"""The node's processes as the benchmark starts them: each counts the SQL statements it sends.

Neither PostgreSQL (no pg_stat_statements on this machine) nor SQLite counts statements per
database for us, so each web and worker process wraps Django's cursor execution and keeps its
count in a small shared-memory file ``$SAMHAND_BENCH_SQL_DIR/<kind>-<pid>.count`` (8 bytes), which
the benchmark reads while the run goes on. ``executemany`` counts as one statement per parameter
set (what the database executes). Nothing here is loaded outside a benchmark.

- web: ``gunicorn samhand.bench.counted:application``
- worker: ``python -m samhand.bench.counted worker`` (any `samhand` command)

With ``SAMHAND_BENCH_SQL_PROFILE`` set (``samhand bench --sql-profile``) each process also counts
its statements by shape (the SQL with its literals and placeholder lists folded) and writes them
to ``<kind>-<pid>.shapes.json`` at most once a second, for the benchmark's statement profile.
"""

from __future__ import annotations

import atexit
import json
import mmap
import os
import re
import struct
import sys
import threading
import time
from collections import Counter
from pathlib import Path

_lock = threading.Lock()
_slot: mmap.mmap | None = None
_count = 0
_shapes: Counter | None = None
_shapes_path: Path | None = None
_shapes_written = 0.0
_FOLD = [(re.compile(r'(?:"\w+"\."\w+"(?: AS "\w+")?, )+"\w+"\."\w+"(?: AS "\w+")?'), "…"),  # column lists
         (re.compile(r"'(?:[^']|'')*'"), "'…'"), (re.compile(r"\b\d+\b"), "N"),
         (re.compile(r"%s(?:\s*,\s*%s)+"), "%s…"), (re.compile(r"\(%s…\)(?:\s*,\s*\(%s…\))+"), "(%s…)…"),
         (re.compile(r"\s+"), " ")]


def shape_of(sql: str) -> str:
    """A statement's shape: literals, numbers and placeholder lists folded, whitespace collapsed."""
    for pattern, replacement in _FOLD:
        sql = pattern.sub(replacement, sql)
    return sql.strip()[:240]


def _note_shape(sql: str, n: int) -> None:
    _shapes[shape_of(sql)] += n
    if time.monotonic() - _shapes_written >= 1.0:
        _write_shapes()


def _write_shapes() -> None:
    global _shapes_written
    _shapes_written = time.monotonic()
    tmp = _shapes_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(_shapes)))
    tmp.replace(_shapes_path)


def _open_slot(kind: str) -> None:
    global _slot
    directory = os.environ.get("SAMHAND_BENCH_SQL_DIR")
    if not directory:
        return
    path = Path(directory) / f"{kind}-{os.getpid()}.count"
    with open(path, "wb") as f:
        f.write(b"\0" * 8)
    with open(path, "r+b") as f:
        _slot = mmap.mmap(f.fileno(), 8)
    if os.environ.get("SAMHAND_BENCH_SQL_PROFILE"):
        global _shapes, _shapes_path
        _shapes, _shapes_path = Counter(), Path(directory) / f"{kind}-{os.getpid()}.shapes.json"
        atexit.register(lambda: _write_shapes() if _shapes else None)  # the last second's statements


def _counter(execute, sql, params, many, context):
    global _count
    n = len(params) if many and params is not None and hasattr(params, "__len__") else 1
    with _lock:
        _count += n
        if _slot is not None:
            struct.pack_into("<q", _slot, 0, _count)
        if _shapes is not None:
            _note_shape(sql, n)
    return execute(sql, params, many, context)


_installed_in: int | None = None


def install(kind: str) -> None:
    """Count every statement of every connection this process opens from now on."""
    global _installed_in
    if _installed_in == os.getpid():
        return
    _installed_in = os.getpid()
    from django.db.backends.signals import connection_created

    _open_slot(kind)

    def wrap(sender, connection, **kwargs):
        if _counter not in connection.execute_wrappers:
            connection.execute_wrappers.append(_counter)

    connection_created.connect(wrap, weak=False, dispatch_uid="samhand-bench-sql-count")


def read_shapes(directory: Path) -> dict[str, dict[str, int]]:
    """Statements by shape so far (as last written, at most a second old), by process kind."""
    totals: dict[str, Counter] = {}
    for path in Path(directory).glob("*.shapes.json"):
        try:
            shapes = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        totals.setdefault(path.name.split("-", 1)[0], Counter()).update(shapes)
    return {kind: dict(c) for kind, c in totals.items()}


def read_counts(directory: Path) -> dict[str, int]:
    """Statements so far, summed by process kind (web, worker), over every slot file."""
    totals: dict[str, int] = {}
    for path in Path(directory).glob("*.count"):
        try:
            value = struct.unpack("<q", path.read_bytes()[:8])[0]
        except (OSError, struct.error):
            continue
        kind = path.name.split("-", 1)[0]
        totals[kind] = totals.get(kind, 0) + value
    return totals


def __getattr__(name):
    # gunicorn imports ``application`` in each of its worker processes (after the fork), so every
    # web process gets a slot of its own.
    if name == "application":
        install("web")
        from samhand.wsgi import application

        return application
    raise AttributeError(name)


if __name__ == "__main__":
    install("worker")
    from samhand.cli import main

    main(sys.argv[1:])
