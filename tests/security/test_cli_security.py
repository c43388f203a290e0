"""`samhand certs` and `samhand cms`, and interoperability with the openssl command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from samhand.cms import demo as cms_demo
from samhand.directory.models import Certificate

from msgfactory import readdress
from personas import BALSFJORD_NURSING, TROMSO_NURSING, UNN_MED_TROMSO

REPO = Path(__file__).resolve().parent.parent.parent


def openssl(*args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=True).stdout


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def keys(tmp_path, key_pool, demo_ca):
    """PEM files of the demo certificates and keys the test needs."""
    def cert(her_id, usage):
        return Certificate.objects.get(party__her_id=her_id, usage=usage, status="current").pem.encode()

    return {
        "ca": write(tmp_path / "ca.pem", cms_demo.cert_pem(demo_ca.cert)),
        "unn_sign": write(tmp_path / "unn-sign.pem", cert(UNN_MED_TROMSO, "signing")),
        "unn_sign_key": write(tmp_path / "unn-sign.key", cms_demo.key_pem(key_pool(f"{UNN_MED_TROMSO}:signing"))),
        "tromso_enc": write(tmp_path / "tromso-enc.pem", cert(TROMSO_NURSING, "encryption")),
        "tromso_enc_key": write(tmp_path / "tromso-enc.key",
                                cms_demo.key_pem(key_pool(f"{TROMSO_NURSING}:encryption"))),
    }


def test_samhand_cms_protect_is_accepted_by_openssl(seeded, tmp_path, keys):
    xml = readdress("Innleggelsesrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    src, out = write(tmp_path / "in.xml", xml), str(tmp_path / "out.p7m")
    call_command("cms", "protect", "--sender", UNN_MED_TROMSO, "--receiver", TROMSO_NURSING, src, out)
    signed = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", out, "-recip", keys["tromso_enc"],
                     "-inkey", keys["tromso_enc_key"], "-outform", "DER")
    content = openssl("cms", "-verify", "-binary", "-inform", "DER", "-CAfile", keys["ca"], "-purpose", "any",
                      stdin=signed)
    assert content == xml


def test_openssl_sign_then_encrypt_is_accepted_by_samhand_cms(seeded, tmp_path, keys):
    xml = readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    signed = openssl("cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-signer", keys["unn_sign"],
                     "-inkey", keys["unn_sign_key"], "-outform", "DER", stdin=xml)
    wire = openssl("cms", "-encrypt", "-binary", "-aes256", "-inform", "DER", "-outform", "DER",
                   keys["tromso_enc"], stdin=signed)
    src, out = write(tmp_path / "wire.p7m", wire), tmp_path / "plain.xml"
    call_command("cms", "unprotect", "--receiver", TROMSO_NURSING, src, str(out))
    assert out.read_bytes() == xml
    call_command("cms", "unprotect", "--receiver", TROMSO_NURSING, "--sender", UNN_MED_TROMSO, src, str(out))
    assert out.read_bytes() == xml


def test_unprotect_with_the_wrong_expected_sender_fails_with_s01(seeded, tmp_path, capsys):
    xml = readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    src, wire = write(tmp_path / "in.xml", xml), str(tmp_path / "wire.p7m")
    call_command("cms", "protect", "--sender", UNN_MED_TROMSO, "--receiver", TROMSO_NURSING, src, wire)
    with pytest.raises(SystemExit) as exit_info:
        call_command("cms", "unprotect", "--receiver", TROMSO_NURSING, "--sender", BALSFJORD_NURSING, wire,
                     str(tmp_path / "out"))
    assert exit_info.value.code != 0
    assert capsys.readouterr().err.startswith("S01")
    with pytest.raises(SystemExit):
        call_command("cms", "unprotect", "--receiver", BALSFJORD_NURSING, wire, str(tmp_path / "out"))
    assert capsys.readouterr().err.startswith("S99")


def test_certs_import_export_and_rollover(seeded, tmp_path, demo_ca, key_pool, capsys):
    sign = cms_demo.issue(demo_ca, "Balsfjord ny", usage="signing", her_id=BALSFJORD_NURSING,
                          key=key_pool("bals-new-sign"))
    enc = cms_demo.issue(demo_ca, "Balsfjord ny", usage="encryption", her_id=BALSFJORD_NURSING,
                         key=key_pool("bals-new-enc"))
    call_command("certs", "import", "--her-id", BALSFJORD_NURSING,
                 "--signing", write(tmp_path / "s.pem", cms_demo.cert_pem(sign.cert)),
                 "--signing-key", write(tmp_path / "s.key", cms_demo.key_pem(sign.key)),
                 "--encryption", write(tmp_path / "e.pem", cms_demo.cert_pem(enc.cert)),
                 "--encryption-key", write(tmp_path / "e.key", cms_demo.key_pem(enc.key)))
    assert "with private key (sealed)" in capsys.readouterr().out
    call_command("certs", "export", "--her-id", BALSFJORD_NURSING, "--usage", "encryption")
    assert capsys.readouterr().out.strip() == cms_demo.cert_pem(enc.cert).decode().strip()
    rows = Certificate.objects.filter(party__her_id=BALSFJORD_NURSING)
    assert {(c.usage, c.status) for c in rows} == {("signing", "current"), ("signing", "retired"),
                                                   ("encryption", "current"), ("encryption", "previous")}
    stored = rows.get(usage="encryption", status="current")
    assert b"PRIVATE KEY-----" in bytes(stored.sealed_key) and b"ENCRYPTED" in bytes(stored.sealed_key)


def test_expiry_warning_reaches_meldingsansvarlig_once(seeded, demo_ca, key_pool, mailoutbox):
    from datetime import datetime, timedelta, timezone

    from samhand.directory import certificates
    from samhand.directory.expiry import expiry_warning_step
    from samhand.directory.models import CommunicationParty

    soon = cms_demo.issue(demo_ca, "Snart utløpt", usage="signing", her_id=TROMSO_NURSING,
                          valid_from=datetime.now(timezone.utc) - timedelta(days=700), valid_days=710,
                          key=key_pool("tromso-soon"))
    certificates.install(CommunicationParty.objects.get(her_id=TROMSO_NURSING), "signing", soon.cert, soon.key)
    assert expiry_warning_step("w1", force=True) == 1
    assert expiry_warning_step("w2", force=True) == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["meldingsansvarlig@tromso.kommune.example.no"]
    assert TROMSO_NURSING in mailoutbox[0].subject


def test_no_private_key_or_secret_is_tracked_in_git():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in tracked:
        path = REPO / name
        if path.is_file() and path.suffix not in {".png"}:
            text = path.read_bytes()
            if b"-----BEGIN" + b" PRIVATE KEY" in text or b"-----BEGIN" + b" RSA PRIVATE KEY" in text \
                    or b"-----BEGIN" + b" ENCRYPTED PRIVATE KEY" in text or path.suffix in {".p12", ".pfx", ".key"}:
                offenders.append(name)
    assert offenders == []
