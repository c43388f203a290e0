"""One benchmark run: fresh databases, the node's processes, a load generator, and the figures.

What the figures mean (issue 11 §7):
- The **floor** is the CPU time (``process_time``) of the work no design can avoid, measured in the
  same run: parse + schema-validate the message and its AppRec, sign + encrypt and decrypt + verify
  each once. ``limit_round_trips_per_s`` = cores ÷ floor.
- **All-in CPU** counts every process a round trip uses: the web and worker processes of every
  node, the PostgreSQL backends serving their databases and the broker (``beam.smp``), read from
  ``/proc/<pid>/stat``. The load generator is a process of its own and is reported apart.
  ``efficiency`` = floor ÷ all-in CPU per round trip.
- Every figure is taken over a **steady-state window**: from the moment a tenth of the round trips
  had completed (ramp-up excluded) to the last submission or nine tenths completed, whichever is
  first (drain excluded). A round trip completes when the sending EPR sees the positive AppRec,
  and counts once.
- SQL statements are counted by the node's own processes (``samhand.bench.counted``); HTTP requests
  by the load generator.
"""

from __future__ import annotations

import base64
import bisect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from samhand.kith import SchemaSet

from .counted import read_counts, read_shapes
from .messages import prepare
from .primitives import primitive_costs
from .processes import CpuLedger, Node, free_port, pids_named, tree_pids

