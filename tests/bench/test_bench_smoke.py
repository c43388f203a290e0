"""A short run of `samhand bench` produces well-formed figures (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def test_bench_smoke_run_prints_the_figures():
    env = {**os.environ, "SAMHAND_MODE": "demo", "DJANGO_SETTINGS_MODULE": "samhand.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "samhand.cli", "bench", "--messages", "6", "--concurrency", "2",
                             "--seconds", "0.05"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert figures["round_trips"] == 6 and figures["completed"] is True and figures["errors"] == 0
    for key in ("round_trips_per_s", "cpu_s_per_round_trip", "limit_round_trips_per_s", "efficiency"):
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, key
    latency = figures["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
    assert set(figures["primitive_us"]) == {"validate_message", "validate_apprec", "protect_message",
                                            "unprotect_message", "protect_apprec", "unprotect_apprec"}
    assert figures["config"]["database"] == "sqlite" and figures["config"]["transport"] == "local"
    assert 15_000 < figures["config"]["message_bytes"] < 25_000  # the size of the official samples
