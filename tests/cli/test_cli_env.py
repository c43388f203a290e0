"""The command line where operators type it: `.venv/bin/samhand …` after `make demo`, in a shell
with none of samhand's variables set; configuration errors as one line; `samhand help`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from personas import TROMSO_NURSING, UNN_MED_TROMSO

SAMHAND = Path(sys.executable).with_name("samhand")
# A shell in which nobody exported anything for samhand.
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if not k.startswith(("SAMHAND_", "DJANGO_", "PYTEST_")) and k not in ("DATABASE_URL", "PORT")}


def samhand(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    if not SAMHAND.exists():
        pytest.fail(f"the console script is not installed next to the interpreter: {SAMHAND}")
    return subprocess.run([str(SAMHAND), *args], cwd=cwd, env={**CLEAN_ENV, **(env or {})},
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    """What `make demo` leaves behind: a set-up node and the .env that points at it."""
    where = tmp_path_factory.mktemp("demo")
    result = samhand("demo", "--setup-only", "--port", "8124", "--credentials", str(where / "creds.json"),
                     cwd=where, env={"SAMHAND_DATA_DIR": str(where / "var")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (where / ".env").is_file()
    return where


def test_demo_setup_writes_credentials_that_work(demo_dir):
    creds = demo_dir / "creds.json"
    node = json.loads(creds.read_text())["nodes"][0]
    assert node["url"] == "http://127.0.0.1:8124"
    assert TROMSO_NURSING in node["apiKeys"] and UNN_MED_TROMSO in node["apiKeys"]
    roles = {login["role"] for login in node["logins"]}
    assert {"meldingsansvarlig", "saksbehandler", "operator", "administrator"} <= roles
    assert all(set(login) == {"username", "password", "organisation", "role"} for login in node["logins"])
    assert oct(creds.stat().st_mode & 0o777) == "0o600"


def test_demo_writes_an_env_file_the_commands_read(demo_dir):
    text = (demo_dir / ".env").read_text()
    assert text.startswith("# Written by `samhand demo`")
    assert "SAMHAND_MODE=demo" in text and "SAMHAND_PUBLIC_URL=http://127.0.0.1:8124" in text
    assert f"DATABASE_URL=sqlite:///{demo_dir / 'var'}" in text
    assert oct((demo_dir / ".env").stat().st_mode & 0o777) == "0o600"


def test_doctor_and_parties_work_after_the_demo(demo_dir):
    doctor = samhand("doctor", cwd=demo_dir)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "all checks passed" in doctor.stdout and "Traceback" not in doctor.stderr
    parties = samhand("parties", "--json", cwd=demo_dir / "var")  # .env is found from a subdirectory too
    assert parties.returncode == 0, parties.stderr
    assert TROMSO_NURSING in parties.stdout


def test_apikey_works_after_the_demo(demo_dir):
    result = samhand("apikey", "create", "--system", "Gerica test", "--her-ids", TROMSO_NURSING, cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()[-1]) >= 32


def test_the_environment_wins_over_the_env_file(demo_dir, tmp_path):
    result = samhand("doctor", cwd=demo_dir, env={"SAMHAND_WORKER_BATCH": "many"})
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == ("samhand: configuration error: "
                                             "SAMHAND_WORKER_BATCH must be an integer, not 'many'")


def test_the_demo_leaves_an_operators_own_env_file_alone(tmp_path):
    own = tmp_path / ".env"
    own.write_text("SAMHAND_MODE=production\n")
    from samhand.lib.dotenv import write_demo_env

    assert write_demo_env(own, {"SAMHAND_MODE": "demo"}) is False
    assert own.read_text() == "SAMHAND_MODE=production\n"


def test_a_missing_secret_is_one_clear_line_not_a_traceback(tmp_path):
    result = samhand("doctor", cwd=tmp_path)  # no .env, production mode by default
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("samhand: configuration error: SAMHAND_SECRET_KEY must be set")
    assert len(result.stderr.splitlines()) <= 2


def test_help_lists_samhands_own_commands_one_line_each(tmp_path):
    result = samhand("help", cwd=tmp_path, env={"SAMHAND_DATA_DIR": str(tmp_path / "var")})
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    for name in ("demo", "worker", "doctor", "bench", "parties", "apikey", "send", "validate", "migrate"):
        assert name in lines, result.stdout
        assert len(lines[name].split()) > 3, lines[name]  # a description, not a bare name
    assert "dumpdata" not in lines and "[auth]" not in result.stdout
    worker = samhand("help", "worker", cwd=tmp_path, env={"SAMHAND_DATA_DIR": str(tmp_path / "var")})
    assert worker.returncode == 0 and "usage: samhand worker" in worker.stdout
