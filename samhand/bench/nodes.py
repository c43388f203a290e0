"""Two demo nodes on this machine — node 1 hosting UNN, node 2 the municipalities — each with
its own database, exchanging messages over one AMQP broker. Used by the two-node tests, the
fault test and `samhand bench --transport amqp`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from samhand.directory.seed import MUNICIPALITIES, UNN
from samhand.transports.amqp import AmqpConnection, profile

from .processes import Node, free_port

HOSTS = (UNN["her_id"], ",".join(her_id for _name, _base, her_id in MUNICIPALITIES))


def _create_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres:///{name}"


def _drop_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _wait_for_broker(url: str, timeout: float = 60.0) -> None:
    """The broker may be restarting (the fault test and the transport tests restart it)."""
    import time

    from samhand.transports.amqp import AmqpUnavailable

    deadline = time.monotonic() + timeout
    while True:
        try:
            with AmqpConnection(url, timeout=5) as conn:
                conn.connect()
            return
        except AmqpUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


class TwoNodes:
    def __init__(self, workdir: Path, *, database: str, amqp_url: str, web_workers: int = 1, workers: int = 1,
                 extra_env: dict | None = None, worker_idle: str | None = "0.05", counted: bool = False):
        self.workdir, self.database, self.amqp_url = workdir, database, amqp_url
        self.web_workers, self.workers = web_workers, workers
        self.extra_env = extra_env or {}
        # worker_idle None: the worker's default idle settings (the benchmark); counted: the
        # processes count their SQL statements (samhand.bench.counted).
        self.worker_idle, self.counted = worker_idle, counted
        self.urls: list[str] = []
        self.envs: list[dict] = []
        self.keys: list[dict[str, str]] = []
        self.nodes: list[Node] = []
        self.db_urls: list[str] = []

    def setup(self) -> "TwoNodes":
        try:
            return self._setup()
        except BaseException:
            self.cleanup()  # no databases left behind by a failed set-up
            raise

    def _setup(self) -> "TwoNodes":
        bundle = self.workdir / "demo-pki.json"
        for index in range(2):
            if self.database == "postgres":
                db_url = _create_postgres(f"samhand_n{index + 1}_{os.getpid()}_{id(self) % 100000}")
            else:
                db_url = f"sqlite:///{self.workdir / f'node{index + 1}.sqlite3'}"
            self.db_urls.append(db_url)
            env = {**os.environ, "SAMHAND_MODE": "demo", "DATABASE_URL": db_url, "SAMHAND_AMQP_URL": self.amqp_url,
                   "SAMHAND_AMQP_DECLARE_QUEUES": "1", "SAMHAND_LOG_LEVEL": "WARNING",
                   "SAMHAND_WORKER_IDLE_SECONDS": self.worker_idle or "", "DJANGO_SETTINGS_MODULE": "samhand.settings",
                   **self.extra_env}
            if self.worker_idle is None:
                env.pop("SAMHAND_WORKER_IDLE_SECONDS")
            port = free_port()
            credentials = self.workdir / f"node{index + 1}.json"
            subprocess.run([sys.executable, "-m", "samhand.cli", "demo", "--setup-only", "--env-file", "", "--port", str(port),
                            "--host", HOSTS[index], "--pki-bundle", str(bundle), "--credentials", str(credentials)],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            self.keys.append(json.loads(credentials.read_text())["nodes"][0]["apiKeys"])
            self.envs.append(env)
            self.nodes.append(Node(env, port=port, web_workers=self.web_workers, workers=self.workers,
                                   counted=self.counted))
        self.drain_queues()
        return self

    def drain_queues(self) -> int:
        """Queues are named by HER-id and outlive a run: start from empty ones."""
        drained = 0
        _wait_for_broker(self.amqp_url)
        with AmqpConnection(self.amqp_url) as conn:
            for keys in self.keys:
                for her_id in keys:
                    for queue in (profile.async_queue(her_id), profile.error_queue(her_id)):
                        conn.ensure_queue(queue)
                        while (msg := conn.receive(queue, timeout=0.05)) is not None:
                            msg.accept()
                            drained += 1
        return drained

    def shell(self, index: int, code: str) -> str:
        """Run Python in node ``index``'s Django (for test set-up and checks)."""
        result = subprocess.run([sys.executable, "-m", "samhand.cli", "shell", "-c", code], env=self.envs[index],
                                check=True, capture_output=True, text=True)
        return result.stdout

    def start(self) -> "TwoNodes":
        for node in self.nodes:
            node.start()
        self.urls = [node.url for node in self.nodes]
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def cleanup(self) -> None:
        self.stop()
        for url in self.db_urls:
            if url.startswith("postgres"):
                _drop_postgres(url)
