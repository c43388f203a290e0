"""The rule for what the suite needs from outside: skip with the reason outside CI, fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

PROBE = '''
import needs

needs.require_or_skip("the thing is not installed", module=True)

def test_uses_the_thing():
    assert True
'''
PARAMS = '''
import pytest
import needs

@pytest.mark.parametrize("path", needs.params_or_skip([], "samples not found"))
def test_each_sample(path):
    assert path is not None
'''


def run_pytest(tmp_path: Path, source: str, ci: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe.py").write_text(source)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(TESTS)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:django",
                           "-p", "no:xdist", "-rs", str(tmp_path / "test_probe.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("source", [PROBE, PARAMS], ids=["module", "parametrize"])
def test_outside_ci_a_missing_need_skips_with_its_reason(tmp_path, source):
    result = run_pytest(tmp_path, source, ci="")
    assert result.returncode in (0, 5), result.stdout  # 5: the whole module skipped, nothing ran
    assert "1 skipped" in result.stdout and "not" in result.stdout.split("SKIPPED", 1)[1]


@pytest.mark.parametrize("source", [PROBE, PARAMS], ids=["module", "parametrize"])
def test_in_ci_a_missing_need_fails(tmp_path, source):
    result = run_pytest(tmp_path, source, ci="true")
    assert result.returncode != 0, result.stdout
    assert "required in CI" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]
