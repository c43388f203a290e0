"""The load generator: EPR systems sending, reading and answering — a process of its own.

``python -m samhand.bench.loadgen CONFIG.json OUT.json``. It imports no Django and does no XML
work: the request bodies are encoded before it starts (CONFIG names a JSON-lines file of them), so
its own CPU (reported separately) stays small and it never caps the node's throughput.

- Senders: closed loop with ``concurrency`` round trips in flight (the next message goes out when
  an AppRec comes back), or open loop at ``rate`` messages per second (latency then counts from the
  scheduled send time, so a late send is not hidden). Each sending EPR sends what is due in one
  ``POST /messages/batch`` (``submit: batch``, the default), or one ``POST /messages`` per message
  (``submit: single``).
- Each receiving EPR long-polls its inbox with the documents inline and answers what it got in
  the request that fetches its next batch: one ``POST /messages/poll`` per batch
  (``{"include": "document", "wait": 30, "apprecs": [...]}``).
- The sending EPR long-polls its inbox for AppRecs the same way, marking the last batch read in
  the request that fetches the next (``"read": [...]``); a positive AppRec of a message it sent
  counts as a completed round trip, once.
- Both long polls ask the node to linger ``linger_ms`` (``samhand bench --linger-ms``, default 50)
  once something has arrived, as a busy EPR integration would: fuller batches, fewer requests.

All times are ``time.monotonic()`` (one clock for every process on the machine).
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


class Http:
    """One keep-alive connection per thread (http.client is not thread-safe); counts requests."""

    def __init__(self, base_url: str, key: str, stats: "Stats"):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.local = threading.local()
        self.stats = stats

    def call(self, method: str, path: str, body: bytes | None = None, timeout: float = 60):
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.stats.request()
                conn.request(method, "/api/v1" + path, body=body, headers=self.headers)
                response = conn.getresponse()
                raw = response.read()
                if response.status >= 400:
                    raise RuntimeError(f"{method} {path}: {response.status} {raw[:300]!r}")
                return json.loads(raw) if raw else None
            except (http.client.HTTPException, ConnectionError, TimeoutError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise


class Stats:
    def __init__(self, n: int):
        self.lock = threading.Lock()
        self.requests: list[float] = []
        self.started: dict[str, float] = {}  # msgId -> submit (or scheduled) time
        self.completed: dict[str, float] = {}  # msgId -> positive AppRec seen by the sender
        self.negative: dict[str, str] = {}
        self.errors: list[str] = []
        self.n = n
        self.done = threading.Event()
        self.last_submit = 0.0

    def request(self) -> None:
        t = time.monotonic()
        with self.lock:
            self.requests.append(t)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text[:500])


def _senders(config, stats: Stats, http: dict[str, Http], bodies: list[dict]) -> None:
    if config.get("submit", "batch") == "batch":
        _batch_senders(config, stats, http, bodies)
    else:
        _single_senders(config, stats, http, bodies)


def _single_senders(config, stats: Stats, http: dict[str, Http], bodies: list[dict]) -> None:
    """One POST /messages per message, from ``submit_threads`` connections."""
    n, rate = len(bodies), config.get("rate")
    in_flight = threading.Semaphore(config["concurrency"]) if not rate else None
    next_index = iter(range(n))
    lock = threading.Lock()
    start = time.monotonic()
    stats.in_flight = in_flight

    def sender():
        while not stats.done.is_set():
            if in_flight is not None:
                while not in_flight.acquire(timeout=0.5):
                    if stats.done.is_set():
                        return
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            item = bodies[i]
            if rate:
                scheduled = start + i / rate
                delay = scheduled - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                with stats.lock:
                    stats.started[item["msgId"]] = scheduled
            else:
                with stats.lock:
                    stats.started[item["msgId"]] = time.monotonic()
            try:
                http[item["sender"]].call("POST", "/messages", item["body"].encode())
            except Exception as exc:  # noqa: BLE001 - counted and reported
                stats.error(f"submit: {exc}")
                if in_flight is not None:
                    in_flight.release()
            with stats.lock:
                stats.last_submit = time.monotonic()

    _run_threads(sender, [()] * config["submit_threads"])


def _batch_senders(config, stats: Stats, http: dict[str, Http], bodies: list[dict]) -> None:
    """Each sending EPR (one API key per sender HER-id) sends what is due in one POST /messages/batch:
    in a closed loop every message it may send now (a free place among ``concurrency`` in flight:
    it waits for one, then takes every other that is free), in an open loop every message whose
    scheduled time has come. ``submit_threads`` connections per sender, so one batch is sent while
    the next gathers."""
    rate, batch_max = config.get("rate"), config.get("batch_max", 100)
    in_flight = threading.Semaphore(config["concurrency"]) if not rate else None
    stats.in_flight = in_flight
    start = time.monotonic()
    queues: dict[str, list[int]] = {}
    for i, item in enumerate(bodies):
        queues.setdefault(item["sender"], []).append(i)

    def sender(her_id: str, queue: list[int], lock: threading.Lock):
        while not stats.done.is_set():
            if in_flight is not None:
                while not in_flight.acquire(timeout=0.5):
                    if stats.done.is_set():
                        return
                permits = 1
                while permits < batch_max and in_flight.acquire(blocking=False):
                    permits += 1
                with lock:
                    taken = queue[:permits]
                    del queue[:permits]
                for _ in range(permits - len(taken)):
                    in_flight.release()  # this sender has no more to send
                now = time.monotonic()
                times = dict.fromkeys(taken, now)
            else:
                with lock:
                    if not queue:
                        return
                    due = start + queue[0] / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                now = time.monotonic()
                with lock:
                    count = 0
                    while count < min(len(queue), batch_max) and start + queue[count] / rate <= now:
                        count += 1
                    taken = queue[:count]
                    del queue[:count]
                times = {i: start + i / rate for i in taken}  # latency counts from the scheduled time
            if not taken:
                return
            with stats.lock:
                for i in taken:
                    stats.started[bodies[i]["msgId"]] = times[i]
            body = ("[" + ",".join(bodies[i]["body"] for i in taken) + "]").encode()
            try:
                results = http[her_id].call("POST", "/messages/batch", body)
                refused = [r for r in results if r["status"] >= 400]
                for r in refused:
                    stats.error(f"submit: {r['status']} {r.get('code')} {r.get('detail')}")
                lost = len(refused)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                stats.error(f"submit: {exc}")
                lost = len(taken)
            if in_flight is not None:
                for _ in range(lost):
                    in_flight.release()  # not in flight: its place goes to the next message
            with stats.lock:
                stats.last_submit = time.monotonic()

    workers = []
    for her_id, queue in queues.items():
        lock = threading.Lock()
        workers += [(her_id, queue, lock)] * max(1, config.get("submit_threads") or 2)
    _run_threads(sender, workers)


def _run_threads(target, args: list[tuple]) -> None:
    """One thread per tuple of arguments; returns when all are done."""
    threads = [threading.Thread(target=target, args=a, daemon=True) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _poll_body(her_ids: list[str], wait: int, linger: int, limit: int, **batch) -> bytes:
    return json.dumps({"receiverHerIds": her_ids, "wait": wait, "linger": linger, "limit": limit, **batch}).encode()


def _receiver(http: Http, her_ids: list[str], stats: Stats, wait: int, linger: int) -> None:
    """The receiving EPR: one POST /messages/poll per batch, answering the last batch's messages
    (positive AppRecs) in the request that fetches the next, with the documents inline."""
    answers: list[dict] = []
    while not stats.done.is_set():
        try:
            body = _poll_body(her_ids, wait, linger, 100, include="document", apprecs=answers)
            out = http.call("POST", "/messages/poll", body, timeout=wait + 30)
            for r in out["answered"]:
                if r["status"] != 202:
                    stats.error(f"apprec {r['id']}: {r['status']} {r.get('code')}")
            answers = [{"id": e["id"], "status": "1"} for e in out["entries"] if not e["isAppRec"]]
        except Exception as exc:  # noqa: BLE001
            stats.error(f"receiver: {exc}")
            answers = []  # still unread: they come again in the next poll
            time.sleep(0.2)


def _sender_inbox(http: Http, her_ids: list[str], stats: Stats, wait: int, linger: int) -> None:
    """The sending EPR's AppRec inbox: one POST /messages/poll per batch, marking the last batch
    read in the request that fetches the next."""
    taken: list[str] = []
    while not stats.done.is_set():
        try:
            out = http.call("POST", "/messages/poll", _poll_body(her_ids, wait, linger, 500, read=taken),
                            timeout=wait + 30)
            entries = out["entries"]
            now = time.monotonic()
            released = 0
            with stats.lock:
                for e in entries:
                    msg_id = e.get("originalMsgId")
                    if not e["isAppRec"] or msg_id not in stats.started or msg_id in stats.completed:
                        continue
                    if (e.get("apprec") or {}).get("status") == "1":
                        stats.completed[msg_id] = now  # each message counts once
                        released += 1
                    elif msg_id not in stats.negative:
                        stats.negative[msg_id] = (e.get("apprec") or {}).get("status", "?")
                        released += 1  # not a round trip, but no longer in flight
                if len(stats.completed) + len(stats.negative) >= stats.n:
                    stats.done.set()
            if stats.in_flight is not None:
                for _ in range(released):
                    stats.in_flight.release()
            taken = [e["id"] for e in entries]
        except Exception as exc:  # noqa: BLE001
            stats.error(f"sender inbox: {exc}")
            taken = []
            time.sleep(0.2)


def run(config: dict) -> dict:
    with open(config["bodies"], encoding="utf-8") as f:
        bodies = [json.loads(line) for line in f]
    stats = Stats(len(bodies))
    stats.in_flight = None
    cpu0 = time.process_time()
    wait, linger = config.get("wait", 30), config.get("linger_ms", 0)
    senders = {her_id: Http(config["sender_url"], key, stats) for her_id, key in config["sender_keys"].items()}
    pollers = [threading.Thread(target=_sender_inbox, daemon=True,
                                args=(Http(config["sender_url"], config["sender_inbox_key"], stats),
                                      config["sender_her_ids"], stats, wait, linger))]
    for receiver in config["receivers"]:
        pollers.append(threading.Thread(target=_receiver, daemon=True,
                                        args=(Http(config["receiver_url"], receiver["key"], stats),
                                              receiver["her_ids"], stats, wait, linger)))
    started = time.monotonic()
    for t in pollers:
        t.start()
    time.sleep(0.5)  # the long polls are waiting before the first message goes out
    _senders(config, stats, senders, bodies)
    finished = stats.done.wait(timeout=config.get("timeout", 600))
    stats.done.set()
    ended = time.monotonic()
    cpu = time.process_time() - cpu0
    with stats.lock:
        return {"started": started, "ended": ended, "finished": finished, "cpu_s": cpu,
                "started_at": stats.started, "completed_at": stats.completed, "negative": stats.negative,
                "requests": stats.requests, "last_submit": stats.last_submit,
                "errors": len(stats.errors), "first_errors": stats.errors[:5]}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    result = run(cfg)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f)
