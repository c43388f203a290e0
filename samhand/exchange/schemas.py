"""The node's one SchemaSet, built from SAMHAND_SCHEMA_DIR on first use."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from samhand.kith import SchemaSet


@lru_cache(maxsize=1)
def schema_set() -> SchemaSet:
    return SchemaSet(settings.SAMHAND_SCHEMA_DIR)
