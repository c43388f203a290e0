"""Issue 16 §3: every read of patient content or identifying data goes through the door and
writes exactly one access-log row, with its purpose."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from msgfactory import with_patient_id
from personas import TROMSO_NURSING, UNN_MED_TROMSO
from samhand.access import log
from samhand.access.models import AccessLog

from accesspeople import PATIENT, UTSKRIVNING


class Rows:
    """The access-log rows written inside the block."""

    def __enter__(self):
        self.before = AccessLog.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        self.rows = list(AccessLog.objects.filter(seq__gt=self.before).order_by("seq"))
        assert log.verify().ok

    def one(self, purpose: str) -> AccessLog:
        assert len(self.rows) == 1, [(r.kind, r.purpose) for r in self.rows]
        assert self.rows[0].purpose == purpose
        assert self.rows[0].patient_id == PATIENT
        return self.rows[0]


def test_api_content_read(ward, tromso):
    summary = ward["UTSKRIVNINGSRAPPORT"]
    with Rows() as rows:
        response = tromso.get(f"/messages/{summary.pk}/business-document")
    assert response.status_code == 404  # the receiver reads by its delivery id
    assert rows.rows == []
    delivery = summary.deliveries.get(her_id=TROMSO_NURSING)
    with Rows() as rows:
        assert tromso.get(f"/messages/{delivery.pk}/business-document").status_code == 200
    row = rows.one("epr-fetch")
    assert (row.actor_kind, row.actor, row.message_id) == ("api-client", "Gerica Tromsø", summary.pk)


def test_portal_content_page_and_search(ward, as_user):
    summary = ward["UTSKRIVNINGSRAPPORT"]
    client = as_user("tromso.sb")
    with Rows() as rows:
        assert client.get(f"/meldinger/{summary.pk}/innhold/").status_code == 200
    rows.one("portal-view")
    with Rows() as rows:
        page = client.get(f"/meldinger/{summary.pk}/")
    assert page.status_code == 200 and PATIENT in page.content.decode()
    assert rows.one("portal-message").kind == "read"
    with Rows() as rows:
        found = client.get("/sok/", {"q": PATIENT}, follow=True)
    assert found.status_code == 200 and str(summary.pk) in found.content.decode()
    row = rows.one("portal-search")
    assert row.kind == "search" and str(summary.pk) in row.documents


def test_the_operator_sees_no_identity_number_and_writes_no_row(ward, as_user):
    summary = ward["UTSKRIVNINGSRAPPORT"]
    with Rows() as rows:
        page = as_user("unn.drift").get(f"/meldinger/{summary.pk}/")
    assert page.status_code == 200 and PATIENT not in page.content.decode()
    assert rows.rows == []


def test_episode_list_and_page(ward, tromso, as_user):
    with Rows() as rows:
        listed = tromso.get("/episodes")
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert rows.one("episode-list").kind == "list"
    episode_id = listed.json()[0]["id"]
    with Rows() as rows:
        assert tromso.get(f"/episodes/{episode_id}").status_code == 200
    rows.one("episode-timeline")
    with Rows() as rows:
        page = as_user("tromso.sb").get("/forlop/")
    assert page.status_code == 200 and PATIENT in page.content.decode()
    assert rows.one("portal-episodes").documents == [f"episode:{episode_id}"]


def test_manual_routine_pdf(ward, unn, as_user, work):
    xml = with_patient_id(UTSKRIVNING, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id=PATIENT)
    message_id = unn.send(xml).json()["id"]
    work()  # delivered, not answered: a candidate for the manual routine
    with Rows() as rows:
        response = as_user("unn.ma").post(f"/meldinger/{message_id}/manuell-rutine.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert str(rows.one("manual-routine").message_id) == message_id


def test_cms_unprotect(ward, tmp_path):
    summary = ward["UTSKRIVNINGSRAPPORT"]
    wire = tmp_path / "wire.p7m"
    wire.write_bytes(bytes(summary.content.payload))
    with Rows() as rows:
        call_command("cms", "unprotect", "--receiver", TROMSO_NURSING, str(wire), str(tmp_path / "out.xml"))
    assert PATIENT.encode() in (tmp_path / "out.xml").read_bytes()
    row = rows.one("cli-unprotect")
    assert (row.actor_kind, row.message_id, row.organisation_her_id) == ("cli", summary.pk, TROMSO_NURSING)


@pytest.mark.parametrize("path", ["/api/v1/messages", "/meldinger/"])
def test_lists_without_identity_numbers_write_nothing(ward, tromso, as_user, path):
    with Rows() as rows:
        if path.startswith("/api"):
            assert tromso.get("/messages", receiverHerIds=TROMSO_NURSING).status_code == 200
        else:
            body = as_user("tromso.sb").get(path).content.decode()
            assert PATIENT not in body  # masked in the list
    assert rows.rows == []


def test_exchange_does_not_import_access():
    """Access sits above exchange: the exchange package must not import it."""
    import pathlib

    import samhand.exchange

    root = pathlib.Path(samhand.exchange.__file__).parent
    offenders = [str(p) for p in root.rglob("*.py") if "samhand.access" in p.read_text() or "from ..access" in p.read_text()]
    assert offenders == []
    assert not (root / "access.py").exists()


def test_only_the_door_opens_patient_content():
    """Outside the pure cms library and the exchange pipeline (which decrypts on arrival, as
    transport), only samhand/access/door.py decrypts or unseals. The benchmark decrypts its own
    synthetic messages."""
    import pathlib
    import re

    import samhand

    root = pathlib.Path(samhand.__file__).parent
    opening = re.compile(r"open_protected\(|open_stored\(|\.decrypt\(|unseal\(|decryption_pairs\(")
    allowed = {"access/door.py"}
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("cms/", "exchange/", "bench/", "directory/")) or rel in allowed:
            continue
        if opening.search(path.read_text()):
            offenders.append(rel)
    assert offenders == []
