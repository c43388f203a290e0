"""Running the demo: one node, or two nodes (UNN | municipalities) sharing an AMQP broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from samhand.directory.seed import UNN

NODE_DEFAULT_DATABASES = ("postgres:///samhand_node1", "postgres:///samhand_node2")
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672"


def node_commands(port: int, credentials: Path, index: int, simulate: bool) -> list[list[str]]:
    base = [sys.executable, "-m", "samhand.cli"]
    commands = [base + ["runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"], base + ["worker"]]
    if simulate:
        commands.append(base + ["simulate", "--credentials", str(credentials), "--node", str(index)])
    return commands


def with_public_url(env: dict, port: int) -> dict:
    """The node's own address for the links in its e-mails, unless one was configured."""
    env = dict(env)
    env.setdefault("SAMHAND_PUBLIC_URL", f"http://127.0.0.1:{port}")
    return env


def run_processes(per_node: list[list[list[str]]], envs, *, out, simulate: bool) -> None:
    """Start every node's processes; stop them all on SIGTERM/SIGINT or when one exits."""
    envs = envs if isinstance(envs, list) else [envs] * len(per_node)
    if not simulate:
        out.write("  SIMULATE=0: no simulated traffic and no automatic AppRecs")
    children = [subprocess.Popen(cmd, env=env) for commands, env in zip(per_node, envs) for cmd in commands]
    stop = {"now": False}

    def request_stop(signum, _frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        while not stop["now"] and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def ensure_postgres_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def node_env(index: int) -> dict:
    url = os.environ.get(f"SAMHAND_NODE{index + 1}_DATABASE_URL", NODE_DEFAULT_DATABASES[index])
    return {**os.environ, "DATABASE_URL": url, "SAMHAND_MODE": os.environ.get("SAMHAND_MODE", "demo"),
            "SAMHAND_AMQP_URL": os.environ.get("SAMHAND_AMQP_URL") or DEFAULT_AMQP_URL}


def run_two_nodes(*, port: int, credentials: Path, simulate: bool, setup_only: bool, out) -> None:
    """Node 1 hosts UNN on ``port``, node 2 the municipalities on ``port + 1``; each has its own
    database, both share the broker and one demo CA (var/demo-pki.json, written by node 1)."""
    bundle = Path("var") / "demo-pki.json"
    hosts = [UNN["her_id"], ",".join(h for h in _municipality_her_ids())]
    envs, nodes = [node_env(0), node_env(1)], []
    for index, env in enumerate(envs):
        ensure_postgres_database(env["DATABASE_URL"])
        part = Path("var") / f"demo-node{index + 1}-credentials.json"
        subprocess.run([sys.executable, "-m", "samhand.cli", "demo", "--setup-only", "--env-file", "", "--port", str(port + index),
                        "--host", hosts[index], "--pki-bundle", str(bundle), "--credentials", str(part)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        nodes.append(json.loads(part.read_text())["nodes"][0])
        part.unlink()
    credentials.write_text(json.dumps({"nodes": nodes}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.chmod(credentials, 0o600)
    for index, node in enumerate(nodes):
        out.write(f"node {index + 1}: {node['url']} ({envs[index]['DATABASE_URL']}), "
                  f"{len(node['apiKeys'])} hosted parties, broker {envs[index]['SAMHAND_AMQP_URL'].split('@')[-1]}")
    out.write(f"  API keys and logins of both nodes: {credentials}")
    if not setup_only:
        run_processes([node_commands(port + i, credentials, i, simulate) for i in range(2)],
                      [with_public_url(env, port + i) for i, env in enumerate(envs)], out=out, simulate=simulate)


def _municipality_her_ids() -> list[str]:
    from samhand.directory.seed import MUNICIPALITIES

    return [her_id for _name, _base, her_id in MUNICIPALITIES]
