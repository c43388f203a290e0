"""Tests that need a second connection: a transaction kept open in another thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def open_elsewhere(work: Callable[[], object]) -> Iterator[list]:
    """Run ``work`` in another thread, inside a transaction that stays open (uncommitted) until
    the ``with`` block ends; then it commits. Yields a list that holds ``work``'s result once it
    has run (the block starts only then)."""
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    result: list = []

    def run():
        try:
            with transaction.atomic():
                result.append(work())
                started.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10), "the other transaction did not start"
    try:
        yield result
    finally:
        release.set()
        assert done.wait(10)
        thread.join()
