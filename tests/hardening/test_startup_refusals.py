"""Production fails closed at start-up: each refusal is seen by starting the process with
that setting (manage.py check, the WSGI entry point gunicorn loads, `samhand doctor`)."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest

from samhand.security.reporting import CredentialMaskingFilter

pytestmark = pytest.mark.slow  # starts processes: scheduled first (tests/conftest.py)


@pytest.fixture
def production_env(tmp_path, schema_dir):
    return {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "samhand.settings",
        "SAMHAND_MODE": "production",
        "SAMHAND_SECRET_KEY": secrets.token_urlsafe(60),
        "SAMHAND_ALLOWED_HOSTS": "samhand.example.no",
        "SAMHAND_KEY_SECRET": secrets.token_urlsafe(32),
        "SAMHAND_SCHEMA_DIR": str(schema_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'node.sqlite3'}",
        "SAMHAND_ALLOW_SQLITE": "1",
        "SAMHAND_PUBLIC_URL": "https://samhand.example.no",
        "SAMHAND_DATA_DIR": str(tmp_path),
    }


def _run(env, *args):
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120)


def test_deploy_check_is_clean_in_production(production_env):
    result = _run(production_env, "-m", "django", "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr and "?: (" not in result.stderr


def _without(env, name):
    return {k: v for k, v in env.items() if k != name}


REFUSALS = {
    "debug": (lambda env: {**env, "SAMHAND_DEBUG": "1"}, "samhand.E101"),
    "no schema dir": (lambda env: _without(env, "SAMHAND_SCHEMA_DIR"), "samhand.E102"),
    "misspelt schema dir": (lambda env: {**env, "SAMHAND_SCHEMA_DIR": env["SAMHAND_SCHEMA_DIR"] + "-typo"},
                            "samhand.E102"),
    "no key secret": (lambda env: _without(env, "SAMHAND_KEY_SECRET"), "samhand.E103"),
    "sqlite": (lambda env: _without(env, "SAMHAND_ALLOW_SQLITE"), "samhand.E104"),
    "http public url": (lambda env: {**env, "SAMHAND_PUBLIC_URL": "http://samhand.example.no"}, "samhand.E105"),
    "default public url": (lambda env: _without(env, "SAMHAND_PUBLIC_URL"), "samhand.E105"),
    "bad proxy list": (lambda env: {**env, "SAMHAND_TRUSTED_PROXIES": "10.0.0.0/33"}, "samhand.E106"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_stops_the_management_commands(production_env, case):
    change, code = REFUSALS[case]
    result = _run(change(production_env), "-m", "django", "check")
    assert result.returncode != 0 and code in result.stderr, (result.stdout, result.stderr)


@pytest.mark.parametrize("case", ["debug", "no key secret", "sqlite"])
def test_the_wsgi_entry_point_refuses_to_start(production_env, case):
    change, code = REFUSALS[case]
    result = _run(change(production_env), "-c", "import samhand.wsgi")
    assert result.returncode != 0 and "refusing to start" in result.stderr and code in result.stderr


def test_the_wsgi_entry_point_starts_when_nothing_is_wrong(production_env):
    result = _run(production_env, "-c", "import samhand.wsgi")
    assert result.returncode == 0, result.stderr


def test_doctor_and_the_worker_refuse_too(production_env):
    env = _without(production_env, "SAMHAND_KEY_SECRET")
    for command in ("doctor", "worker"):
        result = _run(env, "-c", f"from samhand.cli import main; main(['{command}'])")
        assert result.returncode != 0 and "samhand.E103" in result.stderr, (command, result.stderr)


def test_the_debug_page_masks_urls_with_credentials(settings):
    settings.SAMHAND_AMQP_URL = "amqp://samhand:hemmelig@broker.example.no:5672"
    settings.SOME_UPSTREAM = "https://user:pw@upstream.example.no/x"
    settings.DATABASE_URL = "postgres://samhand:pgpass@db/samhand"
    settings.PUBLIC_URL = "https://samhand.example.no"
    safe = CredentialMaskingFilter().get_safe_settings()
    assert "hemmelig" not in str(safe) and "pgpass" not in str(safe) and ":pw@" not in str(safe)
    assert safe["PUBLIC_URL"] == "https://samhand.example.no"  # a URL without credentials stays readable
    from django.conf import settings as live

    assert live.DEFAULT_EXCEPTION_REPORTER_FILTER == "samhand.security.reporting.CredentialMaskingFilter"


def test_the_sqlite_file_is_private(production_env, tmp_path):
    code = ("import os, stat, django; os.umask(0o022); django.setup()\n"
            "from django.db import connection\n"
            "with connection.cursor() as c: c.execute('create table t (x int)')\n"
            "print(oct(stat.S_IMODE(os.stat(connection.settings_dict['NAME']).st_mode)))")
    result = _run(production_env, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0o600"
    assert oct((tmp_path / "node.sqlite3").stat().st_mode & 0o777) == "0o600"
