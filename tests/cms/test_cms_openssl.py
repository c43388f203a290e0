"""Interoperability with the OpenSSL command line, the reference CMS implementation
most partner systems' libraries agree with."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms as a1cms

from _cms_helpers import MSGHEAD
from samhand.cms import CmsError, protect, unprotect
from samhand.cms import demo

from needs import require_or_skip

OPENSSL = shutil.which("openssl")
require_or_skip(None if OPENSSL else "the openssl command line is not installed (apt-get install openssl)",
                module=True)


def _run(*args: str | Path, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run([OPENSSL, *map(str, args)], input=stdin, capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def _write_pki(pki, tmp: Path) -> dict[str, Path]:
    files = {
        "ca": demo.cert_pem(pki.ca.cert),
        "alice": demo.cert_pem(pki.alice_sign.cert),
        "alice_key": demo.key_pem(pki.alice_sign.key),
        "bob": demo.cert_pem(pki.bob_enc.cert),
        "bob_key": demo.key_pem(pki.bob_enc.key),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp / f"{name}.pem"
        paths[name].write_bytes(data)
    return paths


def test_openssl_opens_and_verifies_what_we_protect(pki, tmp_path):
    p = _write_pki(pki, tmp_path)
    (tmp_path / "msg.p7m").write_bytes(protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert))
    _run("cms", "-decrypt", "-binary", "-inform", "DER", "-in", tmp_path / "msg.p7m",
         "-recip", p["bob"], "-inkey", p["bob_key"], "-out", tmp_path / "inner.der")
    # -purpose any: our signing certificate has no S/MIME extended key usage,
    # like the national enterprise certificates; OpenSSL's default purpose
    # (smimesign) would reject it for that reason alone.
    _run("cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "inner.der",
         "-CAfile", p["ca"], "-purpose", "any", "-out", tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == MSGHEAD

    printed = _run("cms", "-cmsout", "-print", "-inform", "DER", "-in", tmp_path / "msg.p7m").decode()
    assert "aes-256-cbc" in printed
    printed = _run("cms", "-cmsout", "-print", "-inform", "DER", "-in", tmp_path / "inner.der").decode()
    assert "pkcs7-signedData" in printed and "sha256" in printed


@pytest.mark.parametrize(
    "sign_opts, encrypt_opts, rid, key_transport",
    [
        pytest.param([], [], "issuer_and_serial_number", "rsaes_pkcs1v15", id="plain"),
        pytest.param(["-stream"], [], "issuer_and_serial_number", "rsaes_pkcs1v15", id="ber-indefinite-length"),
        pytest.param(["-noattr"], [], "issuer_and_serial_number", "rsaes_pkcs1v15", id="no-signed-attributes"),
        pytest.param([], ["-keyid"], "subject_key_identifier", "rsaes_pkcs1v15", id="recipient-by-ski"),
        pytest.param(["-keyid"], ["-keyopt", "rsa_padding_mode:oaep"], "issuer_and_serial_number", "rsaes_oaep",
                     id="signer-by-ski-and-rsa-oaep"),
    ],
)
def test_we_open_what_openssl_protects(pki, tmp_path, sign_opts, encrypt_opts, rid, key_transport):
    p = _write_pki(pki, tmp_path)
    signed = _run("cms", "-sign", "-binary", "-nodetach", "-md", "sha256", *sign_opts,
                  "-signer", p["alice"], "-inkey", p["alice_key"], "-outform", "DER", stdin=MSGHEAD)
    # -keyopt applies to the preceding -recip, so options go after it
    enveloped = _run("cms", "-encrypt", "-aes256", "-binary", "-outform", "DER",
                     "-recip", p["bob"], *encrypt_opts, stdin=signed)
    ktri = a1cms.ContentInfo.load(enveloped)["content"]["recipient_infos"][0].chosen
    assert (ktri["rid"].name, ktri["key_encryption_algorithm"]["algorithm"].native) == (rid, key_transport)

    result = unprotect(enveloped, [pki.bob_enc], expected_signer=pki.alice_sign.cert,
                       trusted_cas=[pki.ca.cert], crls=[demo.make_crl(pki.ca, [])])
    assert result.content == MSGHEAD
    assert result.signer == pki.alice_sign.cert


def test_openssl_sha1_signature_is_rejected(pki, tmp_path):
    p = _write_pki(pki, tmp_path)
    signed = _run("cms", "-sign", "-binary", "-nodetach", "-md", "sha1",
                  "-signer", p["alice"], "-inkey", p["alice_key"], "-outform", "DER", stdin=MSGHEAD)
    enveloped = _run("cms", "-encrypt", "-aes256", "-binary", "-outform", "DER", p["bob"], stdin=signed)
    with pytest.raises(CmsError) as err:
        unprotect(enveloped, [pki.bob_enc], expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01"


def test_openssl_message_to_another_recipient_is_s99(pki, tmp_path):
    p = _write_pki(pki, tmp_path)
    (tmp_path / "carol.pem").write_bytes(demo.cert_pem(pki.carol_enc.cert))
    signed = _run("cms", "-sign", "-binary", "-nodetach", "-md", "sha256",
                  "-signer", p["alice"], "-inkey", p["alice_key"], "-outform", "DER", stdin=MSGHEAD)
    enveloped = _run("cms", "-encrypt", "-aes256", "-binary", "-outform", "DER", tmp_path / "carol.pem",
                     stdin=signed)
    with pytest.raises(CmsError) as err:
        unprotect(enveloped, [pki.bob_enc, pki.bob_enc_old], expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S99"
