"""`samhand user create --username U --password-stdin --org ORGNR --role ROLE`, as an operator runs it."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from samhand.directory.models import Organisation


def _user(*args, stdin: str = "", monkeypatch=None) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def test_create_a_user_who_can_log_in(seeded, monkeypatch):
    tromso = Organisation.objects.get(her_id="8201000")
    out = _user("create", "--username", "kari.nordmann", "--password-stdin", "--org", tromso.org_number,
                "--role", "saksbehandler", stdin="et-langt-og-godt-passord\n", monkeypatch=monkeypatch)
    assert "kari.nordmann" in out and "Tromsø kommune" in out
    user = get_user_model().objects.get(username="kari.nordmann")
    assert (user.membership.organisation, user.membership.role) == (tromso, "saksbehandler")
    client = Client()
    response = client.post("/logg-inn/", {"username": "kari.nordmann", "password": "et-langt-og-godt-passord"})
    assert response.status_code == 302
    assert "kari.nordmann" in _user("list", monkeypatch=monkeypatch)


@pytest.mark.parametrize(("args", "stdin", "why"), [
    (["--org", "999999999", "--role", "saksbehandler"], "et-langt-og-godt-passord\n", "no organisation"),
    (["--org", "{tromso}", "--role", "saksbehandler"], "kort\n", "too short"),
    (["--org", "{tromso}", "--role", "saksbehandler"], "\n", "no password"),
])
def test_refused(seeded, monkeypatch, args, stdin, why):
    tromso = Organisation.objects.get(her_id="8201000").org_number
    args = [a.format(tromso=tromso) for a in args]
    with pytest.raises(CommandError):
        _user("create", "--username", "ola", "--password-stdin", *args, stdin=stdin, monkeypatch=monkeypatch)
    assert not get_user_model().objects.filter(username="ola").exists(), why


def test_duplicate_and_unknown_role(seeded, monkeypatch):
    tromso = Organisation.objects.get(her_id="8201000").org_number
    args = ["create", "--username", "ola", "--password-stdin", "--org", tromso, "--role", "meldingsansvarlig"]
    _user(*args, stdin="et-langt-og-godt-passord\n", monkeypatch=monkeypatch)
    with pytest.raises(CommandError, match="exists"):
        _user(*args[:-1], "saksbehandler", stdin="et-langt-og-godt-passord\n", monkeypatch=monkeypatch)
    with pytest.raises(CommandError):
        _user(*args[:-1], "sjef", stdin="et-langt-og-godt-passord\n", monkeypatch=monkeypatch)


def test_disable_and_set_password(seeded, monkeypatch):
    tromso = Organisation.objects.get(her_id="8201000").org_number
    _user("create", "--username", "ola", "--password-stdin", "--org", tromso, "--role", "saksbehandler",
          stdin="et-langt-og-godt-passord\n", monkeypatch=monkeypatch)
    _user("set-password", "--username", "ola", "--password-stdin", stdin="et-nytt-og-bedre-passord\n",
          monkeypatch=monkeypatch)
    assert Client().post("/logg-inn/", {"username": "ola", "password": "et-nytt-og-bedre-passord"}).status_code == 302
    _user("disable", "--username", "ola", monkeypatch=monkeypatch)
    assert Client().post("/logg-inn/", {"username": "ola", "password": "et-nytt-og-bedre-passord"}).status_code == 200
