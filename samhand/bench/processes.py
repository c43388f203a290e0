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


def tree_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and all their descendants (now)."""
    total, stack, seen = 0.0, list(pids), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
        stack += _children(pid)
    return total


class Node:
    """gunicorn (web) + N `samhand worker` processes on one database."""

    def __init__(self, env: dict, *, port: int, web_workers: int, workers: int, threads: int = 8):
        self.env, self.port = env, port
        python = sys.executable
        self.commands = [[python, "-m", "gunicorn", "samhand.wsgi:application", "-b", f"127.0.0.1:{port}",
                          "-w", str(web_workers), "--threads", str(threads), "--log-level", "warning"]]
        self.commands += [[python, "-m", "samhand.cli", "worker"] for _ in range(workers)]
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
