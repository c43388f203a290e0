"""The node's certificates and keys: which to sign with, encrypt to, decrypt with and trust.

Private keys are opened once per process (cms.keystore caches them); trust
anchors and CRLs are re-read at most every TRUST_TTL seconds so a new CRL
takes effect without a restart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timezone as dt_timezone

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from samhand import cms
from samhand.cms.keystore import open_private_key, seal_private_key
from samhand.lib.cache import TtlCache

from .models import Certificate, CommunicationParty, TrustedIssuer
from .services import forget_directory

TRUST_TTL = 60.0
_cert_cache: dict[str, x509.Certificate] = {}  # parsed PEM by PEM text: immutable, never stale
_trust = TtlCache(lambda: TRUST_TTL)


def key_secret() -> bytes:
    secret = settings.SAMHAND_KEY_SECRET
    if not secret:
        raise ImproperlyConfigured("SAMHAND_KEY_SECRET must be set to use hosted parties' private keys")
    return secret.encode()


def load_pem(pem: str) -> x509.Certificate:
    cert = _cert_cache.get(pem)
    if cert is None:
        cert = cms.load_certificate(pem.encode())
        _cert_cache[pem] = cert
    return cert


def _current(party: CommunicationParty, usage: str) -> Certificate | None:
    return next((c for c in _certificates(party) if c.usage == usage and c.status == Certificate.Status.CURRENT),
                None)


def _certificates(party: CommunicationParty) -> list[Certificate]:
    # Prefetched lists are reused; otherwise one query per party and call.
    return list(party.certificates.all())


def signing_pair(party: CommunicationParty) -> cms.KeyPair:
    record = _current(party, Certificate.Usage.SIGNING)
    if record is None or record.sealed_key is None:
        raise cms.CmsError("S02", f"{party.her_id} has no signing certificate with a private key on this node")
    return cms.KeyPair(load_pem(record.pem), open_private_key(bytes(record.sealed_key), key_secret()))


def signing_certificate(party: CommunicationParty) -> x509.Certificate:
    record = _current(party, Certificate.Usage.SIGNING)
    if record is None:
        raise cms.CmsError("S02", f"no signing certificate registered for {party.her_id}")
    return load_pem(record.pem)


def encryption_certificate(party: CommunicationParty) -> x509.Certificate:
    record = _current(party, Certificate.Usage.ENCRYPTION)
    if record is None:
        raise cms.CmsError("S02", f"no encryption certificate registered for {party.her_id}")
    return load_pem(record.pem)


def decryption_pairs(party: CommunicationParty) -> list[cms.KeyPair]:
    """Current encryption key first, then the previous one kept for rollover."""
    records = [c for c in _certificates(party) if c.usage == Certificate.Usage.ENCRYPTION
               and c.status in (Certificate.Status.CURRENT, Certificate.Status.PREVIOUS) and c.sealed_key]
    records.sort(key=lambda c: c.status != Certificate.Status.CURRENT)
    return [cms.KeyPair(load_pem(c.pem), open_private_key(bytes(c.sealed_key), key_secret())) for c in records]


def trust() -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
    return _trust.get("trust", _read_trust)


def _read_trust() -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
    cas, crls = [], []
    for issuer in TrustedIssuer.objects.all():
        cas.append(load_pem(issuer.pem))
        if issuer.crl_pem:
            crls.append(x509.load_pem_x509_crl(issuer.crl_pem.encode()))
    return cas, crls


def forget_trust() -> None:
    """Drop the cached trust anchors, CRLs and directory look-ups (after an import; tests)."""
    _trust.clear()
    forget_directory()


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


@dataclass
class Imported:
    signing: Certificate | None
    encryption: Certificate | None


def _record(party: CommunicationParty, usage: str, cert: x509.Certificate, key=None) -> Certificate:
    pem = cert.public_bytes(Encoding.PEM).decode()
    return Certificate.objects.create(
        party=party, usage=usage, status=Certificate.Status.CURRENT, pem=pem,
        sealed_key=seal_private_key(key, key_secret()) if key is not None else None,
        fingerprint=fingerprint(cert), subject=cert.subject.rfc4514_string()[:500],
        issuer=cert.issuer.rfc4514_string()[:500], serial=format(cert.serial_number, "x")[:80],
        not_before=cert.not_valid_before_utc.astimezone(dt_timezone.utc),
        not_after=cert.not_valid_after_utc.astimezone(dt_timezone.utc))


@transaction.atomic
def install(party: CommunicationParty, usage: str, cert: x509.Certificate, key=None) -> Certificate:
    """Make ``cert`` the party's current certificate for ``usage``.

    The encryption certificate it replaces stays as PREVIOUS (messages already
    encrypted to it still open); a replaced signing certificate is retired.
    """
    if key is not None:
        cms.KeyPair(cert, key)  # raises ValueError when the key does not belong to the certificate
    existing = Certificate.objects.filter(fingerprint=fingerprint(cert)).first()
    if existing is not None:
        if existing.party_id != party.pk or existing.usage != usage:
            raise ValueError(f"certificate already registered for {existing.party.her_id} ({existing.usage})")
        return existing
    old = Certificate.objects.filter(party=party, usage=usage)
    if usage == Certificate.Usage.ENCRYPTION:
        old.filter(status=Certificate.Status.PREVIOUS).update(status=Certificate.Status.RETIRED)
        old.filter(status=Certificate.Status.CURRENT).update(status=Certificate.Status.PREVIOUS)
    else:
        old.filter(status=Certificate.Status.CURRENT).update(status=Certificate.Status.RETIRED)
    record = _record(party, usage, cert, key)
    forget_directory()
    return record


def trust_issuer(name: str, cert: x509.Certificate, crl: x509.CertificateRevocationList | None = None) -> TrustedIssuer:
    issuer, _ = TrustedIssuer.objects.update_or_create(
        fingerprint=fingerprint(cert),
        defaults={"name": name, "pem": cert.public_bytes(Encoding.PEM).decode(),
                  "crl_pem": crl.public_bytes(Encoding.PEM).decode() if crl is not None else "",
                  "crl_updated_at": timezone.now() if crl is not None else None})
    forget_trust()
    return issuer
