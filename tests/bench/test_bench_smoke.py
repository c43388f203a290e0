"""A short run of `samhand bench` produces well-formed figures (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samhand.bench.counted import shape_of


REPO = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow  # starts processes: scheduled first (tests/conftest.py)
def test_bench_smoke_run_prints_the_figures():
    env = {**os.environ, "SAMHAND_MODE": "demo", "DJANGO_SETTINGS_MODULE": "samhand.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "samhand.cli", "bench", "--messages", "6", "--concurrency", "2",
                             "--seconds", "0.05", "--web-workers", "1", "--sql-profile"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert figures["round_trips"] == 6 and figures["completed"] is True and figures["errors"] == 0
    for key in ("round_trips_per_s", "cpu_s_per_round_trip", "cpu_ms_per_round_trip", "floor_cpu_ms_per_round_trip",
                "limit_round_trips_per_s", "efficiency", "sql_statements_per_round_trip",
                "http_requests_per_round_trip"):
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, key
    # The load generator is sampled from /proc every quarter second: a run this short may end, and
    # the process with it, between two samples (a real run lasts seconds).
    assert figures["load_generator_cpu_ms_per_round_trip"] >= 0
    latency = figures["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
    assert set(figures["primitive_us"]) == {"validate_message", "validate_apprec", "protect_message",
                                            "unprotect_message", "protect_apprec", "unprotect_apprec"}
    # The floor is CPU time of the primitives; efficiency is floor ÷ all-in CPU (both per round trip).
    assert abs(figures["floor_cpu_ms_per_round_trip"] - figures["primitive_cpu_us_per_round_trip"] / 1000) < 0.01
    assert figures["efficiency"] == round(figures["floor_cpu_ms_per_round_trip"] / figures["cpu_ms_per_round_trip"], 3)
    by_process = figures["cpu_ms_per_round_trip_by_process"]
    assert set(by_process) == {"web", "worker", "postgres", "broker"}
    assert by_process["web"] > 0 and by_process["worker"] > 0
    assert by_process["postgres"] == 0 and by_process["broker"] == 0  # SQLite, local transport
    assert abs(sum(by_process.values()) - figures["cpu_ms_per_round_trip"]) < 0.1
    # The batch API: far fewer than the five requests per message of the one-at-a-time workflow.
    assert figures["http_requests_per_round_trip"] < 5
    assert figures["window"]["round_trips"] == 6 and figures["window"]["steady_state"] is False
    assert figures["config"]["database"] == "sqlite" and figures["config"]["transport"] == "local"
    assert figures["config"]["load"] == "closed loop"
    assert 15_000 < figures["config"]["message_bytes"] < 25_000  # the size of the official samples
    # --sql-profile: statements by shape, from the processes that sent them.
    profile = figures["sql_profile"]
    assert profile["round_trips"] == 6 and profile["by_kind"]["web"] > 0 and profile["by_kind"]["worker"] > 0
    inserts = [row for row in profile["top"] if row["shape"].startswith('INSERT INTO "exchange_message" (')]
    assert inserts and {row["kind"] for row in inserts} == {"web"}
    # A message and its AppRec are two rows; the submits are batches (POST /messages/batch), so a
    # statement may hold several messages: at most two statements per round trip, never more.
    assert 0 < sum(row["per_round_trip"] for row in inserts) <= 2
    assert figures["config"]["submit"] == "batch"


def test_statement_shapes_fold_values_and_lists():
    sql = "SELECT a FROM t WHERE id IN (%s, %s,%s) AND x = 'it''s' LIMIT 21"
    assert shape_of(sql) == "SELECT a FROM t WHERE id IN (%s…) AND x = '…' LIMIT N"
    assert shape_of('SELECT "t"."id", "t"."a" AS "a" FROM "t"') == 'SELECT … FROM "t"'
    assert shape_of("INSERT INTO t (a, b)\n VALUES (%s, %s), (%s, %s)") == "INSERT INTO t (a, b) VALUES (%s…)…"
