"""The node's one SchemaSet, built from SAMHAND_SCHEMA_DIR on first use."""

from __future__ import annotations

import threading

from django.conf import settings

from samhand.kith import SchemaSet

_lock = threading.Lock()
_instance: SchemaSet | None = None


def schema_set() -> SchemaSet:
    """One SchemaSet per process, so each schema is compiled once (threads share it)."""
    global _instance
    with _lock:
        if _instance is None:
            _instance = SchemaSet(settings.SAMHAND_SCHEMA_DIR)
        return _instance