REPO_VAR = Path(__file__).resolve().parent.parent.parent / "var"
SAMPLE_SECONDS = 0.25


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _database(kind: str, workdir: Path, run_id: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    import psycopg

    name = f"samhand_{run_id}"
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres:///{name}"


def _drop_database(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _single_node(database: str, workdir: Path, env_base: dict, workers: int, web_workers: int, run_id: str):
    db_url = _database(database, workdir, run_id)
    env = {**env_base, "DATABASE_URL": db_url}
    credentials = workdir / "credentials.json"
    port = free_port()
    try:
        subprocess.run([sys.executable, "-m", "samhand.cli", "demo", "--setup-only", "--env-file", "", "--port",
                        str(port), "--credentials", str(credentials)], env=env, check=True, stdout=subprocess.DEVNULL)
        keys = json.loads(credentials.read_text())["nodes"][0]["apiKeys"]
        node = Node(env, port=port, web_workers=web_workers, workers=workers, counted=True)
        node.start()
    except BaseException:
        _drop_database(db_url)
        raise
    return [node], [node.url, node.url], [keys, keys], [db_url], lambda: (node.stop(), _drop_database(db_url))


def _two_nodes(database: str, workdir: Path, env_base: dict, workers: int, web_workers: int, run_id: str):
    from .nodes import TwoNodes

    pair = TwoNodes(workdir, database=database, amqp_url=env_base.get("SAMHAND_AMQP_URL") or
                    "amqp://guest:guest@127.0.0.1:5672", workers=workers, web_workers=web_workers,
                    extra_env={k: v for k, v in env_base.items() if k.startswith("SAMHAND_")},
                    worker_idle=None, counted=True)
    pair.setup().start()
    return pair.nodes, pair.urls, pair.keys, pair.db_urls, pair.cleanup


class Sampler(threading.Thread):
    """CPU seconds by process kind and SQL statements, sampled every SAMPLE_SECONDS."""

    def __init__(self, nodes, db_urls: list[str], sql_dir: Path, broker: bool):
        super().__init__(daemon=True)
        self.nodes, self.sql_dir, self.broker = nodes, sql_dir, broker
        self.db_names = [u.rsplit("/", 1)[1] for u in db_urls if u.startswith("postgres")]
        self.ledgers = {k: CpuLedger() for k in ("web", "worker", "postgres", "broker", "load_generator")}
        self.load_pid: int | None = None
        self.samples: list[tuple[float, dict[str, float], int]] = []
        self.stop = threading.Event()
        self.conn = None
        if self.db_names:
            import psycopg

            self.conn = psycopg.connect(dbname="postgres", autocommit=True)

    def _backend_pids(self) -> list[int]:
        if self.conn is None:
            return []
        rows = self.conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", [self.db_names])
        return [r[0] for r in rows]

    def sample(self) -> None:
        pids = {"web": [], "worker": []}
        for node in self.nodes:
            for kind, found in node.pids().items():
                pids[kind] += found
        pids["postgres"] = self._backend_pids()
        pids["broker"] = pids_named("beam.smp") if self.broker else []
        pids["load_generator"] = tree_pids([self.load_pid]) if self.load_pid else []
        cpu = {kind: ledger.observe(pids[kind]) for kind, ledger in self.ledgers.items()}
        sql = sum(read_counts(self.sql_dir).values())
        self.samples.append((time.monotonic(), cpu, sql))

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(SAMPLE_SECONDS)

    def finish(self) -> None:
        self.stop.set()
        self.join(5)
        self.sample()
        if self.conn is not None:
            self.conn.close()

    def at(self, t: float) -> tuple[dict[str, float], float]:
        """CPU by kind and SQL count at time ``t``, interpolated between the samples around it."""
        times = [s[0] for s in self.samples]
        i = bisect.bisect_left(times, t)
        if i <= 0:
            return dict(self.samples[0][1]), float(self.samples[0][2])
        if i >= len(times):
            return dict(self.samples[-1][1]), float(self.samples[-1][2])
        (t0, c0, s0), (t1, c1, s1) = self.samples[i - 1], self.samples[i]
        f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        return {k: c0[k] + f * (c1[k] - c0[k]) for k in c0}, s0 + f * (s1 - s0)


def _window(out: dict) -> tuple[float, float, bool]:
    """The steady-state window (see the module docstring); the whole run when it is too short."""
    done = sorted(out["completed_at"].values())
    if len(done) >= 20:
        lo = done[len(done) // 10]
        hi = min(done[(len(done) * 9) // 10 - 1], out["last_submit"] or done[-1])
        if hi - lo > 0.5 and sum(1 for t in done if lo < t <= hi) >= 10:
            return lo, hi, True
    first = min(out["started_at"].values()) if out["started_at"] else out["started"]
    return first, (done[-1] if done else out["ended"]), False


def run(*, messages: int, concurrency: int, rate: float | None, database: str, transport: str,
        workers: int, web_workers: int, schema_dir: str | None, seconds_per_primitive: float = 1.0,
        submit_threads: int | None = None, linger_ms: int = 50, sql_profile: bool = False,
        submit: str = "batch") -> dict:
    """One run. ``transport`` local: one node hosts everyone; amqp: node 1 hosts UNN and node 2
    the municipalities (each with its own database), and every round trip crosses the broker twice."""
    workdir = Path(tempfile.mkdtemp(prefix="samhand-bench-", dir=REPO_VAR if REPO_VAR.is_dir() else None))
    run_id = f"bench{os.getpid()}_{uuid.uuid4().hex[:6]}"
    sql_dir = workdir / "sql"
    sql_dir.mkdir()
    # Default worker settings (nothing tuned for the benchmark), a queue prefix of this run's own.
    env = {k: v for k, v in os.environ.items() if k != "SAMHAND_WORKER_IDLE_SECONDS"}
    env.update({"SAMHAND_MODE": "demo", "SAMHAND_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "samhand.settings",
                "SAMHAND_AMQP_QUEUE_PREFIX": f"{run_id}.", "SAMHAND_BENCH_SQL_DIR": str(sql_dir)})
    if schema_dir:
        env["SAMHAND_SCHEMA_DIR"] = schema_dir
    if sql_profile:
        env["SAMHAND_BENCH_SQL_PROFILE"] = "1"

    from samhand.simulator.chain import Address

    hospital = [Address(h, "Medisinsk avdeling", "8100000", "UNN HF") for h in ("8100101", "8100201")]
    municipal = [(Address(f"82{m}001", "Sykepleietjeneste", f"82{m}000", "Kommune"),
                  Address(f"82{m}002", "Saksbehandlertjeneste", f"82{m}000", "Kommune")) for m in ("01", "02", "03")]
    prepared = prepare(messages, hospital, municipal)
    bodies = workdir / "bodies.jsonl"
    with bodies.open("w", encoding="utf-8") as f:
        for item in prepared:  # encoded once, before the clock starts
            body = json.dumps({"businessDocument": base64.b64encode(item.xml).decode()})
            f.write(json.dumps({"sender": item.sender, "msgId": item.msg_id, "body": body}) + "\n")
    schemas = SchemaSet(schema_dir)
    limit = primitive_costs(prepared[0].xml, schemas, seconds=seconds_per_primitive)
    cores = os.cpu_count() or 1

    previous_prefix = os.environ.get("SAMHAND_AMQP_QUEUE_PREFIX")
    os.environ["SAMHAND_AMQP_QUEUE_PREFIX"] = env["SAMHAND_AMQP_QUEUE_PREFIX"]  # for draining, in this process
    start_topology = _two_nodes if transport == "amqp" else _single_node
    try:
        nodes, urls, keys, db_urls, stop = start_topology(database, workdir, env, workers, web_workers, run_id)
    finally:
        if previous_prefix is None:
            os.environ.pop("SAMHAND_AMQP_QUEUE_PREFIX", None)
        else:
            os.environ["SAMHAND_AMQP_QUEUE_PREFIX"] = previous_prefix
    config = {"bodies": str(bodies), "sender_url": urls[0], "receiver_url": urls[1],
              "sender_keys": {h.her_id: keys[0][h.her_id] for h in hospital},
              "sender_inbox_key": keys[0][hospital[0].her_id], "sender_her_ids": [h.her_id for h in hospital],
              "receivers": [{"key": keys[1][nursing.her_id], "her_ids": [nursing.her_id]} for nursing, _ in municipal],
              "concurrency": concurrency, "rate": rate,
              "submit": submit, "submit_threads": submit_threads or (
                  2 if submit == "batch" else 32 if rate else min(concurrency, 32)),
              "timeout": max(120.0, messages / 2), "linger_ms": linger_ms}
    (workdir / "load.json").write_text(json.dumps(config))
    try:
        sampler = Sampler(nodes, db_urls, sql_dir, broker=transport == "amqp")
        sampler.start()
        load = subprocess.Popen([sys.executable, "-m", "samhand.bench.loadgen", str(workdir / "load.json"),
                                 str(workdir / "load-out.json")], env=env)
        sampler.load_pid = load.pid
        load.wait()
        sampler.finish()
        if load.returncode != 0:
            raise RuntimeError(f"the load generator failed ({load.returncode})")
        out = json.loads((workdir / "load-out.json").read_text())
    finally:
        stop()
    figures = _figures(out, sampler, limit, cores, config={
        "messages": messages, "concurrency": concurrency, "rate": rate, "database": database,
        "transport": transport, "workers": workers, "web_workers": web_workers, "cores": cores,
        "nodes": len(nodes), "security": "CMS sign+encrypt (always on)", "schemas": bool(schemas.enabled),
        "message_bytes": limit["message_bytes"], "apprec_bytes": limit["apprec_bytes"],
        "amqp_queue_prefix": env["SAMHAND_AMQP_QUEUE_PREFIX"] if transport == "amqp" else None,
        "load": "closed loop" if not rate else "open loop", "submit": submit,
        "submit_threads": config["submit_threads"],
        "linger_ms": linger_ms})
    if sql_profile:
        figures["sql_profile"] = _sql_profile(read_shapes(sql_dir), len(out["completed_at"]))
    return figures


def _sql_profile(shapes: dict[str, dict[str, int]], round_trips: int, top: int = 30) -> dict:
    """Statements by process kind and shape per round trip, over the whole run (ramp-up and drain
    included, unlike the window's figures), the most frequent first."""
    rows = sorted(((n, kind, shape) for kind, by_shape in shapes.items() for shape, n in by_shape.items()),
                  reverse=True)
    per = max(round_trips, 1)
    return {"round_trips": round_trips,
            "by_kind": {kind: round(sum(by_shape.values()) / per, 2) for kind, by_shape in shapes.items()},
            "top": [{"kind": kind, "per_round_trip": round(n / per, 3), "shape": shape}
                    for n, kind, shape in rows[:top]]}


def _figures(out: dict, sampler: Sampler, limit: dict, cores: int, *, config: dict) -> dict:
    lo, hi, steady = _window(out)
    in_window = [m for m, t in out["completed_at"].items() if lo < t <= hi]
    n = len(in_window)
    span = hi - lo
    cpu_lo, sql_lo = sampler.at(lo)
    cpu_hi, sql_hi = sampler.at(hi)
    cpu = {k: cpu_hi[k] - cpu_lo[k] for k in cpu_hi}
    load_cpu = cpu.pop("load_generator")
    node_cpu = sum(cpu.values())
    requests = sum(1 for t in out["requests"] if lo < t <= hi)
    latencies_ms = [(out["completed_at"][m] - out["started_at"][m]) * 1000 for m in in_window]
    achieved = n / span if span > 0 else 0.0
    floor_ms = limit["cpu_us_per_round_trip"] / 1000
    per_rt_ms = node_cpu * 1000 / n if n else None
    limit_rps = cores / (floor_ms / 1000)

    def per(value):
        return round(value / n, 2) if n else None

    return {
        "round_trips": len(out["completed_at"]),
        "completed": out["finished"],
        "window": {"steady_state": steady, "seconds": round(span, 2), "round_trips": n,
                   "note": None if steady else ("no steady state (too few round trips, or every message was "
                                                "submitted before a tenth had completed: overload): whole run")},
        "round_trips_per_s": round(achieved, 1),
        "latency_ms": {"p50": round(_percentile(latencies_ms, 0.50), 1),
                       "p95": round(_percentile(latencies_ms, 0.95), 1),
                       "p99": round(_percentile(latencies_ms, 0.99), 1),
                       "mean": round(statistics.fmean(latencies_ms), 1) if latencies_ms else None},
        "cpu_ms_per_round_trip": round(per_rt_ms, 2) if per_rt_ms else None,
        "cpu_ms_per_round_trip_by_process": {k: per(v * 1000) for k, v in cpu.items()},
        "floor_cpu_ms_per_round_trip": round(floor_ms, 3),
        "load_generator_cpu_ms_per_round_trip": per(load_cpu * 1000),
        "load_generator_cpu_share": round(load_cpu / span, 3) if span > 0 else None,
        "cpu_s_per_round_trip": round(per_rt_ms / 1000, 5) if per_rt_ms else None,
        "sql_statements_per_round_trip": per(sql_hi - sql_lo),
        "http_requests_per_round_trip": per(requests),
        "limit_round_trips_per_s": round(limit_rps, 1),
        "efficiency": round(floor_ms / per_rt_ms, 3) if per_rt_ms else None,
        "throughput_of_limit": round(achieved / limit_rps, 3) if limit_rps else None,
        "primitive_us": limit["us"],
        "primitive_us_per_round_trip": limit["us_per_round_trip"],
        "primitive_cpu_us_per_round_trip": limit["cpu_us_per_round_trip"],
        "negative_apprecs": len(out["negative"]),
        "errors": out["errors"],
        "first_errors": out["first_errors"],
        "config": config,
    }
