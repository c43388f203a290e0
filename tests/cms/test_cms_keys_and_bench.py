"""Loaders, the at-rest keystore, the benchmark, and the package's boundaries."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from _cms_helpers import MSGHEAD
from samhand.cms import (CmsError, KeyPair, load_certificate, load_pkcs12, load_private_key, protect, sign,
                         unprotect, verify)
from samhand.cms import demo
from samhand.cms.bench import run_crypto_bench
from samhand.cms.keystore import clear_cache, open_private_key, seal_private_key


def test_cms_error_format():
    err = CmsError("S02", "certificate expired")
    assert str(err) == "S02: certificate expired"
    assert (err.code, err.text) == ("S02", "certificate expired")
    with pytest.raises(ValueError):
        CmsError("X99", "not a signature code")


def test_load_certificate_pem_and_der(pki):
    pem = demo.cert_pem(pki.alice_sign.cert)
    der = pki.alice_sign.cert.public_bytes(serialization.Encoding.DER)
    assert load_certificate(pem) == load_certificate(der) == pki.alice_sign.cert
    with pytest.raises(CmsError) as err:
        load_certificate(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    assert err.value.code == "S99"
    with pytest.raises(CmsError):
        load_certificate(der[:100])


def test_load_private_key_with_and_without_password(pki):
    key = pki.alice_sign.key
    assert load_private_key(demo.key_pem(key)).private_numbers() == key.private_numbers()
    locked = demo.key_pem(key, b"hemmelig")
    assert load_private_key(locked, b"hemmelig").private_numbers() == key.private_numbers()
    with pytest.raises(CmsError):
        load_private_key(locked, b"feil")
    with pytest.raises(CmsError):
        load_private_key(b"garbage")


def test_load_pkcs12(pki):
    p12 = pkcs12.serialize_key_and_certificates(
        b"unn", pki.alice_sign.key, pki.alice_sign.cert, [pki.ca.cert],
        serialization.BestAvailableEncryption(b"pw"))
    pair = load_pkcs12(p12, b"pw")
    assert pair.cert == pki.alice_sign.cert
    assert verify(sign(MSGHEAD, pair), expected_signer=pki.alice_sign.cert).content == MSGHEAD
    with pytest.raises(CmsError):
        load_pkcs12(p12, b"wrong")
    only_cert = pkcs12.serialize_key_and_certificates(b"x", None, pki.alice_sign.cert, None,
                                                      serialization.NoEncryption())
    with pytest.raises(CmsError):
        load_pkcs12(only_cert, None)


def test_keypair_refuses_mismatched_key(pki):
    with pytest.raises(ValueError):
        KeyPair(pki.alice_sign.cert, pki.bob_enc.key)


def test_demo_puts_her_id_in_ou(pki):
    assert demo.her_id_of(pki.alice_sign.cert) == "79768"
    assert demo.her_id_of(pki.ca.cert) is None


def test_keystore_seal_open_and_cache(pki):
    clear_cache()
    blob = seal_private_key(pki.bob_enc.key, b"settings-secret")
    assert b"ENCRYPTED PRIVATE KEY" in blob
    key = open_private_key(blob, b"settings-secret")
    assert key is open_private_key(blob, b"settings-secret")  # loaded once
    pair = KeyPair(pki.bob_enc.cert, key)
    data = protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert)
    assert unprotect(data, [pair], expected_signer=pki.alice_sign.cert).content == MSGHEAD
    with pytest.raises(CmsError) as err:
        open_private_key(blob, b"wrong-secret")  # the cache never bypasses the secret
    assert err.value.code == "S99"
    with pytest.raises(ValueError):
        seal_private_key(pki.bob_enc.key, b"")


def test_bench_returns_positive_numbers():
    result = run_crypto_bench(size=2_000, seconds=0.01)
    assert result["payload_bytes"] == 2_000
    assert {"protect", "unprotect", "rsa2048_sign_pkcs1v15_sha256", "rsa2048_decrypt_pkcs1v15",
            "aes256_cbc_2000B", "sha256_2000B"} <= set(result["ops"])
    for op in result["ops"].values():
        assert op["ops_per_s"] > 0 and op["us_per_op"] > 0
    assert result["overhead_ratio"] > 0 and result["primitive_sum_us"] > 0
    import json
    json.dumps(result)  # a CLI prints it as JSON


def test_pure_library_does_not_import_django():
    code = ("import sys, samhand.cms, samhand.cms.demo, samhand.cms.bench, samhand.cms.keystore;"
            "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
