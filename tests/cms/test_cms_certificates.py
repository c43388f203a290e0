"""Certificate rules [AMQP_spesifikasjon_helsenorge.no §2.1.4, HIS 1037 §6.2.3]:
validity period, KeyUsage, issuer trust and revocation, on both sides."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from _cms_helpers import MSGHEAD, raw_encrypt, raw_sign
from samhand.cms import CmsError, decrypt, encrypt, protect, sign, unprotect, verify
from samhand.cms import demo


def _code(call) -> CmsError:
    with pytest.raises(CmsError) as err:
        call()
    return err.value


# --- sending side refuses bad certificates ---------------------------------------

def test_refuses_to_sign_with_encryption_certificate(pki):
    err = _code(lambda: protect(MSGHEAD, pki.bob_enc, pki.carol_enc.cert))
    assert err.code == "S02" and "NonRepudiation" in err.text


def test_refuses_to_encrypt_to_signing_certificate(pki):
    err = _code(lambda: protect(MSGHEAD, pki.alice_sign, pki.carol_sign.cert))
    assert err.code == "S02" and "KeyEncipherment" in err.text
    assert _code(lambda: encrypt(b"x", pki.carol_sign.cert)).code == "S02"


def test_refuses_expired_or_not_yet_valid_signer(pki):
    assert _code(lambda: sign(MSGHEAD, pki.expired_sign)).code == "S02"
    assert _code(lambda: sign(MSGHEAD, pki.future_sign)).code == "S02"


def test_refuses_expired_recipient(pki):
    later = pki.bob_enc_old.cert.not_valid_after_utc + timedelta(days=1)
    err = _code(lambda: protect(MSGHEAD, pki.alice_sign, pki.bob_enc_old.cert, at=later))
    assert err.code == "S02" and "expired" in err.text
    assert err.condition == "transport:expired-certificate"


def test_refuses_certificate_without_key_usage(pki):
    assert _code(lambda: sign(MSGHEAD, pki.no_ku_sign)).code == "S02"
    assert _code(lambda: encrypt(MSGHEAD, pki.no_ku_sign.cert)).code == "S02"


# --- receiving side: the same rules for what a partner sent ------------------------

def test_expired_signer_is_s02(pki):
    signed = raw_sign(MSGHEAD, pki.expired_sign)  # signed bypassing our check
    err = _code(lambda: verify(signed, expected_signer=pki.expired_sign.cert))
    assert err.code == "S02" and "expired" in err.text


def test_signer_expired_by_now_is_s02_but_ok_at_signing_time(pki):
    signed = sign(MSGHEAD, pki.alice_sign)
    after = pki.alice_sign.cert.not_valid_after_utc + timedelta(seconds=1)
    assert _code(lambda: verify(signed, expected_signer=pki.alice_sign.cert, at=after)).code == "S02"
    assert verify(signed, expected_signer=pki.alice_sign.cert, at=datetime.now(timezone.utc)).content == MSGHEAD


def test_not_yet_valid_signer_is_s02(pki):
    signed = raw_sign(MSGHEAD, pki.future_sign)
    err = _code(lambda: verify(signed, expected_signer=pki.future_sign.cert))
    assert err.code == "S02" and "not valid before" in err.text


def test_signed_with_encryption_certificate_is_s02(pki):
    signed = raw_sign(MSGHEAD, pki.bob_enc)  # a partner signing with its "auth" certificate
    err = _code(lambda: verify(signed, expected_signer=pki.bob_enc.cert))
    assert err.code == "S02" and "NonRepudiation" in err.text


def test_signer_without_key_usage_is_s02(pki):
    assert _code(lambda: verify(raw_sign(MSGHEAD, pki.no_ku_sign))).code == "S02"


def test_encrypted_to_our_signing_certificate_is_refused(pki):
    # A partner picked our signing certificate from the register.  With only our
    # encryption keys configured it is "not for us"; a signing pair passed as a
    # recipient is refused with S02 rather than used to decrypt.
    data = raw_encrypt(sign(MSGHEAD, pki.carol_sign), pki.alice_sign.cert)
    assert _code(lambda: decrypt(data, [pki.bob_enc])).code == "S99"
    err = _code(lambda: decrypt(data, [pki.alice_sign]))
    assert err.code == "S02" and "KeyEncipherment" in err.text


def test_unknown_signer_is_s01(pki):
    data = protect(MSGHEAD, pki.carol_sign, pki.bob_enc.cert)
    err = _code(lambda: unprotect(data, [pki.bob_enc], expected_signer=pki.alice_sign.cert))
    assert err.code == "S01" and "unknown signer" in err.text and "Harstad" in err.text


def test_without_expected_signer_the_embedded_certificate_is_reported(pki):
    result = verify(sign(MSGHEAD, pki.carol_sign))
    assert result.signer == pki.carol_sign.cert  # the caller must still check who this is


def test_weak_digest_is_s01(pki):
    # cryptography refuses to make a SHA-1 SignedData, so build one with asn1crypto.
    from asn1crypto import cms as a1cms, x509 as a1x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    signer = pki.alice_sign
    digest = hashes.Hash(hashes.SHA1())
    digest.update(MSGHEAD)
    attrs = a1cms.CMSAttributes([
        a1cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        a1cms.CMSAttribute({"type": "message_digest", "values": [digest.finalize()]}),
    ])
    cert = a1x509.Certificate.load(signer.cert.public_bytes(serialization.Encoding.DER))
    sd = a1cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": "sha1"}],
        "encap_content_info": {"content_type": "data", "content": MSGHEAD},
        "certificates": [cert],
        "signer_infos": [{
            "version": "v1",
            "sid": a1cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": cert.issuer, "serial_number": cert.serial_number}}),
            "digest_algorithm": {"algorithm": "sha1"},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
            "signature": signer.key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA1()),
        }],
    })
    blob = a1cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
    err = _code(lambda: verify(blob, expected_signer=signer.cert))
    assert err.code == "S01" and "sha1" in err.text


# --- trust store -----------------------------------------------------------------

def test_trusted_ca_ok_and_foreign_ca_is_s02(pki):
    signed = sign(MSGHEAD, pki.alice_sign)
    assert verify(signed, expected_signer=pki.alice_sign.cert, trusted_cas=[pki.other_ca.cert, pki.ca.cert])
    err = _code(lambda: verify(signed, expected_signer=pki.alice_sign.cert, trusted_cas=[pki.other_ca.cert]))
    assert err.code == "S02" and "trusted CA" in err.text
    err = _code(lambda: verify(sign(MSGHEAD, pki.foreign_sign), trusted_cas=[pki.ca.cert]))
    assert err.code == "S02"


def test_ca_with_same_name_but_other_key_is_not_trusted(pki):
    impostor_ca = demo.make_ca("Samhand Test CA", key=pki.other_ca.key)  # same subject, other key
    signed = sign(MSGHEAD, pki.alice_sign)
    assert _code(lambda: verify(signed, trusted_cas=[impostor_ca.cert])).code == "S02"


# --- revocation ------------------------------------------------------------------

def test_revoked_signer_is_s03(pki):
    crl = demo.make_crl(pki.ca, [pki.revoked_sign.cert])
    data = protect(MSGHEAD, pki.revoked_sign, pki.bob_enc.cert)
    err = _code(lambda: unprotect(data, [pki.bob_enc], expected_signer=pki.revoked_sign.cert,
                                  trusted_cas=[pki.ca.cert], crls=[crl]))
    assert err.code == "S03" and "revoked" in err.text
    assert err.condition == "transport:revoked-certificate"


def test_not_revoked_is_ok(pki):
    crl = demo.make_crl(pki.ca, [pki.revoked_sign.cert])
    data = protect(MSGHEAD, pki.alice_sign, pki.bob_enc.cert)
    result = unprotect(data, [pki.bob_enc], expected_signer=pki.alice_sign.cert,
                       trusted_cas=[pki.ca.cert], crls=[crl])
    assert result.content == MSGHEAD


def test_revocation_after_the_checked_time_does_not_count(pki):
    checked_at = pki.revoked_sign.cert.not_valid_before_utc + timedelta(seconds=30)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca.cert.subject)
        .last_update(checked_at - timedelta(hours=1))
        .next_update(checked_at + timedelta(days=1))
        .add_revoked_certificate(x509.RevokedCertificateBuilder()
                                 .serial_number(pki.revoked_sign.cert.serial_number)
                                 .revocation_date(checked_at + timedelta(minutes=1)).build())
        .sign(pki.ca.key, hashes.SHA256())
    )
    signed = sign(MSGHEAD, pki.revoked_sign)
    verify(signed, trusted_cas=[pki.ca.cert], crls=[crl], at=checked_at)  # not yet revoked then
    assert _code(lambda: verify(signed, trusted_cas=[pki.ca.cert], crls=[crl])).code == "S03"


def test_crl_not_yet_issued_at_checked_time_is_s99(pki):
    crl = demo.make_crl(pki.ca, [])
    before = datetime.now(timezone.utc) - timedelta(minutes=3)
    err = _code(lambda: verify(sign(MSGHEAD, pki.alice_sign), trusted_cas=[pki.ca.cert], crls=[crl], at=before))
    assert err.code == "S99" and "not current" in err.text


def test_crl_from_another_issuer_is_ignored(pki):
    # other_ca "revokes" a certificate with alice's serial number: it has no say
    # over certificates it did not issue, so the CRL is ignored (documented).
    fake = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.other_ca.cert.subject)
        .last_update(datetime.now(timezone.utc) - timedelta(minutes=1))
        .next_update(datetime.now(timezone.utc) + timedelta(days=1))
        .add_revoked_certificate(x509.RevokedCertificateBuilder()
                                 .serial_number(pki.alice_sign.cert.serial_number)
                                 .revocation_date(datetime.now(timezone.utc) - timedelta(minutes=1)).build())
        .sign(pki.other_ca.key, hashes.SHA256())
    )
    signed = sign(MSGHEAD, pki.alice_sign)
    assert verify(signed, expected_signer=pki.alice_sign.cert, trusted_cas=[pki.ca.cert], crls=[fake])


def test_forged_crl_is_s99(pki):
    # Claims to come from our CA but is signed by another key.
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca.cert.subject)
        .last_update(datetime.now(timezone.utc) - timedelta(minutes=1))
        .next_update(datetime.now(timezone.utc) + timedelta(days=1))
        .sign(pki.other_ca.key, hashes.SHA256())
    )
    err = _code(lambda: verify(sign(MSGHEAD, pki.revoked_sign), trusted_cas=[pki.ca.cert], crls=[forged]))
    assert err.code == "S99" and "invalid signature" in err.text


def test_stale_crl_is_s99(pki):
    stale = demo.make_crl(pki.ca, [], last_update=datetime.now(timezone.utc) - timedelta(days=10),
                          next_update_days=7)
    err = _code(lambda: verify(sign(MSGHEAD, pki.alice_sign), trusted_cas=[pki.ca.cert], crls=[stale]))
    assert err.code == "S99" and "not current" in err.text


def test_crl_without_issuer_certificate_is_s99(pki):
    # A CRL can only be trusted if its signature can be checked: pass trusted_cas too.
    crl = demo.make_crl(pki.ca, [])
    err = _code(lambda: verify(sign(MSGHEAD, pki.alice_sign), crls=[crl]))
    assert err.code == "S99" and "issuer certificate" in err.text


def _intermediate(root, name: str):
    from cryptography.x509.oid import NameOID
    key = demo.new_key()
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root.key, hashes.SHA256())
    )
    from samhand.cms import KeyPair
    return KeyPair(cert, key)


def test_chain_through_intermediate_in_the_message(pki):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs7
    issuing = _intermediate(pki.ca, "Samhand Issuing CA")
    dave = demo.issue(issuing, "Bodø kommune", usage="signing", key=pki.carol_sign.key)
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(MSGHEAD)
              .add_signer(dave.cert, dave.key, hashes.SHA256())
              .add_certificate(issuing.cert)  # after add_signer: cryptography drops it otherwise
              .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
    assert verify(signed, expected_signer=dave.cert, trusted_cas=[pki.ca.cert]).signer == dave.cert
    crl = demo.make_crl(issuing, [dave.cert])
    assert _code(lambda: verify(signed, trusted_cas=[pki.ca.cert], crls=[crl])).code == "S03"
    without = raw_sign(MSGHEAD, dave)  # intermediate not included: no path to the root
    assert _code(lambda: verify(without, trusted_cas=[pki.ca.cert])).code == "S02"
    assert verify(without, trusted_cas=[issuing.cert])  # the issuing CA itself as anchor


# --- remembered signature checks (certs._issued, certs._crl_signed) ----------------

def test_remembered_checks_keep_every_answer(pki):
    """The same objects checked again give the same answers: a forged CRL stays refused, a revoked
    signer stays revoked, an impostor CA stays untrusted, and a new CRL revoking a signer that
    passed before is read at once."""
    from samhand.cms import certs

    forged = (x509.CertificateRevocationListBuilder().issuer_name(pki.ca.cert.subject)
              .last_update(datetime.now(timezone.utc) - timedelta(minutes=1))
              .next_update(datetime.now(timezone.utc) + timedelta(days=1)).sign(pki.other_ca.key, hashes.SHA256()))
    impostor = demo.make_ca("Samhand Test CA", key=pki.other_ca.key)
    signed, revoked = sign(MSGHEAD, pki.alice_sign), sign(MSGHEAD, pki.revoked_sign)
    clean = demo.make_crl(pki.ca, [])
    for _ in range(3):
        assert _code(lambda: verify(signed, trusted_cas=[pki.ca.cert], crls=[forged])).code == "S99"
        assert _code(lambda: verify(signed, trusted_cas=[impostor.cert])).code == "S02"
        assert verify(signed, expected_signer=pki.alice_sign.cert, trusted_cas=[pki.ca.cert], crls=[clean])
        assert verify(revoked, trusted_cas=[pki.ca.cert], crls=[clean])
    # The answers were remembered (so the loop above checked each signature once) ...
    assert certs._issued[(pki.alice_sign.cert, pki.ca.cert)] is True
    assert certs._issued[(pki.alice_sign.cert, impostor.cert)] is False
    assert certs._crl_signed[(id(forged), id(pki.ca.cert))][2] is False
    # ... and a newer CRL is a new object, checked and read on its own.
    newer = demo.make_crl(pki.ca, [pki.revoked_sign.cert])
    assert _code(lambda: verify(revoked, trusted_cas=[pki.ca.cert], crls=[newer])).code == "S03"


def test_remembered_crl_answers_are_bound_to_the_objects(pki, monkeypatch):
    """A remembered CRL answer is used only for the very objects it was found for, never for another
    CRL that happens to get the same id, and the memo stays bounded."""
    from samhand.cms import certs

    monkeypatch.setattr(certs, "_MEMO_MAX", 4)
    good = demo.make_crl(pki.ca, [])
    forged = (x509.CertificateRevocationListBuilder().issuer_name(pki.ca.cert.subject)
              .last_update(datetime.now(timezone.utc) - timedelta(minutes=1))
              .next_update(datetime.now(timezone.utc) + timedelta(days=1)).sign(pki.other_ca.key, hashes.SHA256()))
    assert certs._crl_signed_by(good, pki.ca.cert) is True
    # Plant the good answer under the forged CRL's key, as an id reused after a CRL was freed would.
    certs._crl_signed[(id(forged), id(pki.ca.cert))] = (good, pki.ca.cert, True)
    assert certs._crl_signed_by(forged, pki.ca.cert) is False
    for _ in range(10):
        certs._crl_signed_by(demo.make_crl(pki.ca, []), pki.ca.cert)
    assert len(certs._crl_signed) <= 4


def test_the_message_certificates_are_read_only_when_the_path_needs_them(pki, monkeypatch):
    """A signer issued directly by a trusted CA needs nothing from the message's certificate bag."""
    import importlib

    verify_module = importlib.import_module("samhand.cms.verify")  # the package exports verify() under that name
    read = []
    real = verify_module._bag
    monkeypatch.setattr(verify_module, "_bag", lambda sd: read.append(1) or real(sd))
    crl = demo.make_crl(pki.ca, [])
    verify(sign(MSGHEAD, pki.alice_sign), expected_signer=pki.alice_sign.cert, trusted_cas=[pki.ca.cert], crls=[crl])
    assert read == []
    issuing = _intermediate(pki.ca, "Samhand Issuing CA 2")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs7
    dave = demo.issue(issuing, "Bodø kommune", usage="signing", key=pki.carol_sign.key)
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(MSGHEAD).add_signer(dave.cert, dave.key, hashes.SHA256())
              .add_certificate(issuing.cert).sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
    assert verify(signed, expected_signer=dave.cert, trusted_cas=[pki.ca.cert]).signer == dave.cert
    assert read  # the intermediate came from the bag
