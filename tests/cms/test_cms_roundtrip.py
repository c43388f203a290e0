"""Sign-then-encrypt and back [AMQP_spesifikasjon_helsenorge.no §2.1.5]."""

from __future__ import annotations

import hashlib

import pytest
from asn1crypto import cms as a1cms
from hypothesis import HealthCheck, example, given, settings, strategies as st

from _cms_helpers import MSGHEAD, raw_encrypt, raw_sign
from samhand.cms import CmsError, decrypt, encrypt, peek_content, protect, sign, unprotect, verify

# database=None: keep hypothesis from writing a .hypothesis/ directory into the repository
FIXTURE_OK = settings(max_examples=30, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_round_trip(pki):
    data = protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert)
    result = unprotect(data, [pki.bob_enc], expected_signer=pki.alice_sign.cert,
                       trusted_cas=[pki.ca.cert])
    assert result.content == MSGHEAD  # byte for byte: CRLF and non-ASCII untouched
    assert result.signer == pki.alice_sign.cert
    assert result.signing_time is not None


def test_two_step_flow_reads_msghead_before_verifying(pki):
    data = protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert)
    inner = decrypt(data, [pki.bob_enc])
    assert b"<Id>79768</Id>" in peek_content(inner)  # look up the sender by HER-id …
    assert verify(inner, expected_signer=pki.alice_sign.cert).content == MSGHEAD  # … then verify


def test_algorithms_are_aes256_cbc_and_sha256(pki):
    data = protect(b"x", pki.alice_sign, pki.bob_enc.cert)
    env = a1cms.ContentInfo.load(data)
    assert env["content_type"].native == "enveloped_data"
    eci = env["content"]["encrypted_content_info"]
    assert eci["content_encryption_algorithm"]["algorithm"].native == "aes256_cbc"
    ktri = env["content"]["recipient_infos"][0].chosen
    assert ktri["key_encryption_algorithm"]["algorithm"].native == "rsaes_pkcs1v15"
    sd = a1cms.ContentInfo.load(decrypt(data, [pki.bob_enc]))["content"]
    assert [a["algorithm"].native for a in sd["digest_algorithms"]] == ["sha256"]
    si = sd["signer_infos"][0]
    assert si["digest_algorithm"]["algorithm"].native == "sha256"
    assert sd["encap_content_info"]["content"].native == b"x"  # encapsulated, not detached
    assert len(sd["certificates"]) == 1  # signer certificate included


@FIXTURE_OK
@given(payload=st.binary(min_size=0, max_size=100_000))
@example(payload=b"")
@example(payload=bytes(range(256)) * 400)  # ~100 KB, every byte value
@example(payload=b"line\nbreaks\r\nand\rCRs\n")  # Binary: no CRLF canonicalisation
def test_any_payload_round_trips(pki, payload):
    data = protect(payload, pki.alice_sign, pki.bob_enc.cert)
    assert unprotect(data, [pki.bob_enc], expected_signer=pki.alice_sign.cert).content == payload


