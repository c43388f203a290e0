"""Starting the node's processes for a benchmark run and measuring their CPU time."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            pass
    return found


def pid_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process so far (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def tree_pids(pids: list[int]) -> list[int]:
    """These processes and all their descendants."""
    out, stack, seen = [], list(pids), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        out.append(pid)
        stack += _children(pid)
    return out


def tree_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and all their descendants (now)."""
    return sum(pid_cpu_seconds(pid) or 0.0 for pid in tree_pids(pids))


def pids_named(comm: str) -> list[int]:
    """Processes whose command name is ``comm`` (e.g. the broker's ``beam.smp``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() == comm:
                found.append(int(stat.parent.name))
        except OSError:
            pass
    return found


class CpuLedger:
    """CPU used by a changing set of processes since the ledger first saw each of them.

    A process first seen at the ledger's start counts from then; one that appears later (a new
    PostgreSQL backend) counts from its birth; one that exits keeps what it was last seen using."""

    def __init__(self):
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.started = False

    def observe(self, pids) -> float:
        for pid in pids:
            value = pid_cpu_seconds(pid)
            if value is None:
                continue
            if pid not in self.base:
                self.base[pid] = value if not self.started else 0.0
            self.last[pid] = value
        self.started = True
        return sum(self.last[p] - self.base[p] for p in self.last)


class Node:
    """gunicorn (web) + N `samhand worker` processes on one database."""

    def __init__(self, env: dict, *, port: int, web_workers: int, workers: int, threads: int = 8,
                 counted: bool = False):
        self.env, self.port = env, port
        python = sys.executable
        # counted: each process counts its SQL statements (samhand.bench.counted), for the benchmark.
        app = "samhand.bench.counted:application" if counted else "samhand.wsgi:application"
        worker = [python, "-m", "samhand.bench.counted" if counted else "samhand.cli", "worker"]
        self.commands = [[python, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}",
                          "-w", str(web_workers), "--threads", str(threads), "--log-level", "warning",
                          "--timeout", "120"]]
        self.commands += [list(worker) for _ in range(workers)]
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.procs = [subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL) for cmd in self.commands]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the node did not start")

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL one `samhand worker` (no chance to finish its item) and start a new one."""
        proc = self.procs[1 + index]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
        self.procs[1 + index] = subprocess.Popen(self.commands[1 + index], env=self.env, stdout=subprocess.DEVNULL)

    def pids(self) -> dict[str, list[int]]:
        """The web server's processes and the `samhand worker` processes, now."""
        return {"web": tree_pids([self.procs[0].pid]), "worker": tree_pids([p.pid for p in self.procs[1:]])}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far of the web server (with its workers) and of the `samhand worker` processes."""
        return {"web": tree_cpu_seconds([self.procs[0].pid]),
                "worker": tree_cpu_seconds([p.pid for p in self.procs[1:]])}

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
