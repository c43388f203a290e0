"""Portal personas for the dialogue pages (as in tests/portal), and the browser fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.test import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portal"))

from portalbrowser import browser, page_for  # noqa: E402,F401 - the browser tests' fixtures
from portalpeople import PEOPLE, create_people  # noqa: E402

DIALOGUE_PEOPLE = {**PEOPLE, "unn.sb": ("8100000", "saksbehandler")}


@pytest.fixture
def people(seeded):
    return create_people(DIALOGUE_PEOPLE)


@pytest.fixture
def as_user(people):
    def login(username: str) -> Client:
        client = Client()
        client.force_login(people[username])
        return client
    return login
