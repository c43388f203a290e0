"""Paths of the shared KITH reference material and sample lists for parametrisation."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_KITH = REPO.parent / "shared" / "kith"
SAMPLES_DIR = SHARED_KITH / "samples"
MSGHEAD_NS = "http://www.kith.no/xmlstds/msghead/2006-05-24"


def sample_files() -> list[Path]:
    """Every official sample message."""
    return sorted(SAMPLES_DIR.rglob("*.xml")) if SAMPLES_DIR.is_dir() else []


def msghead_sample_files() -> list[Path]:
    return [path for path in sample_files() if MSGHEAD_NS.encode() in path.read_bytes()[:2000]]


def sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"
