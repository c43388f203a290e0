"""Wake-ups: a notify wakes waiters once its transaction commits, never before and never on rollback.

Runs on SQLite (in-process signal) and on PostgreSQL (LISTEN/NOTIFY through the per-process
listener connection); the cross-process test needs PostgreSQL.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from samhand.exchange import wakeup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True, scope="module")
def _drop_listener():
    yield
    wakeup.stop_listener()  # its connection would keep the test database from being dropped


class Waiter(threading.Thread):
    def __init__(self, channels, timeout=5.0, since=None):
        super().__init__(daemon=True)
        self.channels, self.timeout, self.since = channels, timeout, since
        self.result = None
        self.woke_after = None

    def run(self):
        started = time.monotonic()
        self.result = wakeup.wait(self.channels, self.timeout, since=self.since)
        self.woke_after = time.monotonic() - started


def _ready():
    # The PostgreSQL listener must be LISTENing before the notify is sent (cursor() ensures that).
    return wakeup.cursor(["inbox", "dispatch"])


def test_notify_wakes_a_waiter_only_after_commit():
    _ready()
    waiter = Waiter(["inbox"])
    waiter.start()
    with transaction.atomic():
        wakeup.notify("inbox", "8100101")
        time.sleep(0.3)
        assert waiter.is_alive(), "woken before the writing transaction committed"
    waiter.join(5)
    assert waiter.result is True and waiter.woke_after < 2.0


def test_rolled_back_notify_wakes_nobody():
    _ready()
    waiter = Waiter(["inbox"], timeout=0.8)
    waiter.start()
    with pytest.raises(RuntimeError), transaction.atomic():
        wakeup.notify("inbox", "8100101")
        raise RuntimeError("rollback")
    waiter.join(5)
    assert waiter.result is False


def test_payload_narrows_the_channel():
    _ready()
    mine, other, everyone = Waiter(["inbox:8200101"], timeout=0.8), Waiter(["inbox:8200201"], timeout=0.8), \
        Waiter(["inbox"], timeout=5)
    for w in (mine, other, everyone):
        w.start()
    time.sleep(0.1)
    with transaction.atomic():
        wakeup.notify("inbox", "8200101")
    for w in (mine, other, everyone):
        w.join(5)
    assert mine.result is True and everyone.result is True
    assert other.result is False
    assert wakeup.wait(["dispatch"], 0.2) is False  # another channel stays quiet


def test_a_notify_between_looking_and_waiting_is_not_lost():
    mark = wakeup.cursor(["dispatch"])
    with transaction.atomic():
        wakeup.notify("dispatch")
    deadline = time.monotonic() + 5
    # PostgreSQL delivers asynchronously through the listener; SQLite at once.
    assert wakeup.wait(["dispatch"], 5.0, since=mark) is True
    assert time.monotonic() < deadline


def test_bad_channel_names_are_refused():
    with pytest.raises(ValueError):
        wakeup.notify("inbox; DROP TABLE x")
    with pytest.raises(ValueError):
        wakeup.wait(["Inbox"], 0.01)


def test_another_process_wakes_this_one_on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite wakes within one process only")
    import psycopg

    _ready()
    waiter = Waiter(["inbox:8300101"])
    waiter.start()
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    with psycopg.connect(**params, autocommit=True) as other:  # stands in for a worker process
        other.execute("SELECT pg_notify('inbox', '8300101')")
    waiter.join(5)
    assert waiter.result is True and waiter.woke_after < 2.0
    assert wakeup.cross_process() is True


def test_idle_wait_costs_no_queries(django_assert_max_num_queries):
    _ready()
    with django_assert_max_num_queries(0):
        assert wakeup.wait(["dispatch"], 0.3) is False


def test_deferred_notifications_go_once_each_when_the_block_ends():
    from django.test.utils import CaptureQueriesContext

    _ready()
    waiter = Waiter(["inbox:8100101"])
    waiter.start()
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), wakeup.deferred():
        for _ in range(3):
            wakeup.notify("inbox", "8100101")
        wakeup.notify("dispatch")
        sent_inside = [q for q in queries.captured_queries if "pg_notify" in q["sql"]]
        assert sent_inside == []  # held until the block ends
    waiter.join(5)
    assert waiter.result is True
    notifies = [q["sql"] for q in queries.captured_queries if "pg_notify" in q["sql"]]
    if connection.vendor == "postgresql":
        # One statement for the distinct pairs (inbox 8100101, dispatch), not one per call.
        assert len(notifies) == 1 and notifies[0].count("pg_notify") == 2
    else:
        assert notifies == []  # SQLite: the in-process signal at commit
