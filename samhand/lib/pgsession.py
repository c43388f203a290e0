"""A PostgreSQL connection of a thread's or process's own, outside Django's connection handling:
for a session that must outlive Django's connection recycling (a LISTEN, an advisory lock)."""

from __future__ import annotations

from django.db import connection


def session_params() -> dict:
    """Django's connection parameters for ``psycopg.connect``, without the options only Django's
    own cursor wrapper understands."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return params
