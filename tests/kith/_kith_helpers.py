"""Paths of the shared KITH reference material and sample lists for parametrisation."""

from __future__ import annotations

from pathlib import Path

from needs import params_or_skip, samples_problem

REPO = Path(__file__).resolve().parents[2]
SHARED_KITH = REPO.parent / "shared" / "kith"
SAMPLES_DIR = SHARED_KITH / "samples"
MSGHEAD_NS = "http://www.kith.no/xmlstds/msghead/2006-05-24"


def all_samples() -> list[Path]:
    """Every official sample message (none when the samples are not there)."""
    return sorted(SAMPLES_DIR.rglob("*.xml")) if SAMPLES_DIR.is_dir() else []


def sample_files() -> list:
    """Every official sample message, for parametrize (skipped or failed when missing, never empty)."""
    return params_or_skip(all_samples(), samples_problem())


def msghead_sample_files() -> list:
    return params_or_skip([path for path in all_samples() if MSGHEAD_NS.encode() in path.read_bytes()[:2000]],
                          samples_problem())


def sample_id(path: Path | None) -> str:
    return "missing" if path is None else f"{path.parent.name}/{path.stem}"
