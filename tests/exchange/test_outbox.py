"""The event outbox: subscribers read the feed once, in order, in batches, and never skip an event."""

from __future__ import annotations


import pytest
from django.db import connection, transaction

from samhand.exchange import outbox
from samhand.exchange.models import Event, FailedEvent, SubscriberCursor

from concurrency import open_elsewhere


@pytest.fixture
def recorder():
    """A subscriber of the test's own, removed afterwards."""
    registered = []

    def make(name, kinds=None, batch=200, fail_on=()):
        seen: list[tuple[int, str]] = []

        @outbox.subscriber(name, kinds=kinds, batch=batch)
        def handle(events):
            for event in events:
                if event.data.get("n") in fail_on:
                    raise ValueError(f"cannot handle {event.data['n']}")
            seen.extend((e.pk, e.kind) for e in events)

        registered.append(name)
        return seen

    yield make
    for name in registered:
        outbox._REGISTRY.pop(name, None)


@pytest.mark.django_db
def test_each_event_reaches_a_subscriber_once_and_in_order(recorder):
    seen = recorder("test.all", batch=2)
    published = [outbox.publish("probe", data={"n": n}).pk for n in range(5)]
    assert outbox.drain("test.all") == 5
    assert [pk for pk, _ in seen] == published
    outbox.publish("probe", data={"n": 5})
    assert outbox.drain("test.all") == 1
    assert outbox.drain("test.all") == 0
    assert len(seen) == 6


@pytest.mark.django_db
def test_a_subscriber_sees_only_its_kinds_and_its_cursor_moves_past_the_rest(recorder):
    seen = recorder("test.kinds", kinds={"wanted"})
    outbox.publish("other")
    wanted = outbox.publish("wanted").pk
    last = outbox.publish("other").pk
    assert outbox.drain("test.kinds") == 1
    assert seen == [(wanted, "wanted")]
    cursor = SubscriberCursor.objects.get(name="test.kinds")
    assert cursor.event_id == last  # the next read starts at the head, not at the skipped kinds


@pytest.mark.django_db
def test_an_event_that_fails_is_recorded_and_skipped_and_the_rest_are_handled(recorder):
    seen = recorder("test.failing", fail_on=(2,))
    events = [outbox.publish("probe", data={"n": n}) for n in range(4)]
    assert outbox.drain("test.failing") == 4
    assert [pk for pk, _ in seen] == [events[0].pk, events[1].pk, events[3].pk]
    failed = FailedEvent.objects.get()
    assert failed.subscriber == "test.failing" and failed.event_id == events[2].pk
    assert "cannot handle 2" in failed.error


@pytest.mark.django_db
def test_the_cursor_moves_with_the_handlers_writes(recorder):
    """Handler writes and the cursor commit together: a crash between them loses nothing."""

    @outbox.subscriber("test.writer")
    def writer(events):
        for event in events:
            outbox.publish("echo", data={"of": event.pk})

    try:
        source = outbox.publish("source")
        outbox.run_one(outbox._REGISTRY["test.writer"])
        assert Event.objects.filter(kind="echo", data__of=source.pk).count() == 1
        cursor = SubscriberCursor.objects.get(name="test.writer")
        assert cursor.event_id >= source.pk
    finally:
        outbox._REGISTRY.pop("test.writer", None)


def test_two_subscribers_cannot_share_a_name():
    @outbox.subscriber("test.dup")
    def first(events):
        pass

    try:
        with pytest.raises(RuntimeError):
            @outbox.subscriber("test.dup")
            def second(events):
                pass
    finally:
        outbox._REGISTRY.pop("test.dup", None)


def test_the_exchange_feeds_the_rooms_above_it():
    names = {sub.name for sub in outbox.subscribers()}
    assert {"chains.tracking", "monitoring.manual"} <= names


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_commits_late_with_a_lower_id_is_not_skipped(recorder):
    """PostgreSQL: ids are taken before commit, so id order is not commit order. The feed waits
    for the older transaction instead of moving its cursor past the event it has not committed yet."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: ids are assigned in commit order there")
    seen = recorder("test.late")
    with open_elsewhere(lambda: outbox.publish("probe", data={"n": "early"}).pk) as early:
        late = outbox.publish("probe", data={"n": "late"}).pk
        assert late > early[0]
        outbox.drain("test.late")
        assert seen == []  # the late event is committed, but an older transaction is still open
    outbox.drain("test.late")
    assert [pk for pk, _ in seen] == [early[0], late]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_on_another_database_does_not_hold_the_feed_back(recorder):
    """The horizon is the node's database's: a long transaction of another node (or a report) on
    the same server, with an older transaction id, does not stop this node's subscribers."""
    if connection.vendor != "postgresql":
        pytest.skip("the horizon is a PostgreSQL matter")
    import psycopg

    seen = recorder("test.other-db")
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as other:
        with other.cursor() as cur:
            cur.execute("SELECT txid_current()")  # an older xid, held open on the other database
            (other_xid,) = cur.fetchone()
        pk = outbox.publish("probe", data={"n": "1"}).pk
        assert Event.objects.get(pk=pk).txid > other_xid
        outbox.drain("test.other-db")
        assert [p for p, _ in seen] == [pk]


