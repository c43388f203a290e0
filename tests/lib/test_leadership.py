"""One active worker per node (lib.leadership): the lock, its loss, the takeover, and what a
standby worker does and does not do."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from samhand.lib.leadership import Leadership, lock_key
from samhand.lib.steps import Drained


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; on SQLite every worker is active (see the test below)")


def test_every_worker_is_active_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite case")
    assert Leadership("worker").held() is True


def test_the_lock_key_is_stable_and_named():
    assert lock_key("worker") == lock_key("worker") != lock_key("other")
    assert -(2 ** 63) <= lock_key("worker") < 2 ** 63


@pytest.mark.django_db(transaction=True)
def test_one_holds_the_lock_and_the_other_takes_over_when_its_session_ends():
    _postgres_only()
    # The first would try again only after 30 s, so the takeover below is the second's.
    first, second = Leadership("test-lead", retry_seconds=30), Leadership("test-lead", retry_seconds=0.1)
    third = Leadership("test-lead", retry_seconds=0)
    try:
        assert first.held() is True
        assert second.held() is False
        assert first.held() is True  # still held: no statement, no change
        # Between tries the standby does not ask the database again.
        assert second.held() is False
        # The active worker's session ends (a killed process, a restarted connection).
        with connection.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", [first._conn.info.backend_pid])
        deadline = time.monotonic() + 5
        while first.held() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.held() is False  # it noticed without a statement of its own
        deadline = time.monotonic() + 5
        while not second.held() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.held() is True
        assert first.held() is False  # the old one now stands by
        assert third.held() is False
        second.release()
        assert third.held() is True  # the lock is free again when its holder lets go
    finally:
        first.release()
        second.release()
        third.release()


@pytest.mark.django_db(transaction=True)
def test_a_standby_worker_looks_for_deliveries_on_its_poll_timer_and_keeps_going_on_a_backlog(settings):
    _postgres_only()
    from samhand.exchange import wakeup
    from samhand.worker import Worker

    settings.SAMHAND_WORKER_POLL_SECONDS = 0.4
    settings.SAMHAND_SUBSCRIBERS_INTERVAL_SECONDS = 0.05
    active = Leadership("worker")
    assert active.held()  # another worker of this node is the active one
    calls: list[str] = []
    try:
        standby = Worker(name="test-standby", idle_seconds=0.05,
                         steps=[("dispatch", lambda owner: (calls.append("dispatch"), Drained(0))[1])])
        standby.run(max_seconds=1.0)
        assert standby.active is False
        # Not every idle turn (about 20 in a second) but on the poll timer: at once, 0.4 s, 0.8 s.
        assert 2 <= calls.count("dispatch") <= 4, calls
        calls.clear()
        # A full batch (a backlog): the standby helps, every turn, until the claim comes back short.
        results = iter([5, 5, 5, Drained(2)])
        helper = Worker(name="test-standby-backlog", idle_seconds=0.05,
                        steps=[("dispatch", lambda owner: (calls.append("dispatch"), next(results, Drained(0)))[1])])
        helper.run(max_seconds=0.3)
        assert calls.count("dispatch") == 4, calls  # the three full batches and the short one, then it waits
        calls.clear()
        # When the active worker goes, a standby becomes active and wakes on queued work.
        active.release()
        taker = Worker(name="test-taker", idle_seconds=0.05,
                       steps=[("dispatch", lambda owner: (calls.append("dispatch"), Drained(0))[1])])
        taker.run(max_seconds=1.0)
        assert taker.active is True
        assert calls.count("dispatch") >= 10, calls  # every idle turn, as an active worker does
    finally:
        active.release()
        wakeup.stop_listener()
