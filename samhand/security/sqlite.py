"""The SQLite database file (and its WAL/SHM companions) readable by the node's user only."""

from __future__ import annotations

import os
import stat

from django.db.backends.signals import connection_created

_done: set[str] = set()


def _restrict(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name.startswith(":memory:") or "mode=memory" in name or name in _done:
        return
    for path in (name, name + "-wal", name + "-shm"):
        try:
            if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            continue
    _done.add(name)


def install() -> None:
    connection_created.connect(_restrict, dispatch_uid="samhand.security.sqlite_0600")