@pytest.mark.parametrize(("xmax", "running", "horizon"), [
    (1000, [], 1000),
    (1000, [990, 995], 990),
    (1000, [1005], 1000),  # assigned after the snapshot: not below it
    ((7 << 32) + 10, [0xFFFFFFF0], (6 << 32) + 0xFFFFFFF0),  # started before the epoch wrapped
    ((7 << 32) + 10, [5], (7 << 32) + 5),
])
def test_the_horizon_places_32_bit_xids_in_the_right_epoch(xmax, running, horizon):
    assert outbox.horizon_of(xmax, running) == horizon


@pytest.mark.django_db(transaction=True)  # as in a worker: each step is a transaction of its own
def test_an_idle_step_costs_one_statement_and_a_new_event_wakes_who_is_behind(recorder,
                                                                              django_assert_max_num_queries):
    seen = recorder("test.idle")
    outbox.publish("probe", data={"n": "1"})
    outbox.drain()  # every subscriber caught up
    outbox.subscribers_step()  # a step that finds nothing: the next one checks who is behind first
    sub = outbox._REGISTRY["test.idle"]
    assert outbox.behind(outbox.subscribers()) == []
    with django_assert_max_num_queries(1):
        assert outbox.subscribers_step() == 0
    outbox.publish("probe", data={"n": "2"})
    assert sub in outbox.behind(outbox.subscribers())
    assert outbox.subscribers_step() >= 1
    assert [e for _, e in seen] == ["probe", "probe"]
    assert outbox.behind(outbox.subscribers()) == []


@pytest.mark.django_db
def test_collected_events_are_inserted_together_and_a_failed_item_takes_its_own_away(recorder):
    seen = recorder("test.collected")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, transaction.atomic(), outbox.collected():
        outbox.publish("probe", data={"n": 0})
        with outbox.item():
            outbox.publish("probe", data={"n": 1})
        with pytest.raises(ValueError), outbox.item():
            outbox.publish("probe", data={"n": 2})
            raise ValueError("this item fails")
        outbox.publish("probe", data={"n": 3})
        assert Event.objects.filter(kind="probe").count() == 0  # nothing written before the block ends
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "exchange_event"')]
    assert len(inserts) == 1
    assert outbox.drain("test.collected") == 3
    assert [Event.objects.get(pk=pk).data["n"] for pk, _ in seen] == [0, 1, 3]


@pytest.mark.django_db
def test_collected_events_are_lost_with_their_transaction(recorder):
    with pytest.raises(RuntimeError), transaction.atomic(), outbox.collected():
        outbox.publish("probe", data={"n": 0})
        raise RuntimeError("the batch fails")
    assert not Event.objects.filter(kind="probe").exists()
    outbox.publish("probe", data={"n": 1})  # outside a block: written at once again
    assert Event.objects.filter(kind="probe").count() == 1


@pytest.mark.django_db
def test_all_subscribers_of_a_step_share_one_read_and_one_cursor_update(recorder):
    from django.test.utils import CaptureQueriesContext

    first, second = recorder("test.share-a", kinds={"a"}), recorder("test.share-b", kinds={"b"})
    outbox.drain()
    published = [outbox.publish(kind).pk for kind in ("a", "b", "a", "c")]
    chosen = [outbox._REGISTRY["test.share-a"], outbox._REGISTRY["test.share-b"]]
    with CaptureQueriesContext(connection) as queries:
        assert outbox.run_many(chosen) == 3
    statements = [q["sql"] for q in queries.captured_queries]
    assert len([s for s in statements if s.startswith('SELECT "exchange_event"."id"')]) == 1  # the feed
    assert len([s for s in statements if s.startswith('UPDATE "exchange_subscribercursor"')]) == 1
    assert [pk for pk, _ in first] == [published[0], published[2]] and [pk for pk, _ in second] == [published[1]]
    # Both cursors are at the head, past the kind neither wants.
    assert set(SubscriberCursor.objects.filter(name__in=["test.share-a", "test.share-b"])
               .values_list("event_id", flat=True)) == {published[3]}


