"""One size limit (raw request, base64, XML) answered as problem details 413 / T99; a document
under the limit is never refused for size by the XML parser; `samhand validate` checks the
size before reading; refusals are stored without the message's field values."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest
from django.core.management import call_command
from lxml import etree

from msgfactory import readdress, sample_path
from personas import TROMSO_NURSING, UNN_MED_TROMSO
from samhand.exchange.models import Message, NodeEvent
from samhand.kith.redact import redact_values

DIALOG = "dialogmelding/Helsefaglig dialog.xml"


def _with_attachment(size: int) -> bytes:
    """The Helsefaglig dialog sample with its free-text note grown to make the document ``size`` bytes."""
    xml = readdress(sample_path(DIALOG).read_bytes(), sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    root = etree.fromstring(xml)
    note = max((el for el in root.iter() if isinstance(el.tag, str) and len(el) == 0 and (el.text or "").strip()),
               key=lambda el: len(el.text))
    note.text = ""
    missing = size - len(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    note.text = (base64.b64encode(os.urandom(missing * 3 // 4 + 3)).decode()[:missing]).replace("+", " ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("megabytes", [7.5, 10.1])
def test_a_document_under_the_limit_is_never_refused_for_size(unn, megabytes):
    xml = _with_attachment(int(megabytes * 1_000_000))
    assert len(xml) < 10 * 1024 * 1024
    # 10.1 MB of base64 in one text node is past libxml2's own 10 MB text limit.
    response = unn.send(xml)
    assert response.status_code == 202, response.content[:500]
    assert Message.objects.filter(pk=response.json()["id"]).exists()


def test_over_the_limit_is_413_t99_at_every_layer(unn, settings):
    settings.SAMHAND_MAX_MESSAGE_BYTES = 200_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000 * 4 // 3 + 64 * 1024
    # The decoded document over the limit (the request itself is within the body limit).
    response = unn.send(_with_attachment(210_000))
    assert (response.status_code, response.json()["code"]) == (413, "T99")
    # The raw request over the limit: refused before it is read, as problem details, not Django's HTML 400.
    big = {"businessDocument": "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    response = unn.client.post("/api/v1/messages", json.dumps(big), content_type="application/json",
                               **unn._headers())
    assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "T99"
    # A body without a Content-Length header that Django refuses while reading: the same answer.
    from django.core.exceptions import RequestDataTooBig
    from django.test import RequestFactory

    from samhand.api.middleware import ApiBodyLimitMiddleware

    middleware = ApiBodyLimitMiddleware(lambda request: None)
    answer = middleware.process_exception(RequestFactory().post("/api/v1/messages"), RequestDataTooBig("x"))
    assert answer.status_code == 413 and json.loads(answer.content)["code"] == "T99"
    assert middleware.process_exception(RequestFactory().post("/logg-inn/"), RequestDataTooBig("x")) is None


def test_validate_checks_the_size_before_reading(tmp_path, settings, capsys, monkeypatch):
    from pathlib import Path

    settings.SAMHAND_MAX_MESSAGE_BYTES = 1024
    big = tmp_path / "big.xml"
    big.write_bytes(b"<a>" + b"x" * 5000 + b"</a>")

    def no_reading(*args, **kwargs):
        raise AssertionError("an oversized file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(SystemExit):
        call_command("validate", str(big))
    assert "T99 5007 bytes exceeds the limit of 1024" in capsys.readouterr().out


# --- refusal details without field values ------------------------------------------------------

def test_redaction_keeps_code_path_and_rule():
    text = ("line 12: Element '{http://www.kith.no/xmlstds/msghead/2006-05-24}GenDate': 'Kari Nordmann' is not a "
            "valid value of the atomic type 'xs:dateTime'.; line 40: Element '{urn:x}Id': [facet 'pattern'] The "
            "value '01017012345' is not accepted by the pattern '[0-9]{11}'.; MsgInfo/MsgId 'Ola' is not a UUID; "
            "patient 12345678901 unknown")
    redacted = redact_values(text)
    for secret in ("Kari", "01017012345", "Ola", "12345678901"):
        assert secret not in redacted
    for kept in ("line 12", "GenDate", "xs:dateTime", "facet 'pattern'", "pattern '[0-9]{11}'", "MsgInfo/MsgId"):
        assert kept in redacted


def test_a_refused_message_leaves_no_field_values_in_node_events(unn):
    xml = readdress(sample_path("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
                    if sample_path("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").is_file() else b"",
                    sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    root = etree.fromstring(xml)
    root.find(".//{*}MsgInfo/{*}GenDate").text = "Kari Nordmann 01017012345"
    response = unn.send(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert response.status_code == 422 and response.json()["code"] == "T02"
    assert "Kari Nordmann" in response.json()["detail"]  # the sender is told what it sent
    event = NodeEvent.objects.get(code="T02")
    assert "GenDate" in event.detail and re.search(r"line \d+", event.detail)
    assert "Kari" not in event.detail and "01017012345" not in event.detail
