"""A blocking AMQP 1.0 client for the service-bus profile, on python-qpid-proton.

Why ``BlockingConnection`` and not a Container thread: the worker is synchronous and
settles a message only after its own database commit, on the same thread that received
it. Driving proton from the calling thread keeps that ordering trivial (no hand-off,
no futures, no thread owning state behind the caller's back) and every call has a
deadline. The price: I/O (heartbeats included) only happens inside our calls, so a
connection left idle may be found dead on the next call; publish and receive then
reconnect and retry once, within the same deadline. For the same reason ``heartbeat``
(our idle time-out) is off by default: proton checks it before reading what arrived
meanwhile, so a caller holding a message longer than the heartbeat while writing to its
database would lose the connection (measured: 75 s pause with heartbeat=60 ->
"local-idle-timeout expired"; without it the late accept works).

Only the connection and event loop of ``BlockingConnection`` are used; sessions, links
and deliveries are managed here, because its ``BlockingSender`` waits for each confirm
(no pipelining), its ``BlockingReceiver`` settles in FIFO order only and tops credit up
regardless of settlement, it does not notice a session ended by the broker (hangs until
the time-out) and closing its links hangs against RabbitMQ 3.10. The broker quirks this
is built around are listed in the package docstring.

Guarantees: at-least-once both ways. A publish that raises may still have been stored
(resend with the same message-id; receivers drop duplicates), a message is removed only
by ``accept``, and a lost connection returns unsettled messages to the queue.

Not thread-safe by proton's design; calls are serialised with a lock, but give each
thread its own connection if they must not wait for each other.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from proton import Condition, Delivery, Endpoint, Link, Message, ProtonException, Timeout
from proton.utils import BlockingConnection

from .errors import AmqpError, AmqpNotFound, AmqpRejected, AmqpUnavailable
from .links import close_quietly, open_link
from .messages import DeliveryCounter, Outgoing, Received, from_message, to_message

_BROKEN = (ProtonException, OSError)  # anything from proton means: drop the connection
_WINDOW = 1000  # transfers in flight in publish_many


class AmqpConnection:
    """One AMQP connection, opened lazily and reopened on the next call after a failure.

    ``timeout`` bounds every call, reconnecting included: ``publish`` returns or raises
    within it (``publish_many`` gets 10 ms more per message, ``receive`` its own wait on top).
    ``prefetch`` is per queue the most messages delivered to us and not yet settled
    (credit is topped up only as you settle): holding that many, ``receive`` returns None.
    """

    def __init__(self, url: str, *, timeout: float = 10.0, prefetch: int = 10,
                 heartbeat: float | None = None):
        self.url, self.timeout, self.prefetch, self.heartbeat = url, timeout, max(1, prefetch), heartbeat
        self._bc: BlockingConnection | None = None
        self._generation = 0
        self._senders: dict[str, Link] = {}
        self._receivers: dict[str, tuple[Link, set]] = {}
        self._counter = DeliveryCounter()
        self._lock = threading.RLock()
        self._closed = False
        self._deadline = 0.0
        # Inside settling(): links whose dispositions wait to be sent together, by id.
        self._held: dict[int, tuple[Link, set]] | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> "AmqpConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; unsettled received messages return to their queues."""
        with self._lock:
            self._closed = True
            self._drop(graceful=True)

    def connect(self) -> None:
        """Open the connection now (otherwise the first call does); raises AmqpUnavailable."""
        self._call("connecting", lambda: None)

    @property
    def connected(self) -> bool:
        return self._bc is not None

    def _ensure(self) -> BlockingConnection:
        if self._closed:
            raise AmqpError("connection is closed")
        if self._bc is None:
            try:
                self._bc = BlockingConnection(self.url, timeout=self._left(), heartbeat=self.heartbeat)
            except _BROKEN as exc:
                raise AmqpUnavailable(f"cannot connect to {_safe(self.url)}: {exc}") from exc
            self._bc.timeout = self.timeout
        return self._bc

    def _drop(self, graceful: bool = False) -> None:
        bc, self._bc = self._bc, None
        self._generation += 1  # deliveries of the old connection can no longer be settled
        for _, unsettled in self._receivers.values():
            unsettled.clear()
        self._senders.clear()
        self._receivers.clear()
        if bc is None:
            return
        try:
            if not graceful:  # don't wait for a peer we no longer trust
                bc.disconnected = bc.disconnected or "dropped"
                if bc.conn is not None and bc.conn.transport is not None:
                    bc.conn.transport.close_tail()
                    bc.conn.transport.close_head()
            bc.timeout = min(self.timeout, 2.0)
            bc.close()
        except Exception:  # noqa: BLE001 - best effort; the socket is gone either way
            pass

    def _call(self, what: str, fn: Callable[[], Any], retry: bool = True, extra: float = 0.0) -> Any:
        """Run ``fn`` on a live connection within ``timeout + extra`` seconds; on failure
        drop the connection, and retry once on a fresh one if the failed one was reused
        (it may have died while idle) and time is left (a hung broker used it all)."""
        with self._lock:
            self._deadline = time.monotonic() + self.timeout + extra
            for attempt in (1, 2):
                reused = self._bc is not None
                self._ensure()
                try:
                    return fn()
                except _BROKEN as exc:
                    self._drop()
                    if not (retry and reused and attempt == 1 and self._left() > 0.05):
                        raise AmqpUnavailable(f"{what}: {exc}") from exc

    def _left(self) -> float:
        return max(0.001, self._deadline - time.monotonic())

    def _wait(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        bc = self._bc
        bc.wait(lambda: cond() or bool(bc.disconnected), timeout=min(timeout, self._left()), msg=what)
        if not cond():
            raise ProtonException(f"{what}: connection lost ({bc.disconnected or 'closed by peer'})")

    def _open_link(self, address: str, sender: bool, *, durable: bool = False) -> Link:
        return open_link(self._bc.conn, address, sender, durable=durable,
                         wait=lambda cond, what: self._wait(cond, self.timeout, what))

    def _check_queue(self, queue: str) -> bool:
        try:
            probe = self._open_link(f"/amq/queue/{queue}", sender=False)
        except AmqpNotFound:
            return False
        close_quietly(probe)
        return True

    # -- queues ------------------------------------------------------------------------
    def queue_exists(self, queue: str) -> bool:
        return self._call(f"checking {queue}", lambda: self._check_queue(queue))

    def ensure_queue(self, queue: str) -> None:
        """Create a durable (classic) queue if missing - for tests and development; in
        production the queues are provisioned (quorum queues with a delivery-limit)."""
        def run():
            if not self._check_queue(queue):
                link = self._open_link(f"/queue/{queue}", sender=True, durable=True)
                close_quietly(link)
        self._call(f"declaring {queue}", run)

    # -- publishing --------------------------------------------------------------------
    def publish(self, queue: str, body: bytes, *, message_id: str, properties: dict[str, Any],
                content_type: str = "application/octet-stream", subject: str | None = None,
                reply_to: str | None = None, correlation_id: str | None = None,
                ttl: float | None = None) -> None:
        """Send one durable message and return once the broker has accepted (confirmed) it."""
        self.publish_many([Outgoing(queue, body, message_id, properties, content_type,
                                    subject, reply_to, correlation_id, ttl)])

    def publish_many(self, items: Iterable[Outgoing | dict]) -> None:
        """Send all messages without waiting in between, then wait for every confirm.

        Everything that can be sent is sent; then the worst problem is raised (a missing
        queue, a rejection, else unavailability) with ``message_ids`` = those not confirmed.
        """
        pending = [i if isinstance(i, Outgoing) else Outgoing(**i) for i in items]
        encoded = [to_message(i) for i in pending]  # refuse bad input before sending anything
        done: set[str] = set()
        if not pending:
            return

        def run():
            senders, missing = {}, []
            for queue in dict.fromkeys(i.queue for i in pending):
                try:
                    senders[queue] = self._sender(queue)
                except AmqpNotFound:
                    missing.append(queue)
            self._pipeline([(i, senders[i.queue], m) for i, m in zip(pending, encoded)
                            if i.message_id not in done and i.queue in senders], done)
            if missing:
                raise AmqpNotFound(f"no such queue: {', '.join(missing)}", condition="amqp:not-found")

        try:
            self._call("publishing", run, extra=0.01 * len(pending))
        except AmqpError as exc:
            exc.message_ids = tuple(i.message_id for i in pending if i.message_id not in done)
            raise

    def _sender(self, queue: str) -> Link:
        link = self._senders.get(queue)
        if link is None:
            if not self._check_queue(queue):
                raise AmqpNotFound(f"no such queue: {queue}", condition="amqp:not-found")
            link = self._senders[queue] = self._open_link(f"/amq/queue/{queue}", sender=True)
        return link

    def _pipeline(self, todo: list[tuple[Outgoing, Link, Message]], done: set[str]) -> None:
        """Keep up to _WINDOW transfers in flight; fail when the oldest is not confirmed in time."""
        flight: deque[tuple[Outgoing, Delivery]] = deque()
        failures, sent = [], 0
        while sent < len(todo) or flight:
            while sent < len(todo) and len(flight) < _WINDOW:
                item, link, msg = todo[sent]
                flight.append((item, link.send(msg)))
                sent += 1
            oldest = flight[0][1]
            self._wait(lambda: oldest.settled, self.timeout, "awaiting confirms")
            while flight and flight[0][1].settled:
                item, d = flight.popleft()
                if d.remote_state == Delivery.ACCEPTED:
                    done.add(item.message_id)
                else:
                    failures.append((item, d.remote_state, d.remote.condition))
                d.settle()
        if failures:
            item, state, cond = failures[0]
            text = f"{len(failures)} message(s) not accepted, first {item.message_id} -> {item.queue}: {state} {cond or ''}"
            if state == Delivery.REJECTED:
                raise AmqpRejected(text, condition=cond.name if cond else None)
            raise AmqpUnavailable(text)

    # -- receiving ---------------------------------------------------------------------
    def receive(self, queue: str, *, timeout: float) -> Received | None:
        """Next message from ``queue`` or None after ``timeout`` seconds; it stays on the
        queue (unsettled) until you accept, release or reject it."""
        return self._call(f"receiving from {queue}", lambda: self._receive(queue, timeout), extra=timeout)

    def _receive(self, queue: str, timeout: float) -> Received | None:
        entry = self._receivers.get(queue)
        if entry is None:
            entry = self._receivers[queue] = (self._open_link(f"/amq/queue/{queue}", sender=False), set())
        link, unsettled = entry
        self._top_up(link, unsettled)

        def ready() -> bool:
            d = link.current
            return d is not None and d.readable and not d.partial
        bc = self._bc
        try:
            bc.wait(lambda: ready() or bool(bc.disconnected), timeout=min(timeout, self._left()),
                    msg=f"receiving from {queue}")
        except Timeout:
            if not bc.disconnected and bc.conn.state & Endpoint.REMOTE_ACTIVE:
                return None  # a plain time-out: nothing there
            raise
        if not ready():
            raise ProtonException(f"receiving from {queue}: connection lost ({bc.disconnected or 'closed'})")
        delivery = link.current
        msg = Message()
        msg.decode(link.recv(delivery.pending))
        link.advance()
        unsettled.add(delivery)
        return self._received(queue, msg, link, delivery, unsettled)

    def receive_any(self, queues: Iterable[str], *, timeout: float, limit: int,
                    gather: float = 0.0) -> list[Received]:
        """Up to ``limit`` messages from any of ``queues``, waiting at most ``timeout`` for the first
        and then up to ``gather`` seconds more while fewer than ``limit`` are there (the rest of a
        burst: one batch, not a batch per message).

        Every queue has a receiving link with credit (``prefetch``) at once, so one wait covers
        them all and returns as soon as anything arrives: no per-queue polling. Each message
        stays unsettled until you accept, release or reject it.
        """
        queues = list(queues)
        return self._call("receiving", lambda: self._receive_any(queues, timeout, limit, gather),
                          extra=timeout + gather)

    def _receive_any(self, queues: list[str], timeout: float, limit: int, gather: float = 0.0) -> list[Received]:
        entries = []
        for queue in queues:
            entry = self._receivers.get(queue)
            if entry is None:
                entry = self._receivers[queue] = (self._open_link(f"/amq/queue/{queue}", sender=False), set())
            self._top_up(*entry)
            entries.append((queue, *entry))

        def ready(link: Link) -> bool:
            d = link.current
            return d is not None and d.readable and not d.partial

        bc = self._bc
        if not any(ready(link) for _q, link, _u in entries):
            try:  # a wait of at least a millisecond: it is also what reads the socket
                bc.wait(lambda: any(ready(link) for _q, link, _u in entries) or bool(bc.disconnected),
                        timeout=max(0.001, min(timeout, self._left())), msg="receiving")
            except Timeout:
                if not bc.disconnected and bc.conn.state & Endpoint.REMOTE_ACTIVE:
                    return []  # a plain time-out: nothing arrived
                raise
        if gather > 0 and not bc.disconnected:
            try:
                bc.wait(lambda: sum(link.queued for _q, link, _u in entries) >= limit or bool(bc.disconnected),
                        timeout=max(0.001, min(gather, self._left())), msg="receiving")
            except Timeout:
                pass  # the burst was smaller than a batch: take what came
        if bc.disconnected:
            raise ProtonException(f"receiving: connection lost ({bc.disconnected})")
        taken: list[Received] = []
        for queue, link, unsettled in entries:
            while len(taken) < limit and ready(link):
                delivery = link.current
                msg = Message()
                msg.decode(link.recv(delivery.pending))
                link.advance()
                unsettled.add(delivery)
                taken.append(self._received(queue, msg, link, delivery, unsettled))
        return taken

    def _top_up(self, link: Link, unsettled: set) -> None:
        want = self.prefetch - (link.credit + link.queued + len(unsettled))
        if want > 0:
            link.flow(want)

    def _received(self, queue: str, msg: Message, link: Link, delivery: Delivery, unsettled: set) -> Received:
        redelivered = not msg.first_acquirer
        count = self._counter.delivered(queue, msg.id, msg.delivery_count, redelivered)
        generation = self._generation

        def settle(state, *, failed: bool = True, condition: Condition | None = None) -> None:
            with self._lock:
                if generation != self._generation or delivery not in unsettled:
                    raise AmqpUnavailable(f"connection lost since message {msg.id} was received; "
                                          f"the broker will redeliver it")
                self._counter.settled(queue, msg.id, final=state != Delivery.RELEASED, counts=failed)
                if condition is not None:
                    delivery.local.condition = condition
                delivery.update(state)
                unsettled.discard(delivery)
                delivery.settle()  # the engine may free it now: don't touch it again
                if self._held is not None:
                    self._held[id(link)] = (link, unsettled)
                else:
                    self._call("settling", lambda: self._flush([(link, unsettled)]), retry=False)

        return from_message(queue, msg, delivery_count=count, redelivered=redelivered, settle=settle)

    @contextmanager
    def settling(self) -> Iterator[None]:
        """Settle a batch of received messages inside: their dispositions (and the credit they free)
        go to the broker together at the end, in one exchange with it instead of one per message.
        Raises AmqpUnavailable at the end if the connection was lost meanwhile; the broker then
        redelivers what it did not hear about."""
        with self._lock:
            if self._held is not None:  # nested: the outer block sends
                yield
                return
            self._held, generation = {}, self._generation
            try:
                yield
            finally:
                held, self._held = list(self._held.values()), None
                # After a reconnect the held links are gone with their connection: nothing to send.
                if held and generation == self._generation and self._bc is not None and not self._closed:
                    self._call("settling", lambda: self._flush(held), retry=False)

    def _flush(self, links: list[tuple[Link, set]]) -> None:
        for link, unsettled in links:
            self._top_up(link, unsettled)
        transport = self._bc.conn.transport
        self._wait(lambda: transport.pending() <= 0, self.timeout, "sending disposition")


def _safe(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url