def test_tampered_content_is_s01(pki):
    marker = b"Pasient"
    signed = bytearray(sign(MSGHEAD, pki.alice_sign))
    pos = bytes(signed).index(marker)
    signed[pos] ^= 0x01  # "Qasient": same length, DER still valid
    with pytest.raises(CmsError) as err:
        verify(bytes(signed), expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01"
    assert "digest" in err.value.text


def test_tampered_signature_is_s01(pki):
    signed = bytearray(sign(MSGHEAD, pki.alice_sign))
    signed[-5] ^= 0xFF  # the signature value is the last field of the SignerInfo
    with pytest.raises(CmsError) as err:
        verify(bytes(signed), expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01"


def test_tampered_signed_attributes_are_s01(pki):
    signed = sign(MSGHEAD, pki.alice_sign)
    info = a1cms.ContentInfo.load(signed)
    si = info["content"]["signer_infos"][0]
    attrs_der = si["signed_attrs"].dump()
    # change the signing time's last digit of seconds (inside the signed attributes)
    st_pos = attrs_der.index(b"Z") - 1
    forged_attrs = attrs_der[:st_pos] + bytes([(attrs_der[st_pos] - 0x30 + 1) % 10 + 0x30]) + attrs_der[st_pos + 1:]
    forged = signed.replace(attrs_der, forged_attrs)
    assert forged != signed
    with pytest.raises(CmsError) as err:
        verify(forged, expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01"


def test_content_replaced_with_matching_digest_attr_still_fails(pki):
    # An attacker who swaps content AND messageDigest breaks the signature.
    signed = sign(b"original content", pki.alice_sign)
    forged = signed.replace(b"original content", b"evil!!! content!").replace(
        hashlib.sha256(b"original content").digest(), hashlib.sha256(b"evil!!! content!").digest())
    with pytest.raises(CmsError) as err:
        verify(forged, expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01"
    assert "signature" in err.value.text


def test_wrong_recipient_is_s99_and_names_both_sides(pki):
    data = protect(MSGHEAD, pki.alice_sign, pki.carol_enc.cert)
    with pytest.raises(CmsError) as err:
        decrypt(data, [pki.bob_enc, pki.bob_enc_old])
    assert err.value.code == "S99"
    assert "not encrypted for us" in err.value.text
    # the RecipientInfo names only issuer + serial; ours are named in full
    assert f"{pki.carol_enc.cert.serial_number:x}" in err.value.text and "Troms" in err.value.text
    assert err.value.condition == "transport:invalid-certificate"


def test_right_certificate_wrong_key_is_s99(pki):
    from samhand.cms import KeyPair
    data = protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert)
    impostor = object.__new__(KeyPair)  # bypass the key/cert match check on purpose
    object.__setattr__(impostor, "cert", pki.bob_enc.cert)
    object.__setattr__(impostor, "key", pki.carol_enc.key)
    # decrypt() alone may return garbage (implicit rejection, see its docstring);
    # the full receive path always ends in S99.
    with pytest.raises(CmsError) as err:
        unprotect(data, [impostor], expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S99"


def test_wrong_key_decrypt_failure_names_no_detail(pki):
    from samhand.cms import KeyPair
    impostor = object.__new__(KeyPair)
    object.__setattr__(impostor, "cert", pki.bob_enc.cert)
    object.__setattr__(impostor, "key", pki.carol_enc.key)
    for _ in range(5):  # each attempt fails with probability > 99 %
        try:
            decrypt(protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert), [impostor])
        except CmsError as err:
            assert err.code == "S99" and err.condition == "transport:decryption-failed"
            assert err.text == "cannot decrypt the message with our key (corrupt or tampered)"
            return
    pytest.fail("five wrong-key decryptions in a row produced output")


def test_rollover_previous_certificate_still_opens(pki):
    data = protect(MSGHEAD, pki.alice_sign, pki.bob_enc_old.cert)  # partner has a cached register entry
    result = unprotect(data, [pki.bob_enc, pki.bob_enc_old], expected_signer=pki.alice_sign.cert)
    assert result.content == MSGHEAD
    with pytest.raises(CmsError) as err:
        decrypt(data, [pki.bob_enc])  # without the legacy key it cannot be opened
    assert err.value.code == "S99"


def test_rollover_expired_previous_certificate_still_decrypts(pki):
    # A late message for a certificate that has meanwhile expired must still
    # open: decrypt() checks no validity on our own keys (only KeyUsage).
    from datetime import datetime, timedelta, timezone
    from samhand.cms import demo
    expired = demo.issue(pki.ca, "Tromsø kommune", usage="encryption", key=pki.bob_enc_old.key,
                         valid_from=datetime.now(timezone.utc) - timedelta(days=800), valid_days=730)
    data = raw_encrypt(sign(MSGHEAD, pki.alice_sign), expired.cert)  # sent before it expired
    result = unprotect(data, [pki.bob_enc, expired], expected_signer=pki.alice_sign.cert)
    assert result.content == MSGHEAD


def test_signed_but_not_encrypted_is_s99(pki):
    with pytest.raises(CmsError) as err:
        decrypt(sign(MSGHEAD, pki.alice_sign), [pki.bob_enc])
    assert err.value.code == "S99"


def test_encrypted_but_not_signed_is_s01(pki):
    # A partner that only encrypts: decrypt works, the inner bytes are no SignedData.
    inner = decrypt(encrypt(a1cms.ContentInfo({"content_type": "data", "content": MSGHEAD}).dump(),
                            pki.bob_enc.cert), [pki.bob_enc])
    with pytest.raises(CmsError) as err:
        verify(inner, expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01"
    assert "not signed" in err.value.text


def test_detached_signature_is_s01(pki):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7
    detached = (pkcs7.PKCS7SignatureBuilder().set_data(MSGHEAD)
                .add_signer(pki.alice_sign.cert, pki.alice_sign.key, hashes.SHA256())
                .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.DetachedSignature]))
    with pytest.raises(CmsError) as err:
        verify(detached, expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01"


def test_signer_certificate_may_be_omitted_when_expected_is_known(pki):
    signed = raw_sign(MSGHEAD, pki.alice_sign, certs=False)
    assert verify(signed, expected_signer=pki.alice_sign.cert).content == MSGHEAD
    with pytest.raises(CmsError) as err:
        verify(signed)  # nothing to verify against
    assert err.value.code == "S01"


# --- garbage in, CmsError out -----------------------------------------------------

GARBAGE = [b"", b"\x00", b"\x30", b"\x30\x80", b"\x30\x03\x02\x01\x01", b"<MsgHead/>", b"\xff" * 64,
           b"\x30\x82\xff\xff" + b"\x00" * 10]


@pytest.mark.parametrize("junk", GARBAGE)
def test_garbage_is_s99(pki, junk):
    for call in (lambda: decrypt(junk, [pki.bob_enc]), lambda: verify(junk), lambda: peek_content(junk),
                 lambda: unprotect(junk, [pki.bob_enc], expected_signer=pki.alice_sign.cert)):
        with pytest.raises(CmsError) as err:
            call()
        assert err.value.code == "S99"


def test_truncated_messages_are_s99(pki):
    data = protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert)
    inner = decrypt(data, [pki.bob_enc])
    for blob, call in ((data, lambda b: decrypt(b, [pki.bob_enc])), (inner, lambda b: verify(b))):
        for cut in list(range(40)) + list(range(40, len(blob), 29)) + [len(blob) - 1]:
            with pytest.raises(CmsError) as err:
                call(blob[:cut])
            assert err.value.code == "S99", cut


@settings(FIXTURE_OK, max_examples=60)
@given(junk=st.binary(max_size=3000))
def test_random_bytes_only_raise_cms_error(pki, junk):
    for call in (lambda: decrypt(junk, [pki.bob_enc]), lambda: verify(junk), lambda: peek_content(junk)):
        with pytest.raises(CmsError):
            call()


@settings(FIXTURE_OK, max_examples=60)
@given(data=st.data())
def test_any_byte_flip_is_detected_or_harmless(pki, data):
    protected = _protected_once(pki)
    pos = data.draw(st.integers(0, len(protected) - 1))
    mask = data.draw(st.integers(1, 255))
    flipped = bytearray(protected)
    flipped[pos] ^= mask
    try:
        result = unprotect(bytes(flipped), [pki.bob_enc], expected_signer=pki.alice_sign.cert)
    except CmsError:
        return
    assert result.content == MSGHEAD  # e.g. a flip in a name's case: same message, still authentic


_CACHE: dict = {}


def _protected_once(pki) -> bytes:
    if "p" not in _CACHE:
        _CACHE["p"] = protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert)
    return _CACHE["p"]


def test_rsa_pss_signature_is_accepted(pki):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import pkcs7
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(MSGHEAD)
              .add_signer(pki.alice_sign.cert, pki.alice_sign.key, hashes.SHA256(), rsa_padding=pss)
              .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
    si = a1cms.ContentInfo.load(signed)["content"]["signer_infos"][0]
    assert si["signature_algorithm"]["algorithm"].native == "rsassa_pss"
    assert verify(signed, expected_signer=pki.alice_sign.cert).content == MSGHEAD


def test_two_signers_are_s01(pki):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(MSGHEAD)
              .add_signer(pki.alice_sign.cert, pki.alice_sign.key, hashes.SHA256())
              .add_signer(pki.carol_sign.cert, pki.carol_sign.key, hashes.SHA256())
              .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
    with pytest.raises(CmsError) as err:
        verify(signed, expected_signer=pki.alice_sign.cert)
    assert err.value.code == "S01" and "exactly one signer" in err.value.text
