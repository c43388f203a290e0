"""Fixtures for samhand.kith: the official schema set and sample messages (read-only, outside the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _kith_helpers import SAMPLES_DIR, SHARED_KITH

from samhand.kith import SchemaSet


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    configured = os.environ.get("SAMHAND_SCHEMA_DIR")
    path = Path(configured) if configured else SHARED_KITH / "schemas"
    if not path.is_dir():
        pytest.skip(f"KITH schema set not found at {path} (set SAMHAND_SCHEMA_DIR)")
    return path


@pytest.fixture(scope="session")
def schemas(schema_dir: Path) -> SchemaSet:
    """One SchemaSet for the session, so each combined schema is compiled once."""
    return SchemaSet(schema_dir)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"KITH sample messages not found at {SAMPLES_DIR}")
    return SAMPLES_DIR


@pytest.fixture
def plo_sample(samples_dir: Path) -> bytes:
    return (samples_dir / "plo-1.6" / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
