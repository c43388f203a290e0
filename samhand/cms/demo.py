"""Throw-away PKI for tests, demos and development.  Never for production.

Certificates mimic the national enterprise certificates (virksomhetssertifikat)
closely enough for the checks in this package: a *signing* certificate with
KeyUsage digitalSignature + nonRepudiation (contentCommitment) and an
*encryption* certificate with keyEncipherment + dataEncipherment
[HIS 1037 §6.2.3, AMQP_spesifikasjon_helsenorge.no §2.1.5].

Subject layout: CN = common_name, O = organisation, and the HER-id as an
organizationalUnitName ``OU=HER-id <id>``.  serialNumber is left free because
the real certificates (SEID) put the organisation number there; her_id_of()
reads the HER-id back.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .keys import KeyPair, PrivateKey

_HER_PREFIX = "HER-id "


def _now() -> datetime:
    return datetime.now(timezone.utc)


def new_key(key_size: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def make_ca(name: str, *, valid_days: int = 3650, key: PrivateKey | None = None) -> KeyPair:
    """A self-signed root CA that signs certificates and CRLs."""
    key = key or new_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ])
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert, key)


def _key_usage(usage: str) -> x509.KeyUsage:
    signing = usage == "signing"
    encryption = usage == "encryption"
    if not (signing or encryption):
        raise ValueError("usage must be 'signing' or 'encryption'")
    return x509.KeyUsage(
        digital_signature=signing, content_commitment=signing,
        key_encipherment=encryption, data_encipherment=encryption,
        key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )


def issue(
    ca: KeyPair,
    common_name: str,
    *,
    usage: Literal["signing", "encryption"],
    her_id: str | None = None,
    organisation: str | None = None,
    valid_from: datetime | None = None,
    valid_days: int = 730,
    key_size: int = 2048,
    key: PrivateKey | None = None,
    key_usage: x509.KeyUsage | None = None,
) -> KeyPair:
    """Issue an end-entity certificate.

    ``key`` reuses an existing key (RSA key generation is the slow part of
    tests); ``key_usage`` overrides the usage-derived KeyUsage, to build
    deliberately wrong certificates in tests.
    """
    key = key or new_key(key_size)
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "NO")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if her_id:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _HER_PREFIX + her_id))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    start = valid_from or (_now() - timedelta(minutes=5))
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage or _key_usage(usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return KeyPair(cert, key)


def her_id_of(cert: x509.Certificate) -> str | None:
    """The HER-id put into the subject by issue(), or None."""
    for attr in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        value = str(attr.value)
        if value.startswith(_HER_PREFIX):
            return value[len(_HER_PREFIX):]
    return None


def make_crl(
    ca: KeyPair,
    revoked: Sequence[x509.Certificate],
    *,
    next_update_days: int = 7,
    last_update: datetime | None = None,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` listing ``revoked`` (revoked a minute ago)."""
    now = last_update or (_now() - timedelta(minutes=1))
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now)
        .next_update(now + timedelta(days=next_update_days))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now)
            .build()
        )
    return builder.sign(ca.key, hashes.SHA256())


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with ``password`` when given."""
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def crl_pem(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.PEM)
