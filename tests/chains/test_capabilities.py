"""Capabilities per message type and version (S13): recorded per party, imported from a CPP,
checked before sending, and the newest common version told to the EPR."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samhand.chains.cpp import CppError, parse_cpp
from samhand.chains.models import ChainVersion, Episode
from samhand.directory.models import MessageType
from samhand.directory.models import Capability, CommunicationParty
from samhand.exchange.models import Message, NodeEvent
from samhand.simulator import documents as docs

from chainfactory import INNLAGT, RAPPORT, UTSKREVET, plo, send, wrap
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.usefixtures("chains")
CPP_DIR = Path(__file__).resolve().parents[3] / "shared" / "kith" / "cpp"
DATA = Path(__file__).resolve().parent / "data"


def capabilities(caller, her_id, **params) -> dict:
    response = caller.get(f"/parties/{her_id}/capabilities", **params)
    assert response.status_code == 200, response.content
    return response.json()


def refused(response, reason: str) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "T10" and reason in body["detail"], body
    return body


def test_demo_parties_have_capabilities_per_message_type():
    unn = CommunicationParty.objects.get(her_id=UNN_MED_TROMSO)
    sends = {(c.msg_type, c.version) for c in unn.capabilities.filter(direction="send", family="PLO")}
    assert ("LOG_INNLAGT", "1.6") in sends and ("LOG_UTSKREVET", "1.5") in sends
    assert {c.msg_type for c in unn.capabilities.filter(direction="receive", family="PLO")} == {"INNLEGGELSESRAPPORT"}
    dialog = unn.capabilities.filter(family="Dialogmelding", msg_type="")
    assert {(c.direction, c.version) for c in dialog} == {("send", "1.0"), ("send", "1.1"), ("receive", "1.0"),
                                                          ("receive", "1.1")}
    assert unn.accepts("PLO", "1.6", "INNLEGGELSESRAPPORT") and not unn.accepts("PLO", "1.6", "LOG_INNLAGT")
    assert unn.accepts("PLO", "1.6")  # family and version only: the old question still has an answer


def test_the_newest_version_both_sides_support(unn):
    body = capabilities(unn, TROMSO_NURSING, senderHerId=UNN_MED_TROMSO)
    assert body["herId"] == TROMSO_NURSING and body["recordedReceive"] is True
    common = {c["type"]: c for c in body["common"]}
    assert common["LOG_INNLAGT"]["version"] == "1.6" and common["LOG_INNLAGT"]["senderHerId"] == UNN_MED_TROMSO
    assert common["LOG_INNLAGT"]["namespace"] == "http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01"
    assert common["LOG_INNLAGT"]["appRecVersion"] == "1.1" and common["LOG_INNLAGT"]["status"] == "in_use"
    assert common["DIALOG_HELSEFAGLIG"]["version"] == "1.1" and common["DIALOG_FORESPORSEL"]["version"] == "1.1"
    assert "INNLEGGELSESRAPPORT" not in common  # the hospital does not send it
    receives = {r["type"]: r["versions"] for r in body["receives"]}
    assert receives["LOG_INNLAGT"] == ["1.5", "1.6"]
    every_sender = capabilities(unn, TROMSO_NURSING)["common"]
    assert len({c["senderHerId"] for c in every_sender}) == 5  # each party of the key


def test_the_municipality_asks_about_the_hospital(tromso):
    body = capabilities(tromso, UNN_MED_TROMSO, senderHerId=TROMSO_NURSING)
    assert {c["type"] for c in body["common"] if c["family"] == "PLO"} == {"INNLEGGELSESRAPPORT"}
    assert {r["type"] for r in body["receives"] if r["family"] == "PLO"} == {"INNLEGGELSESRAPPORT"}


def test_capabilities_are_for_callers_with_parties(unn, outsider, client):
    assert unn.get("/parties/9999999/capabilities").status_code == 404
    assert outsider.get(f"/parties/{TROMSO_NURSING}/capabilities").status_code == 403
    assert unn.get(f"/parties/{TROMSO_NURSING}/capabilities", senderHerId=TROMSO_CASE).status_code == 403
    assert client.get(f"/api/v1/parties/{TROMSO_NURSING}/capabilities").status_code == 401


def test_a_receiver_without_the_capability_is_refused_before_sending(tromso):
    before = Message.objects.count()
    body = refused(tromso.send(plo(INNLAGT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO)),
                   "Medisinsk avdeling, UNN Tromsø (8100101) does not take LOG_INNLAGT in PLO 1.6; "
                   "it takes no LOG_INNLAGT")
    assert body["status"] == 422
    assert Message.objects.count() == before
    assert NodeEvent.objects.filter(kind="refused", code="T10").exists()
    ok = tromso.send(plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO))
    assert ok.status_code == 202, ok.content


def test_a_version_the_receiver_lacks_names_the_versions_it_takes(unn):
    Capability.objects.filter(party__her_id=TROMSO_NURSING, direction="receive", msg_type="LOG_UTSKREVET",
                              version="1.6").delete()
    refused(unn.send(plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)),
            "does not take LOG_UTSKREVET in PLO 1.6; it takes LOG_UTSKREVET in PLO 1.5")
    assert unn.send(plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)).status_code == 202
    common = {c["type"]: c["version"] for c in capabilities(unn, TROMSO_NURSING, senderHerId=UNN_MED_TROMSO)["common"]}
    assert common["LOG_UTSKREVET"] == "1.5" and common["LOG_INNLAGT"] == "1.6"


def test_a_party_with_nothing_recorded_takes_what_the_node_supports(unn):
    Capability.objects.filter(party__her_id=BALSFJORD_NURSING).delete()
    assert unn.send(plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=BALSFJORD_NURSING)).status_code == 202
    body = capabilities(unn, BALSFJORD_NURSING, senderHerId=UNN_MED_TROMSO)
    assert body["recordedReceive"] is False and body["recordedSend"] is False
    assert {c["type"]: c["version"] for c in body["common"]}["LOG_INNLAGT"] == "1.6"


def test_a_retired_version_is_refused_and_never_offered(unn):
    call_command("types", "import", str(DATA / "retire-plo-1.5.xml"))
    v15 = docs.log_innlagt_v15(docs.make_ctx(random.Random(3)))
    xml = wrap(v15.element, v15.msg_type, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    refused(unn.send(xml), "LOG_INNLAGT in PLO 1.5 is retired since 2024-06-01")
    Capability.objects.filter(party__her_id=TROMSO_NURSING, msg_type="LOG_INNLAGT", version="1.6").delete()
    common = {c["type"] for c in capabilities(unn, TROMSO_NURSING, senderHerId=UNN_MED_TROMSO)["common"]}
    assert "LOG_INNLAGT" not in common  # 1.5 is the only one left in common, and it is retired


def test_parse_the_official_cpp_examples():
    profile = parse_cpp((CPP_DIR / "CPP_93252.xml").read_bytes())
    assert profile.her_id == "93252" and profile.party_name == "Testlege Testlege"
    caps = profile.capabilities()
    assert ("receive", "Dialogmelding", "1.1", "DIALOG_INNBYGGER_DIGITALBRUKER") in caps
    assert ("send", "AppRec", "1.1", "APPREC") in caps
    assert {v for _d, _f, v, _t in caps} == {"1.1"}
    assert parse_cpp((CPP_DIR / "CPP_93238.xml").read_bytes()).her_id == "93238"
    with pytest.raises(CppError, match="not a CPP"):
        parse_cpp((CPP_DIR / "CommunicationDetails_93238.xml").read_bytes())


def test_import_a_cpp_for_a_party(unn, capsys):
    call_command("cpp", "import", str(CPP_DIR / "CPP_93252.xml"), "--her-id", BALSFJORD_NURSING)
    out = capsys.readouterr().out
    assert f"{BALSFJORD_NURSING} Sykepleietjeneste" in out and "DIALOG_INNBYGGER_TIMERESERVASJON" in out
    caps = Capability.objects.filter(party__her_id=BALSFJORD_NURSING)
    assert not caps.filter(family="PLO").exists()  # the CPP replaced the demo profile
    refused(unn.send(plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=BALSFJORD_NURSING)),
            "does not take LOG_INNLAGT in PLO 1.6; it takes no LOG_INNLAGT")
    body = capabilities(unn, BALSFJORD_NURSING, senderHerId=UNN_MED_TROMSO)
    assert "DIALOG_INNBYGGER_EKONTAKT" in {r["type"] for r in body["receives"]}


def test_a_cpp_for_a_party_not_in_the_directory_is_refused():
    with pytest.raises(CommandError, match="93252 is not in the directory"):
        call_command("cpp", "import", str(CPP_DIR / "CPP_93252.xml"))


def test_the_admin_shows_types_chain_versions_and_episodes(admin_client, unn, tromso, work):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    party = CommunicationParty.objects.get(her_id=TROMSO_NURSING)
    for path in ("/admin/directory/messagetype/", f"/admin/directory/messagetype/{MessageType.objects.first().pk}/change/",
                 "/admin/chains/chainversion/", f"/admin/chains/chainversion/{ChainVersion.objects.get().pk}/change/",
                 "/admin/chains/episode/", f"/admin/chains/episode/{Episode.objects.get().pk}/change/",
                 f"/admin/directory/communicationparty/{party.pk}/change/"):
        assert admin_client.get(path).status_code == 200, path
    assert admin_client.get("/admin/chains/chainversion/add/").status_code == 403
