"""One benchmark run: a fresh database, the node's processes, EPR load, and the figures."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from samhand.kith import SchemaSet

from .load import Http, Tracker, poll_inbox, submit_all
from .messages import prepare
from .primitives import primitive_costs
from .processes import Node, free_port

REPO_VAR = Path(__file__).resolve().parent.parent.parent / "var"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    import psycopg

    name = f"samhand_bench_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres:///{name}"


def _drop_database(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _single_node(database: str, workdir: Path, env_base: dict, workers: int, web_workers: int):
    db_url = _database(database, workdir)
    env = {**env_base, "DATABASE_URL": db_url}
    credentials = workdir / "credentials.json"
    port = free_port()
    subprocess.run([sys.executable, "-m", "samhand.cli", "demo", "--setup-only", "--env-file", "", "--port", str(port),
                    "--credentials", str(credentials)], env=env, check=True, stdout=subprocess.DEVNULL)
    keys = json.loads(credentials.read_text())["nodes"][0]["apiKeys"]
    node = Node(env, port=port, web_workers=web_workers, workers=workers)
    node.start()
    return [node], [node.url, node.url], [keys, keys], lambda: (node.stop(), _drop_database(db_url))


def _two_nodes(database: str, workdir: Path, env_base: dict, workers: int, web_workers: int):
    from .nodes import TwoNodes

    pair = TwoNodes(workdir, database=database, amqp_url=env_base.get("SAMHAND_AMQP_URL") or
                    "amqp://guest:guest@127.0.0.1:5672", workers=workers, web_workers=web_workers,
                    extra_env={k: v for k, v in env_base.items() if k.startswith("SAMHAND_")})
    pair.setup().start()
    return pair.nodes, pair.urls, pair.keys, pair.cleanup


def run(*, messages: int, concurrency: int, rate: float | None, database: str, transport: str,
        workers: int, web_workers: int, schema_dir: str | None, seconds_per_primitive: float = 1.0) -> dict:
    """One run. ``transport`` local: one node hosts everyone; amqp: node 1 hosts UNN and node 2
    the municipalities (each with its own database), and every round trip crosses the broker twice."""
    workdir = Path(tempfile.mkdtemp(prefix="samhand-bench-", dir=REPO_VAR if REPO_VAR.is_dir() else None))
    env = {**os.environ, "SAMHAND_MODE": "demo", "SAMHAND_LOG_LEVEL": "WARNING",
           "SAMHAND_WORKER_IDLE_SECONDS": "0.05", "DJANGO_SETTINGS_MODULE": "samhand.settings"}
    if schema_dir:
        env["SAMHAND_SCHEMA_DIR"] = schema_dir

    from samhand.simulator.chain import Address

    hospital = [Address(h, "Medisinsk avdeling", "8100000", "UNN HF") for h in ("8100101", "8100201")]
    municipal = [(Address(f"82{m}001", "Sykepleietjeneste", f"82{m}000", "Kommune"),
                  Address(f"82{m}002", "Saksbehandlertjeneste", f"82{m}000", "Kommune")) for m in ("01", "02", "03")]
    prepared = prepare(messages, hospital, municipal)
    schemas = SchemaSet(schema_dir)
    limit = primitive_costs(prepared[0].xml, schemas, seconds=seconds_per_primitive)
    cores = os.cpu_count() or 1

    start_topology = _two_nodes if transport == "amqp" else _single_node
    nodes, urls, keys, stop = start_topology(database, workdir, env, workers, web_workers)
    try:
        senders = {her_id: Http(urls[0], key) for her_id, key in keys[0].items()}
        tracker = Tracker(expected=messages)
        pollers = [threading.Thread(target=poll_inbox, args=(senders["8100101"], ["8100101", "8100201"], tracker),
                                    kwargs={"answer": False}, daemon=True)]
        for nursing, _case in municipal:
            receiver = Http(urls[1], keys[1][nursing.her_id])
            pollers.append(threading.Thread(target=poll_inbox, args=(receiver, [nursing.her_id], tracker),
                                            kwargs={"answer": True}, daemon=True))
        before = [node.cpu_seconds() for node in nodes]
        own_before, started = time.process_time(), time.perf_counter()
        for t in pollers:
            t.start()
        submit_all(senders, prepared, tracker, concurrency=concurrency, rate=rate)
        finished = tracker.done.wait(timeout=max(120.0, messages / 5))
        elapsed = time.perf_counter() - started
        after = [node.cpu_seconds() for node in nodes]
        load_cpu = time.process_time() - own_before
        tracker.done.set()
    finally:
        stop()
    cpu_split = {k: sum(a[k] - b[k] for a, b in zip(after, before)) for k in after[0]}
    cpu = sum(cpu_split.values())
    done = len(tracker.latencies)
    achieved = done / elapsed if elapsed else 0.0
    limit_rps = cores / (limit["us_per_round_trip"] / 1e6)
    latencies_ms = [v * 1000 for v in tracker.latencies]
    return {
        "round_trips": done,
        "completed": finished,
        "elapsed_s": round(elapsed, 2),
        "round_trips_per_s": round(achieved, 1),
        "latency_ms": {"p50": round(_percentile(latencies_ms, 0.50), 1),
                       "p95": round(_percentile(latencies_ms, 0.95), 1),
                       "p99": round(_percentile(latencies_ms, 0.99), 1),
                       "mean": round(statistics.fmean(latencies_ms), 1) if latencies_ms else None},
        "cpu_s_per_round_trip": round(cpu / done, 5) if done else None,
        "cpu_s_per_round_trip_by_process": {k: round(v / done, 5) for k, v in cpu_split.items()} if done else None,
        "load_generator_cpu_s_per_round_trip": round(load_cpu / done, 5) if done else None,
        "limit_round_trips_per_s": round(limit_rps, 1),
        "efficiency": round(achieved / limit_rps, 3) if limit_rps else None,
        "primitive_us": limit["us"],
        "primitive_us_per_round_trip": limit["us_per_round_trip"],
        "errors": len(tracker.errors),
        "first_errors": tracker.errors[:3],
        "config": {"messages": messages, "concurrency": concurrency, "rate": rate, "database": database,
                   "transport": transport, "workers": workers, "web_workers": web_workers, "cores": cores,
                   "nodes": len(nodes), "security": "CMS sign+encrypt (always on)",
                   "schemas": bool(schemas.enabled), "message_bytes": limit["message_bytes"],
                   "apprec_bytes": limit["apprec_bytes"]},
    }
