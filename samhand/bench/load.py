"""The load side of the benchmark: EPR systems sending, reading and answering over keep-alive HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit


class Http:
    """One keep-alive connection per thread (http.client is not thread-safe)."""

    def __init__(self, base_url: str, key: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return conn

    def call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body) if body is not None else None
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request(method, "/api/v1" + path, body=data, headers=self.headers)
                response = conn.getresponse()
                raw = response.read()
                if response.status >= 400:
                    raise RuntimeError(f"{method} {path}: {response.status} {raw[:300]!r}")
                return json.loads(raw) if raw else None
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise


@dataclass
class Tracker:
    submitted: dict[str, float] = field(default_factory=dict)  # msgId -> submit time
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    expected: int = 0

    def correlated(self, msg_id: str) -> None:
        with self.lock:
            started = self.submitted.get(msg_id)
            if started is not None:
                self.latencies.append(time.perf_counter() - started)
                if len(self.latencies) >= self.expected:
                    self.done.set()


def submit_all(http: dict[str, Http], prepared, tracker: Tracker, *, concurrency: int, rate: float | None) -> None:
    """Closed loop with ``concurrency`` senders, or open loop at ``rate`` messages per second."""
    index = iter(range(len(prepared)))
    lock = threading.Lock()
    start = time.perf_counter()

    def sender():
        while not tracker.done.is_set():
            with lock:
                i = next(index, None)
            if i is None:
                return
            if rate:
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            item = prepared[i]
            with tracker.lock:
                tracker.submitted[item.msg_id] = time.perf_counter()
            try:
                http[item.sender].call("POST", "/messages", {"businessDocument": base64.b64encode(item.xml).decode()})
            except Exception as exc:  # noqa: BLE001 - counted and reported
                tracker.errors.append(str(exc))

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def poll_inbox(http: Http, her_ids: list[str], tracker: Tracker, *, answer: bool) -> None:
    """A receiving EPR: read, mark read and answer; a sending EPR: collect AppRecs."""
    query = "/messages?" + urlencode({"receiverHerIds": ",".join(her_ids)})
    while not tracker.done.is_set():
        try:
            entries = http.call("GET", query)
        except Exception as exc:  # noqa: BLE001
            tracker.errors.append(str(exc))
            time.sleep(0.2)
            continue
        if not entries:
            # An EPR polls (real ones every few seconds). 200 ms keeps latency low while the empty
            # polls, which count in the node's CPU per round trip, stay a small share of it.
            time.sleep(0.2)
            continue
        for entry in entries:
            try:
                if entry["isAppRec"]:
                    http.call("PUT", f"/messages/{entry['id']}/read")
                    tracker.correlated(entry["originalMsgId"])
                elif answer:
                    http.call("GET", f"/messages/{entry['id']}/business-document")
                    http.call("PUT", f"/messages/{entry['id']}/read")
                    http.call("POST", f"/messages/{entry['id']}/apprec", {"status": "1"})
            except Exception as exc:  # noqa: BLE001
                tracker.errors.append(str(exc))
