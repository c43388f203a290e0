"""Portal personas for the dialogue pages (as in tests/portal), and the browser fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.test import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portal"))

from portalbrowser import browser, page_for  # noqa: E402,F401 - the browser tests' fixtures
from portalpeople import PASSWORD, PEOPLE  # noqa: E402

DIALOGUE_PEOPLE = {**PEOPLE, "unn.sb": ("8100000", "saksbehandler")}


@pytest.fixture
def people(seeded):
    from django.contrib.auth import get_user_model

    from samhand.accounts.models import Membership
    from samhand.directory.models import Organisation

    users = {}
    model = get_user_model()
    for username, (her_id, role) in DIALOGUE_PEOPLE.items():
        user = model.objects.create_user(username=username, password=PASSWORD)
        Membership.objects.create(user=user, organisation=Organisation.objects.get(her_id=her_id), role=role)
        users[username] = user
    users["outsider"] = model.objects.create_user(username="outsider", password=PASSWORD)
    return users


@pytest.fixture
def as_user(people):
    def login(username: str) -> Client:
        client = Client()
        client.force_login(people[username])
        return client
    return login
