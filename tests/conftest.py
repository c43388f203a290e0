"""Shared fixtures: the reference material, the demo directory and the personas.

Personas (architecture §8): a UNN system, a Tromsø municipality system, and an
outsider whose key acts for nobody and must get 403/404 everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db.models.signals import post_migrate

import needs
from apicaller import ApiCaller
from personas import (BALSFJORD_CASE, BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_GERIATRI,
                      UNN_MED_HARSTAD, UNN_MED_TROMSO, UNN_ORTHO_HARSTAD, UNN_SURGERY_TROMSO)

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Commands the tests start never read a developer's .env (written by `make demo`).
os.environ["SAMHAND_ENV_FILE"] = ""


def _heavy(item) -> bool:
    """A module that starts processes, nodes or a browser (a module-scoped fixture, or marked slow)."""
    if item.get_closest_marker("slow") is not None:
        return True
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(d.scope in ("module", "package") for defs in info.name2fixturedefs.values()
                                    for d in defs)


def pytest_collection_modifyitems(config, items):
    # The heavy modules first (a stable sort: each module's own order is kept), so that pytest-xdist
    # does not start a 40-second module on one worker when the other has nothing left to do.
    heavy_modules = {item.module.__name__ for item in items if hasattr(item, "module") and _heavy(item)}
    items.sort(key=lambda item: getattr(getattr(item, "module", None), "__name__", "") not in heavy_modules)
    # The PostgreSQL round (scripts/run_tests.py) runs what touches the database. Tests that drive
    # Chromium run in the SQLite round only: what they add to the view tests (which run on both
    # databases, with the same queries) is the page in a browser — layout, scripts, keyboard —
    # and that does not depend on the database, while they are a fifth of the round's time.
    if os.environ.get("SAMHAND_TEST_DB_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        uses_db = (item.get_closest_marker("django_db") is not None
                   or item.get_closest_marker("postgres") is not None
                   or {"db", "transactional_db"} & fixtures)
        (keep if uses_db and "browser" not in fixtures else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", autouse=True)
def _postgres_reachable():
    """The PostgreSQL round (scripts/run_tests.py) needs its server: skipped outside CI, failed in CI."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres:", "postgresql:", "pgsql:")):
        needs.require_or_skip(needs.postgres_problem(url))


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    return needs.schema_dir()


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return needs.samples_dir()


_KEYS: dict[str, object] = {}


KEY_DIR = REPO / "var" / "test-keys"  # git-ignored; test PKI only


def _key_for(label: str):
    """RSA keys for the test PKI, generated once and kept under var/ for later test processes
    (key generation is the slow part of a demo PKI: some 2 s of CPU per process)."""
    if label not in _KEYS:
        from samhand import cms
        from samhand.cms.demo import key_pem, new_key

        path = KEY_DIR / (label.replace(":", "-") + ".pem")
        try:
            _KEYS[label] = cms.load_private_key(path.read_bytes())
        except (OSError, cms.CmsError):
            key = new_key()
            KEY_DIR.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(key_pem(key))
            partial.chmod(0o600)
            partial.replace(path)  # atomic: a parallel worker reads a whole key or none
            _KEYS[label] = key
    return _KEYS[label]


def _seed_demo(sender, **kwargs):
    """The demo directory, a demo CA with certificates for every hosted party, and the approved
    procedures, in every test database: after its migrations, and again after each flush (a
    transactional test empties the database; Django then sends post_migrate again). Each test runs
    in a transaction on top of this, so it is paid once, not once per test."""
    if sender.label != "directory":
        return
    from samhand.deviations.procedures import seed_procedures
    from samhand.directory import certificates, demo_pki
    from samhand.directory.models import CommunicationParty
    from samhand.directory.seed import seed_demo_directory

    seed_demo_directory()
    demo_pki.provision(CommunicationParty.objects.filter(hosted=True).select_related("organisation"),
                       key_for=_key_for)
    seed_procedures()
    certificates.forget_trust()


post_migrate.connect(_seed_demo, dispatch_uid="tests.seed_demo")


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts without what an earlier test's (rolled-back) database left in the
    process's caches."""
    from samhand.lib import cache

    cache.clear_all()
    yield
    cache.clear_all()


@pytest.fixture(scope="session")
def key_pool():
    return _key_for


@pytest.fixture
def seeded(db):
    """The demo directory with a demo CA and certificates for every hosted party (seeded with the
    test database, see _seed_demo); the organisations, UNN first. The trust anchors and directory
    look-ups cached meanwhile are dropped after each test by _empty_caches."""
    from samhand.directory.models import Organisation

    return list(Organisation.objects.order_by("pk"))


def _caller(client, system: str, her_ids: list[str]) -> ApiCaller:
    from samhand.api.models import ApiClient
    from samhand.directory.models import CommunicationParty

    _api_client, raw = ApiClient.issue(system, CommunicationParty.objects.filter(her_id__in=her_ids))
    return ApiCaller(client, raw, system)


@pytest.fixture
def unn(seeded, client) -> ApiCaller:
    return _caller(client, "DIPS UNN", [UNN_MED_TROMSO, UNN_MED_HARSTAD, UNN_GERIATRI, UNN_SURGERY_TROMSO, UNN_ORTHO_HARSTAD])


@pytest.fixture
def tromso(seeded, client) -> ApiCaller:
    return _caller(client, "Gerica Tromsø", [TROMSO_NURSING, TROMSO_CASE])


@pytest.fixture
def balsfjord(seeded, client) -> ApiCaller:
    return _caller(client, "Profil Balsfjord", [BALSFJORD_NURSING, BALSFJORD_CASE])


@pytest.fixture
def outsider(seeded, client) -> ApiCaller:
    return _caller(client, "Outsider", [])


@pytest.fixture
def work():
    """Run the worker's steps until there is nothing left to do; returns how many items were handled."""
    from samhand.worker import Worker

    def drain(max_rounds: int = 50) -> int:
        worker = Worker(name="test-worker", idle_seconds=0)
        total = 0
        for _ in range(max_rounds):
            found = worker.run_once()
            total += found
            if not found:
                return total
        raise AssertionError("the worker did not run dry")

    return drain
