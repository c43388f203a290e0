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
from samhand.deviations.worker import STEPS as DEVIATION_STEPS
from samhand.dialogue.worker import STEPS as DIALOGUE_STEPS
from samhand.directory.expiry import expiry_warning_step
from samhand.exchange.deliver import dispatch_step
from samhand.exchange import wakeup
from samhand.exchange.outbox import subscribers_step
from samhand.lib.leadership import Leadership
from samhand.lib.steps import Drained, wants_another_turn
from samhand.monitoring.worker import STEPS as MONITORING_STEPS
from samhand.transports import network
from samhand.video.use import note_reminder_step

log = logging.getLogger("samhand.worker")

Step = Callable[[str], int]

WAKE_ON = ["dispatch"]  # exchange.wakeup channel: a delivery was queued (submit, AppRec)
RECEIVE = "amqp-receive"
RECEIVE_WAIT = 1.0  # the receiving thread's longest wait before it looks at `stopping` again

STEPS: list[tuple[str, Step]] = [
    ("dispatch", dispatch_step),
    (RECEIVE, network.receive_step),  # every hosted party's _async and _error queue at once
    # Secondary work (chain tracking, the manual-routine ledger, deviations …) from the event feed.
    ("subscribers", subscribers_step),
    ("certificate-expiry", expiry_warning_step),
    ("chain-deadlines", deadline_step),
    *MONITORING_STEPS,
    ("video-note-reminders", note_reminder_step),
    *DEVIATION_STEPS,
    *DIALOGUE_STEPS,
]

# Periodic steps run on their own timers, not on every turn of the loop: deadlines are minutes
# and days, and a busy worker should spend its turns on messages. (Monitoring's rules gate
# themselves with SAMHAND_MONITOR_INTERVAL_SECONDS.)
EVERY: dict[str, float] = {"certificate-expiry": 3600.0, "chain-deadlines": 30.0,
                           # answer deadlines are weeks, notes after a meeting hours: no hurry
                           "deviation-deadlines": 60.0, "video-note-reminders": 60.0}
# Steps that look for work by time (probes due, mail to retry, urgent dialogue past its answer
# time, misdirected messages past retention, manual handling delivered after all): each is a
# query or two even when there is nothing, so a busy worker looks every
# SAMHAND_WORKER_POLL_SECONDS, not on every turn. (On a busy node a turn is a few milliseconds.)
POLLED = frozenset({"probes", "monitoring-mail", "manual-reconciliation", "dialogue-urgent",
                    "misdirected-retention"})
