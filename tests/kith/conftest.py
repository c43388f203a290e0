"""Fixtures for samhand.kith: the official schema set compiled once (schema_dir and samples_dir come
from tests/conftest.py, read-only, outside the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from samhand.kith import SchemaSet


@pytest.fixture(scope="session")
def schemas(schema_dir: Path) -> SchemaSet:
    """One SchemaSet for the session, so each combined schema is compiled once."""
    return SchemaSet(schema_dir)


@pytest.fixture
def plo_sample(samples_dir: Path) -> bytes:
    return (samples_dir / "plo-1.6" / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