@pytest.mark.django_db
def test_a_subscriber_takes_its_own_batch_from_a_longer_window_and_drain_reads_past_the_window(recorder,
                                                                                               monkeypatch):
    monkeypatch.setattr(outbox, "WINDOW", 4)
    small = recorder("test.small", batch=2)
    rare = recorder("test.rare", kinds={"rare"})
    outbox.drain()
    noise = [outbox.publish("noise").pk for _ in range(6)]
    wanted = outbox.publish("rare").pk  # beyond the first window of 4
    assert outbox.run_many([outbox._REGISTRY["test.small"]]) == 2
    assert [pk for pk, _ in small] == noise[:2]
    outbox.drain()
    assert [pk for pk, _ in small] == [*noise, wanted]
    assert [pk for pk, _ in rare] == [wanted]


@pytest.mark.django_db
def test_after_a_busy_step_the_next_goes_straight_to_the_feed(recorder):
    from django.test.utils import CaptureQueriesContext

    seen = recorder("test.busy")
    outbox._was_busy.value = False  # whatever an earlier test left
    outbox.publish("probe", data={"n": "1"})
    assert outbox.subscribers_step() >= 1  # busy
    outbox.publish("probe", data={"n": "2"})
    with CaptureQueriesContext(connection) as queries:
        assert outbox.subscribers_step() >= 1
    statements = [q["sql"] for q in queries.captured_queries]
    # No separate "who is behind" query (it joins the cursors with the head of the feed) …
    assert not [s for s in statements if "head_txid" in s]
    if connection.vendor == "postgresql":
        # … one statement locks the cursors that are behind and takes the horizon (the test's own
        # transaction needs the backend-status copy cleared first; a worker's step does not) …
        assert len([s for s in statements if "FOR UPDATE OF c SKIP LOCKED" in s]) == 1
        assert not [s for s in statements if "txid_current_snapshot" in s and "FOR UPDATE" not in s]
    # … and one reads the feed.
    assert len([s for s in statements if s.startswith('SELECT "exchange_event"."id"')]) == 1
    assert [e for _, e in seen] == ["probe", "probe"]
    assert outbox.subscribers_step() == 0  # caught up: the step after checks again
    outbox._was_busy.value = True  # during a busy spell a new subscriber appears (a deploy)
    recorder("test.newcomer")
    outbox.publish("probe", data={"n": "3"})
    assert outbox.subscribers_step() >= 1  # its cursor is created in the step, and it is handed the event
    assert SubscriberCursor.objects.filter(name="test.newcomer").exists()
    outbox.drain()
    assert outbox.subscribers_step() == 0
    with CaptureQueriesContext(connection) as queries:
        assert outbox.subscribers_step() == 0
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_held_back_updates_ride_in_the_block_s_statement_and_never_lose_a_write():
    from django.test.utils import CaptureQueriesContext

    a, b = SubscriberCursor.objects.create(name="test.upd-a"), SubscriberCursor.objects.create(name="test.upd-b")
    postgres = connection.vendor == "postgresql"
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), outbox.collected():
        a.txid, b.txid = 5, 6
        outbox.update_rows([a, b], ["txid"])
        outbox.publish("probe")
        if postgres:  # held back until the block ends
            assert SubscriberCursor.objects.get(name="test.upd-a").txid == 0
    statements = [q["sql"] for q in queries.captured_queries]
    if postgres:
        assert len([s for s in statements if s.startswith("WITH r0 AS (UPDATE")]) == 1
        assert not [s for s in statements if s.startswith("UPDATE")]
    assert dict(SubscriberCursor.objects.filter(name__startswith="test.upd-").values_list("name", "txid")) == {
        "test.upd-a": 5, "test.upd-b": 6}
    # A row this block inserts, then updates; a row updated twice: each write lands, in order
    # (one statement could change a row only once, and would not see a row it inserts).
    with transaction.atomic(), outbox.collected():
        c = SubscriberCursor(name="test.upd-c", txid=1)
        outbox.insert_rows([c])
        c.txid = 7
        outbox.update_rows([c], ["txid"])
        a.txid = 8
        outbox.update_rows([a], ["txid"])
        a.txid, a.event_id = 9, 3
        outbox.update_rows([a], ["txid", "event_id"])
    assert SubscriberCursor.objects.get(name="test.upd-c").txid == 7
    assert SubscriberCursor.objects.filter(name="test.upd-a", txid=9, event_id=3).exists()
