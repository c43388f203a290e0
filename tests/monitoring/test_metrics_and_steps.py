"""Prometheus /metrics (closed unless a token or an address is configured) and the worker steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samhand.directory.models import CommunicationParty
from samhand.monitoring import worker as monitoring_worker
from samhand.worker import STEPS

from monhelpers import answer, send
from personas import TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO


def test_metrics_are_closed_without_a_token_or_an_allowed_address(client, settings, db):
    settings.SAMHAND_METRICS_TOKEN = ""
    settings.SAMHAND_METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 403
    settings.SAMHAND_METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
    settings.SAMHAND_METRICS_TOKEN = ""
    settings.SAMHAND_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    settings.SAMHAND_METRICS_ALLOWED_IPS = ["10.0.0.0/8", "127.0.0.1"]
    assert client.get("/metrics").status_code == 200


def test_metrics_show_messages_latency_backlog_alerts_and_downtime(unn, tromso, client, settings, work):
    from samhand.monitoring.services import declare_downtime

    settings.SAMHAND_METRICS_TOKEN = "t"
    answered = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    rejected = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, answered)
    answer(tromso, TROMSO_NURSING, rejected, "2")
    now = timezone.now()
    declare_downtime(party=CommunicationParty.objects.get(her_id=TROMSO_CASE), planned=True, start=now,
                     expected_end=now + timedelta(hours=2), description="Oppgradering", by="ma")
    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE)
    work()
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert 'samhand_messages{msg_type="LOG_INNLAGT",state="acknowledged"} 1.0' in text
    assert 'samhand_messages{msg_type="LOG_INNLAGT",state="rejected"} 1.0' in text
    assert "samhand_apprec_latency_seconds_count 2.0" in text
    assert 'samhand_apprec_latency_seconds_bucket{le="+Inf"} 2.0' in text
    assert f'samhand_partner_backlog{{her_id="{TROMSO_CASE}",waiting_for="delivery"}} 1.0' in text
    assert f'samhand_partner_oldest_waiting_seconds{{her_id="{TROMSO_CASE}"}}' in text
    assert 'samhand_alerts_open{kind="rejected",severity="critical"} 1.0' in text
    assert f'samhand_downtime_in_force{{her_id="{TROMSO_CASE}"}} 1.0' in text


def test_every_monitoring_step_runs_in_the_worker():
    assert all(step in STEPS for step in monitoring_worker.STEPS)
    names = [name for name, _ in monitoring_worker.STEPS]
    assert {"receipt-watch", "alert-escalation", "alert-auto-resolve", "probes", "downtime", "suspected-down",
            "manual-deadlines", "monitoring-mail"} <= set(names)


def test_idle_steps_find_nothing_and_cost_little(seeded, django_assert_max_num_queries):
    for name, step in monitoring_worker.STEPS:
        with django_assert_max_num_queries(4):
            assert step("test-worker") == 0, name


def test_periodic_steps_look_only_now_and_then(seeded, settings, django_assert_max_num_queries):
    settings.SAMHAND_MONITOR_INTERVAL_SECONDS = 3600
    from samhand.monitoring import watch

    watch.receipt_watch_step("w")  # the first look
    with django_assert_max_num_queries(0):
        assert watch.receipt_watch_step("w") == 0


def test_a_busy_worker_polls_the_time_driven_steps_only_every_few_seconds(settings):
    from samhand.worker import POLLED, Worker

    settings.SAMHAND_WORKER_POLL_SECONDS = 3600
    calls: list[str] = []

    def step_for(name):
        def step(owner):
            calls.append(name)
            return 1  # busy: the loop turns again at once
        return step

    names = ["probes", "monitoring-mail", "dispatch"]
    assert {"probes", "monitoring-mail", "manual-reconciliation", "dialogue-urgent"} <= POLLED
    worker = Worker(name="test-poll", steps=[(n, step_for(n)) for n in names], idle_seconds=0)
    for _ in range(3):
        worker.run_once()
    # The message work runs every turn; the polled steps once, until their interval has passed.
    assert calls.count("dispatch") == 3
    assert calls.count("probes") == 1 and calls.count("monitoring-mail") == 1
    worker.next_run = {}
    worker.run_once()
    assert calls.count("probes") == 2


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_hands_the_feed_to_the_subscribers_at_its_own_pace(settings):
    from samhand.exchange import wakeup
    from samhand.lib.steps import Drained
    from samhand.worker import PACED, Worker

    assert "subscribers" in PACED
    settings.SAMHAND_SUBSCRIBERS_INTERVAL_SECONDS = 0.2
    calls: list[str] = []

    def step_for(name, found):
        def step(owner):
            calls.append(name)
            return found
        return step

    busy = Worker(name="test-paced", steps=[("dispatch", step_for("dispatch", 1)),
                                            ("subscribers", step_for("subscribers", Drained(0)))], idle_seconds=5)
    for _ in range(3):
        busy.run_once(paced=True)
    # Busy: the message work every turn, the subscribers once, and the worker knows it owes them.
    assert calls.count("dispatch") == 3 and calls.count("subscribers") == 1
    assert busy.owed_at is not None
    busy.run_once()  # unpaced (tests, the CLI): every step
    assert calls.count("subscribers") == 2
    # A backlog (the step says more is waiting: a plain count, not Drained) is not paced.
    backlog = Worker(name="test-backlog", steps=[("subscribers", step_for("subscribers", 500))], idle_seconds=5)
    calls.clear()
    for _ in range(3):
        backlog.run_once(paced=True)
    assert calls.count("subscribers") == 3
    calls.clear()
    try:
        # The subscribers are put off while the dispatch is busy; when it runs dry the worker does
        # not sleep its idle time (1 s) on what it put off: it comes back when they are due.
        dispatched = iter([1, 1])
        idle = Worker(name="test-paced-idle", idle_seconds=1,
                      steps=[("dispatch", lambda owner: (calls.append("dispatch"), next(dispatched, 0))[1]),
                             ("subscribers", step_for("subscribers", Drained(1)))])
        idle.run(max_seconds=0.5)
        assert calls.count("subscribers") == 2, calls  # at once, and again ~0.2 s later (not after 1 s)
        calls.clear()
        # A dispatch that took all there was (Drained) does not make the worker turn again at once
        # to find nothing: it waits for a wake-up (here the idle time, 0.2 s).
        drained = Worker(name="test-drained", steps=[("dispatch", step_for("dispatch", Drained(1)))],
                         idle_seconds=0.2)
        drained.run(max_seconds=0.7)
        assert 3 <= calls.count("dispatch") <= 5, len(calls)
    finally:
        wakeup.stop_listener()  # its connection would keep the test database from being dropped
