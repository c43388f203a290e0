"""`samhand worker`: a loop over small steps, each doing one batch of work.

Steps return how much work they found, so a test can call one step directly
and the loop sleeps only when every step came back empty. SIGTERM/SIGINT ask
the loop to stop after the item in hand; nothing is left half-done because
every item is processed in its own transaction.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from samhand.chains.worker import deadline_step
from samhand.directory.expiry import expiry_warning_step
from samhand.exchange.deliver import dispatch_step
from samhand.exchange.outbox import subscribers_step
from samhand.monitoring.worker import STEPS as MONITORING_STEPS
from samhand.transports import network

log = logging.getLogger("samhand.worker")

Step = Callable[[str], int]

STEPS: list[tuple[str, Step]] = [
    ("dispatch", dispatch_step),
    ("amqp-receive", network.receive_step),  # every hosted party's _async and _error queue at once
    # Secondary work (chain tracking, the manual-routine ledger, deviations …) from the event feed.
    ("subscribers", subscribers_step),
    ("certificate-expiry", expiry_warning_step),
    ("chain-deadlines", deadline_step),
    *MONITORING_STEPS,
]

# Periodic steps run on their own timers, not on every turn of the loop: deadlines are minutes
# and days, and a busy worker should spend its turns on messages. (Monitoring's rules gate
# themselves with SAMHAND_MONITOR_INTERVAL_SECONDS.)
EVERY: dict[str, float] = {"certificate-expiry": 3600.0, "chain-deadlines": 30.0}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


class Worker:
    def __init__(self, *, name: str | None = None, steps: list[tuple[str, Step]] | None = None,
                 idle_seconds: float | None = None):
        self.name = name or worker_name()
        self.steps = steps or STEPS
        self.idle_seconds = settings.SAMHAND_WORKER_IDLE_SECONDS if idle_seconds is None else idle_seconds
        self.stopping = threading.Event()
        self.next_run: dict[str, float] = {}  # timed steps: not before this (monotonic); all due at start

    def install_signal_handlers(self) -> None:
        def request_stop(signum, _frame):
            log.info("worker %s: signal %s, finishing the current item", self.name, signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

    def run_once(self) -> int:
        found = 0
        for step_name, step in self.steps:
            if self.stopping.is_set():
                break
            every = EVERY.get(step_name)
            if every is not None:
                now = time.monotonic()
                if now < self.next_run.get(step_name, 0.0):
                    continue
                self.next_run[step_name] = now + every
            try:
                found += step(self.name)
            except Exception:  # noqa: BLE001 - one failing step must not stop the others
                log.exception("worker %s: step %s failed", self.name, step_name)
                close_old_connections()
        return found

    def run(self, *, max_seconds: float | None = None) -> None:
        deadline = time.monotonic() + max_seconds if max_seconds else None
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            if deadline and time.monotonic() > deadline:
                break
            if self.run_once() == 0:
                self.stopping.wait(self.idle_seconds)
        log.info("worker %s stopped", self.name)
