"""New procedures and versions are data (S6, S13): a chain version approved while episodes are
open, and a new message version (PLO 2.0 LOG_TILBAKEMELDING) taken into use end to end."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from samhand import kith
from samhand.chains.definitions import ChainError, import_chain, in_force, read_chain_file
from samhand.chains.models import ChainVersion, Episode, EpisodeStep
from samhand.chains.worker import deadline_step

from chainfactory import HELSEOPPL, INNLAGT, RAPPORT, UTSKRIVNINGSKLAR, plo, send, wrap
from personas import TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.usefixtures("chains")
DATA = Path(__file__).resolve().parent / "data"
V2 = DATA / "plo-chain-v2.json"
CPPA = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"


@pytest.fixture
def plo20(chains):
    """The registry knows PLO 2.0 (chain version 2 uses LOG_TILBAKEMELDING)."""
    call_command("types", "import", str(DATA / "plo-2.0-types.json"))


def test_the_seeded_chain_is_version_1_approved_by_ssu(chains):
    assert chains.number == 1 and chains.status == ChainVersion.Status.APPROVED
    assert chains.approved_by.startswith("SSU") and chains.approved_on.isoformat() == "2023-06-01"
    assert chains.decision_reference.startswith("Retningslinje 7") and "SSU-sak" in chains.decision_reference
    assert [s.key for s in chains.steps.order_by("position")] == [
        "innlagt", "innleggelsesrapport", "helseopplysninger", "utskrivningsklar", "tilbakemelding", "avmelding",
        "utskrivningsrapport", "utskrevet", "epikrise"]
    assert in_force() == [chains]


def test_seeding_again_changes_nothing(chains):
    from samhand.chains.seed import seed_standard_chain

    assert seed_standard_chain().pk == chains.pk
    assert ChainVersion.objects.count() == 1 and chains.steps.count() == 9


def test_an_approved_version_is_never_changed(plo20):
    data = read_chain_file(V2.read_bytes())
    data["version"] = 1
    with pytest.raises(ChainError, match="version 1 is approved and cannot change; import the change as version 2"):
        import_chain(data)


def test_a_draft_never_applies(chains, plo20):
    data = read_chain_file(V2.read_bytes())
    del data["approval"]
    version, _ = import_chain(data)
    assert version.status == ChainVersion.Status.DRAFT and in_force() == [chains]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["steps"][0].update(types=["NO_SUCH_TYPE"]), "not in the registry"),
    (lambda d: d["steps"][0].update({"from": "pharmacy"}), "'from' must be one of"),
    (lambda d: d["steps"][7].update(trigger="utskrivningsrapport"), "its triggers form a cycle"),
    (lambda d: d["steps"][1].update(deadline="tomorrow"), "ISO 8601 duration"),
    (lambda d: d["approval"].pop("reference"), "'reference' is required"),
])
def test_a_chain_file_is_checked(plo20, change, message):
    data = read_chain_file(V2.read_bytes())
    change(data)
    with pytest.raises(ChainError, match=message):
        import_chain(data)


def test_a_new_chain_version_while_episodes_are_open(unn, tromso, work, clock, capsys):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=0), work)
    call_command("types", "import", str(DATA / "plo-2.0-types.json"))
    call_command("chain", "import", str(V2))
    assert "imported plo-innleggelse-utskrivning version 2 (approved, 9 steps)" in capsys.readouterr().out
    clock.advance(minutes=1)
    started = clock.now
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=1), work)

    old, new = Episode.objects.order_by("started_at")
    assert (old.chain_version.number, new.chain_version.number) == (1, 2)
    rapport = {e.episode_id: e for e in EpisodeStep.objects.filter(step__key="innleggelsesrapport")}
    assert rapport[old.pk].due_at - old.started_at == timedelta(hours=24)
    assert rapport[new.pk].due_at == started + timedelta(hours=12)

    clock.advance(hours=13)
    assert deadline_step("test") == 1  # the new episode's 12-hour deadline only
    rapport = {e.episode_id: e.state for e in EpisodeStep.objects.filter(step__key="innleggelsesrapport")}
    assert rapport == {old.pk: "expected", new.pk: "overdue"}

    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, who=0), work)
    old.refresh_from_db()
    assert old.chain_version.number == 1  # an episode keeps the version it began under

    call_command("chain", "show")
    out = capsys.readouterr().out
    assert "version 2, approved by SSU" in out and "SSU-sak 31/2024" in out
    assert "innleggelsesrapport" in out and "12 t" in out
    assert "v2: approved" in out and "v1: approved" in out
    call_command("chain", "import", str(V2))
    assert "already present, unchanged" in capsys.readouterr().out


def test_chain_show_json_is_the_import_format(chains, capsys):
    call_command("chain", "show", "--json")
    shown = json.loads(capsys.readouterr().out)
    assert shown[0]["version"] == 1 and shown[0]["approval"]["approvedOn"] == "2023-06-01"
    assert {s["key"]: s["deadline"] for s in shown[0]["steps"]}["innleggelsesrapport"] == "PT86400S"


def _cpp(her_id: str, name: str, roles: list[tuple[str, str, str, str]]) -> bytes:
    """A minimal CPP: (process, role, CanSend|CanReceive, action@package) per binding."""
    t = f"{{{CPPA}}}"
    root = etree.Element(t + "CollaborationProtocolProfile", nsmap={"tns": CPPA})
    info = etree.SubElement(root, t + "PartyInfo", {t + "partyName": name})
    etree.SubElement(info, t + "PartyId", {t + "type": "HER"}).text = her_id
    for process, role, can, binding in roles:
        action, package = binding.split("@")
        cr = etree.SubElement(info, t + "CollaborationRole")
        etree.SubElement(cr, t + "ProcessSpecification", {t + "name": process, t + "version": "1.0"})
        etree.SubElement(cr, t + "Role", {t + "name": role})
        sb = etree.SubElement(cr, t + "ServiceBinding")
        etree.SubElement(sb, t + "Service").text = f"S-{action}"
        etree.SubElement(etree.SubElement(sb, t + can), t + "ThisPartyActionBinding",
                         {t + "action": action, t + "packageId": package})
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _tilbakemelding_2_0(status: str = "N") -> etree._Element:
    p1 = "http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30"
    po = "http://ehelse.no/xmlstds/po/poKomponent/2017-11-30"
    doc = etree.Element(f"{{{p1}}}Pasientlogistikk", nsmap={"p1": p1, None: po})
    info = etree.SubElement(etree.SubElement(doc, f"{{{po}}}FellesAdministrativeOpplysninger"),
                            f"{{{po}}}InformasjonOmForsendelsen")
    etree.SubElement(info, f"{{{po}}}Forsendelsesstatus", V=status, DN="Ny")
    event = etree.SubElement(etree.SubElement(doc, f"{{{p1}}}TilbakemeldingUtskrivningsklarPasient"),
                             f"{{{po}}}TidsfestetHendelse")
    etree.SubElement(event, f"{{{po}}}BeskrivelseAvHendelse").text = "Kommunen kan ta imot pasienten i morgen"
    etree.SubElement(event, f"{{{po}}}TidspunktForHendelse").text = "2025-03-05T12:00:00"
    etree.SubElement(event, f"{{{po}}}Anslag").text = "false"
    return doc


def test_a_new_message_version_taken_into_use_as_data(unn, tromso, work, clock, tmp_path, capsys):
    feedback = _tilbakemelding_2_0()
    # Before: the hospital has not said it takes LOG_TILBAKEMELDING, so it is stopped at the sender.
    before = tromso.send(wrap(feedback, "LOG_TILBAKEMELDING", sender=TROMSO_CASE, receiver=UNN_MED_TROMSO))
    assert before.status_code == 422 and before.json()["code"] == "T10"

    # The data changes: the registry gets PLO 2.0, SSU approves chain version 2, and the two
    # parties' systems announce support in their CPPs.
    call_command("types", "import", str(DATA / "plo-2.0-types.json"))
    call_command("chain", "import", str(V2))
    hospital = _cpp(UNN_MED_TROMSO, "Medisinsk avdeling", [
        ("PLO", "LOG_INNLAGTsender", "CanSend", "LOG_INNLAGT@package_plo_v1p6"),
        ("PLO", "HELSEOPPL_SOKNADsender", "CanSend", "HELSEOPPL_SOKNAD@package_plo_v1p6"),
        ("PLO", "LOG_UTSKRIVNINGSKLARsender", "CanSend", "LOG_UTSKRIVNINGSKLAR@package_plo_v1p6"),
        ("PLO", "LOG_TILBAKEMELDINGreceiver", "CanReceive", "LOG_TILBAKEMELDING@package_plo_v2p0"),
        ("PLO", "LOG_TILBAKEMELDINGreceiver", "CanSend", "APPREC@package_apprec_v1p1"),
    ])
    municipality = _cpp(TROMSO_CASE, "Saksbehandlertjeneste", [
        ("PLO", "LOG_TILBAKEMELDINGsender", "CanSend", "LOG_TILBAKEMELDING@package_plo_v2p0"),
        ("PLO", "LOG_UTSKRIVNINGSKLARreceiver", "CanReceive", "LOG_UTSKRIVNINGSKLAR@package_plo_v1p6"),
        ("PLO", "HELSEOPPL_SOKNADreceiver", "CanReceive", "HELSEOPPL_SOKNAD@package_plo_v1p6"),
        ("PLO", "LOG_TILBAKEMELDINGsender", "CanReceive", "APPREC@package_apprec_v1p1"),
    ])
    for name, cpp in (("unn.xml", hospital), ("tromso.xml", municipality)):
        (tmp_path / name).write_bytes(cpp)
        call_command("cpp", "import", str(tmp_path / name))
    capsys.readouterr()

    common = unn.get(f"/parties/{UNN_MED_TROMSO}/capabilities", senderHerId=UNN_MED_TROMSO)
    assert common.status_code == 200
    offered = tromso.get(f"/parties/{UNN_MED_TROMSO}/capabilities", senderHerId=TROMSO_CASE).json()["common"]
    assert [(c["type"], c["version"], c["status"], c["appRecVersion"]) for c in offered] == [
        ("LOG_TILBAKEMELDING", "2.0", "introducing", "1.1")]

    # And the chain: admission, notice, ready for discharge, and the PLO 2.0 feedback on it.
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    klar = send(unn, tromso, plo(UTSKRIVNINGSKLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    clock.advance(hours=1)
    xml = wrap(feedback, "LOG_TILBAKEMELDING", sender=TROMSO_CASE, receiver=UNN_MED_TROMSO, parent=klar,
               dn="Tilbakemelding på utskrivningsklar pasient")
    send(tromso, unn, xml, work)

    apprec_entry = [e for e in tromso.inbox(TROMSO_CASE) if e["isAppRec"]][-1]
    apprec = kith.parse_apprec(kith.parse_xml(tromso.document(apprec_entry["id"])))
    assert apprec.version == "1.1" and apprec.status == "1"
    episode = unn.get("/episodes", state="all").json()[0]
    assert episode["chainVersion"] == 2
    last = episode["messages"][-1]
    assert (last["type"], last["step"], last["appRecStatus"], last["flags"]) == (
        "LOG_TILBAKEMELDING", "tilbakemelding", "1", [])
    assert {s["step"]: s["state"] for s in unn.get(f"/episodes/{episode['id']}").json()["steps"]}[
        "tilbakemelding"] == "done"


def test_types_commands(chains, capsys, tmp_path):
    call_command("types", "import", str(DATA / "plo-2.0-types.json"))
    out = capsys.readouterr().out
    assert "1 new type(s), 2 new version(s), 0 updated" in out and "new version: LOG_TILBAKEMELDING 2.0" in out
    call_command("types", "import", str(DATA / "plo-2.0-types.json"))
    assert "0 new type(s), 0 new version(s), 2 updated" in capsys.readouterr().out
    call_command("types", "list")
    out = capsys.readouterr().out
    assert "LOG_TILBAKEMELDING" in out and "2.0 (under innføring)" in out and "1.6 (i bruk)" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"types": [{"code": "X", "family": "PLO", "name": "X", "versions": [{"version": "1"}]}]}')
    with pytest.raises(CommandError, match="'namespace' is required"):
        call_command("types", "import", str(bad))
    bad.write_text("not data")
    with pytest.raises(CommandError, match="not JSON or XML"):
        call_command("types", "import", str(bad))
