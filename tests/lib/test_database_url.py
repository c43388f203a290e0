"""DATABASE_URL → Django's DATABASES entry: PostgreSQL binds values server-side and prepares the
hot path's statements, unless the URL says otherwise (a transaction-mode pooler)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from samhand.lib.env import parse_database_url

BASE = Path("/srv/samhand")


def test_postgres_binds_server_side_and_prepares_by_default():
    db = parse_database_url("postgres://app:secret@db:5433/samhand?sslmode=require", base_dir=BASE)
    assert (db["ENGINE"], db["NAME"], db["HOST"], db["PORT"]) == ("django.db.backends.postgresql", "samhand", "db",
                                                                    "5433")
    assert db["OPTIONS"] == {"sslmode": "require", "server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize(("query", "options"), [
    ("server_side_binding=false", {"server_side_binding": False, "prepare_threshold": None}),
    ("prepare_threshold=1", {"server_side_binding": True, "prepare_threshold": 1}),
    ("prepare_threshold=none", {"server_side_binding": True, "prepare_threshold": None}),
])
def test_the_url_can_turn_binding_and_preparing_off(query, options):
    assert parse_database_url(f"postgres:///samhand?{query}", base_dir=BASE)["OPTIONS"] == options


@pytest.mark.parametrize("query", ["server_side_binding=maybe", "prepare_threshold=soon"])
def test_a_wrong_binding_setting_fails_closed(query):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(f"postgres:///samhand?{query}", base_dir=BASE)


def test_sqlite_has_no_binding_options():
    db = parse_database_url("sqlite:///var/x.sqlite3", base_dir=BASE)
    assert "server_side_binding" not in db["OPTIONS"]
