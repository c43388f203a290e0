"""Workers as separate processes against the test database: no duplicates, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from samhand.exchange.models import Delivery, Event

from msgfactory import readdress
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = f"{settings['USER']}:{settings['PASSWORD']}@" if settings["USER"] else ""
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{auth}{settings['HOST']}{port}/{settings['NAME']}"


def start_worker(*extra: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "SAMHAND_MODE": "test",
           "SAMHAND_WORKER_BATCH": "5", "SAMHAND_WORKER_IDLE_SECONDS": "0.1",
           "DJANGO_SETTINGS_MODULE": "samhand.settings_test"}
    return subprocess.Popen([sys.executable, "-m", "samhand.cli", "worker", *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_every_message_exactly_once(unn):
    receivers = [TROMSO_NURSING, TROMSO_CASE, BALSFJORD_NURSING]
    for i in range(60):
        response = unn.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=receivers[i % 3]))
        assert response.status_code == 202
    workers = [start_worker(), start_worker()]
    try:
        wait_until(lambda: not Delivery.objects.exclude(state=Delivery.State.DELIVERED).exists())
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=30)[0].decode() for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert Delivery.objects.filter(state=Delivery.State.DELIVERED).count() == 60
    delivered_events = Event.objects.filter(kind="delivered")
    assert delivered_events.count() == 60
    assert delivered_events.values("delivery_id").distinct().count() == 60


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_an_idle_worker_promptly(seeded):
    worker = start_worker()
    # Wait for the loop to run (its signal handlers are installed by then), however slow start-up is.
    seen = []
    while not any("started" in line for line in seen):
        line = worker.stdout.readline().decode()
        assert line, "worker exited before starting: " + "".join(seen)
        seen.append(line)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    output = "".join(seen) + worker.communicate(timeout=20)[0].decode()
    assert worker.returncode == 0, output
    assert time.monotonic() - started < 10
    assert "stopped" in output