# Steps a running worker paces (``run``; ``run_once`` alone runs every step, for tests and the
# CLI): the subscribers' secondary work runs at most every SAMHAND_SUBSCRIBERS_INTERVAL_SECONDS,
# so on a busy node each of their transactions takes the events of many messages (their cost per
# step hardly depends on how many) instead of a few after every batch; an idle worker wakes for
# what it put off. A step that left work behind (a full window: the backlog after a downtime)
# runs every turn until it has caught up. None of it is on a message's way to its receiver or
# its AppRec's way back.
PACED = ("subscribers",)
# A standby worker (lib.leadership: another worker of the node is the active one) neither wakes
# on queued deliveries nor receives from the broker; it looks for due deliveries and hands the
# feed to the subscribers every SAMHAND_WORKER_POLL_SECONDS, and every turn while it finds full
# batches (a backlog is shared), and it takes over when the active worker goes.
STANDBY_PACED = ("dispatch", "subscribers")


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
        self.owed_at: float | None = None  # a paced step was put off until then (monotonic)
        self.last: dict[str, int] = {}  # each step's last result
        self.results: list[int] = []  # this turn's results
        self.leadership = Leadership("worker")
        self.active = True  # run(): whether this worker holds the node's worker lock

    def install_signal_handlers(self) -> None:
        def request_stop(signum, _frame):
            log.info("worker %s: signal %s, finishing the current item", self.name, signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

    def run_once(self, *, paced: bool = False) -> int:
        found = 0
        self.results = []
        for step_name, step in self.steps:
            if self.stopping.is_set():
                break
            every = settings.SAMHAND_WORKER_POLL_SECONDS if step_name in POLLED else EVERY.get(step_name)
            pace = self._pace(step_name) if paced else None
            if pace:
                # Paced while it keeps up; a step that left work behind (a backlog) runs every turn.
                if isinstance(self.last.get(step_name), Drained):
                    every = pace
                else:
                    self.next_run[step_name] = time.monotonic() + pace
            if every:
                now = time.monotonic()
                due = self.next_run.get(step_name, 0.0)
                if now < due:
                    if pace:
                        self.owed_at = due if self.owed_at is None else min(self.owed_at, due)
                    continue
                self.next_run[step_name] = now + every
            try:
                result = step(self.name)
                self.results.append(result)
                self.last[step_name] = result
                found += result
            except Exception:  # noqa: BLE001 - one failing step must not stop the others
                log.exception("worker %s: step %s failed", self.name, step_name)
                close_old_connections()
        return found

    def _pace(self, step_name: str) -> float | None:
        if not self.active and step_name in STANDBY_PACED:
            return settings.SAMHAND_WORKER_POLL_SECONDS
        return settings.SAMHAND_SUBSCRIBERS_INTERVAL_SECONDS if step_name in PACED else None

    def run(self, *, max_seconds: float | None = None) -> None:
        deadline = time.monotonic() + max_seconds if max_seconds else None
        log.info("worker %s started", self.name)
        receiver = self._start_receiver()
        try:
            while not self.stopping.is_set():
                if deadline and time.monotonic() > deadline:
                    break
                self.active = self.leadership.held()
                # Before looking, so work queued meanwhile is not missed.
                mark = wakeup.cursor(WAKE_ON) if self.active else None
                self.owed_at = None
                self.run_once(paced=True)
                if not wants_another_turn(self.results):
                    # Sleep until a submission or an answer queues work (PostgreSQL NOTIFY from any
                    # process; SQLite only from this one, so there the idle time bounds the wait;
                    # at once if it came during this turn), or the idle time is up (periodic steps
                    # and subscribers run then), or a paced step that was put off is due. A turn
                    # whose steps took all there was (lib.steps.Drained) waits too, instead of
                    # turning again to find nothing.
                    timeout = self.idle_seconds
                    if self.owed_at is not None:
                        timeout = min(timeout, max(0.0, self.owed_at - time.monotonic()))
                    if not self.active:
                        self.stopping.wait(timeout)
                    elif wakeup.wait(WAKE_ON, timeout, since=mark) and settings.SAMHAND_WORKER_GATHER_MS:
                        # Work was queued: give the rest of its burst a moment, then take it as one batch.
                        self.stopping.wait(settings.SAMHAND_WORKER_GATHER_MS / 1000)
        finally:
            self.stopping.set()
            if receiver is not None:
                receiver.join(timeout=settings.SAMHAND_AMQP_TIMEOUT + 5)
            self.leadership.release()
        log.info("worker %s stopped", self.name)

    def _start_receiver(self) -> threading.Thread | None:
        """With a broker, receiving gets a thread of its own that waits on every queue at once and
        wakes when a message arrives; the loop's other steps then skip it."""
        if not network.enabled() or not any(name == RECEIVE for name, _ in self.steps):
            return None
        self.steps = [(name, step) for name, step in self.steps if name != RECEIVE]
        thread = threading.Thread(target=self._receive_loop, name=f"{self.name}-receive", daemon=True)
        thread.start()
        return thread

    def _receive_loop(self) -> None:
        receiving = False
        try:
            while not self.stopping.is_set():
                if not self.leadership.held():
                    if receiving:  # no longer the active worker: hand the link credit back
                        network.disconnect()
                        receiving = False
                    self.stopping.wait(RECEIVE_WAIT)
                    continue
                receiving = True
                try:
                    network.receive_step(self.name, wait=RECEIVE_WAIT)
                except Exception:  # noqa: BLE001 - keep receiving; the broker redelivers what was not settled
                    log.exception("worker %s: receiving failed", self.name)
                    close_old_connections()
                    self.stopping.wait(self.idle_seconds)
        finally:
            close_old_connections()
