"""Certificate checks shared by the sending and the receiving side.

[AMQP_spesifikasjon_helsenorge.no §2.1.4]: for incoming and outgoing messages
check the validity period, the key usage (OID 2.5.29.15) and revocation.
[HIS 1037 §5.5, §6.2.3]: sign only with the NonRepudiation ("non-rep")
certificate; the other one of the pair is for encryption.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Literal
from collections.abc import Iterable, Sequence

from asn1crypto import x509 as a1x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from .errors import CERTIFICATE, OTHER, REVOKED, CmsError

Purpose = Literal["signing", "encryption"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    # Naive datetimes are taken as UTC, like cryptography's *_utc properties.
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def describe(cert: x509.Certificate) -> str:
    """Short human identification for error texts and logs."""
    return f"'{cert.subject.rfc4514_string()}' (serial {cert.serial_number:x})"


def thumbprint(cert: x509.Certificate) -> str:
    """SHA-1 thumbprint, as the AMQP profile reports in errorConditionData."""
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def subject_key_id(cert: x509.Certificate) -> bytes:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest  # type: ignore[arg-type]


def identifier_matches(ident: Any, cert: x509.Certificate) -> bool:
    """Does a CMS RecipientIdentifier / SignerIdentifier (asn1crypto) name ``cert``?

    Both are CHOICE { issuerAndSerialNumber, [0] subjectKeyIdentifier }
    [RFC 5652 §5.3, §6.2.1].
    """
    if ident.name == "issuer_and_serial_number":
        ias = ident.chosen
        if ias["serial_number"].native != cert.serial_number:
            return False
        issuer_der = cert.issuer.public_bytes()
        # Byte equality first; asn1crypto's RFC 5280 comparison (case,
        # whitespace) is ~100x slower and only needed for odd encoders.
        return ias["issuer"].dump() == issuer_der or ias["issuer"] == a1x509.Name.load(issuer_der)
    if ident.name == "subject_key_identifier":
        return bytes(ident.chosen.native) == subject_key_id(cert)
    return False


def check_validity(cert: x509.Certificate, at: datetime | None = None, *, role: str = "certificate") -> None:
    at = as_utc(at)
    if at < cert.not_valid_before_utc:
        raise CmsError(
            CERTIFICATE,
            f"{role} {describe(cert)} is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M}Z",
        )
    if at > cert.not_valid_after_utc:
        raise CmsError(
            CERTIFICATE,
            f"{role} {describe(cert)} expired {cert.not_valid_after_utc:%Y-%m-%d %H:%M}Z",
            condition="transport:expired-certificate",
        )


def check_key_usage(cert: x509.Certificate, purpose: Purpose) -> None:
    """signing: NonRepudiation (contentCommitment); encryption: KeyEncipherment.

    RSA key transport wraps the content key with the recipient's public key,
    which is what keyEncipherment allows [RFC 5280 §4.2.1.3].  A certificate
    without a KeyUsage extension is refused: the national enterprise
    certificates always carry one, so its absence means a wrong certificate.
    """
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CmsError(CERTIFICATE, f"{describe(cert)} has no KeyUsage extension") from None
    if purpose == "signing" and not ku.content_commitment:
        raise CmsError(CERTIFICATE, f"{describe(cert)} lacks KeyUsage NonRepudiation; not a signing certificate")
    if purpose == "encryption" and not ku.key_encipherment:
        raise CmsError(CERTIFICATE, f"{describe(cert)} lacks KeyUsage KeyEncipherment; not an encryption certificate")


def check_usable(cert: x509.Certificate, purpose: Purpose, at: datetime | None = None) -> None:
    check_key_usage(cert, purpose)
    check_validity(cert, at, role=f"{purpose} certificate")


# Signature checks whose answer depends only on the bytes checked: a certificate's signature by its
# issuer's key, a CRL's by its issuer's. Every message's signer is checked against the same few CAs
# and CRLs, so the answers are remembered (bounded; cleared when full). Validity periods, CRL
# currency and revocation dates depend on the time and are checked every time.
_MEMO_MAX = 4096
_issued: dict[tuple[x509.Certificate, x509.Certificate], bool] = {}
# CRL objects are not hashable, and hashing a national CRL (megabytes) per message is what the memo
# saves: keyed by identity, with the objects kept alive beside the answer so that an id is not reused.
_crl_signed: dict[tuple[int, int], tuple[x509.CertificateRevocationList, x509.Certificate, bool]] = {}


def _remember(memo: dict, key, value) -> None:
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = value


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    key = (cert, issuer)  # equal when the DER is equal
    known = _issued.get(key)
    if known is None:
        known = _check_issued_by(cert, issuer)
        _remember(_issued, key, known)
    return known


def _check_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    key = (id(crl), id(issuer))
    hit = _crl_signed.get(key)
    if hit is not None and hit[0] is crl and hit[1] is issuer:
        return hit[2]
    try:
        ok = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    _remember(_crl_signed, key, (crl, issuer, ok))
    return ok


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def find_issuer(cert: x509.Certificate, candidates: Iterable[x509.Certificate]) -> x509.Certificate | None:
    for cand in candidates:
        if _issued_by(cert, cand):
            return cand
    return None


def check_chain(
    cert: x509.Certificate,
    trusted_cas: Sequence[x509.Certificate],
    intermediates: Iterable[x509.Certificate] = (),
    at: datetime | None = None,
    max_depth: int = 5,
) -> list[x509.Certificate]:
    """Build a path from ``cert`` to one of ``trusted_cas``; return it (leaf first).

    Trust anchors are the issuing CAs the operator configured (Buypass,
    Commfides, …); intermediates may come from the SignedData certificate
    bag but are only used if they are CAs, valid at ``at`` and chain on.
    Raises S02 when no path exists.
    """
    at = as_utc(at)
    path = [cert]
    current = cert
    for _ in range(max_depth):
        anchor = find_issuer(current, trusted_cas)
        if anchor is not None:
            check_validity(anchor, at, role="CA certificate")
            return path + [anchor]
        nxt = find_issuer(current, (c for c in intermediates if _is_ca(c) and c not in path))
        if nxt is None:
            break
        check_validity(nxt, at, role="intermediate CA certificate")
        path.append(nxt)
        current = nxt
    raise CmsError(CERTIFICATE, f"{describe(cert)} is not issued by a trusted CA")


def check_revocation(
    cert: x509.Certificate,
    crls: Sequence[x509.CertificateRevocationList],
    issuer_candidates: Iterable[x509.Certificate],
    at: datetime | None = None,
) -> None:
    """S03 if ``cert`` is on a CRL of its issuer.

    CRLs from other issuers are ignored: the caller passes all CRLs it holds
    (one per trusted CA).  A CRL of the right issuer must be signed by the key
    that issued ``cert`` and be current at ``at``, otherwise S99 — a stale or
    forged CRL must not silently pass a revoked certificate.  If no CRL of the
    issuer is given, no revocation check is done for this certificate.
    """
    at = as_utc(at)
    relevant = [c for c in crls if c.issuer == cert.issuer]
    if not relevant:
        return
    issuer = find_issuer(cert, issuer_candidates)
    if issuer is None:
        raise CmsError(OTHER, f"cannot check the CRL for {describe(cert)}: issuer certificate not available")
    for crl in relevant:
        if not _crl_signed_by(crl, issuer):
            raise CmsError(OTHER, f"CRL from '{crl.issuer.rfc4514_string()}' has an invalid signature")
        if crl.last_update_utc > at or (crl.next_update_utc is not None and crl.next_update_utc < at):
            raise CmsError(OTHER, f"CRL from '{crl.issuer.rfc4514_string()}' is not current")
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None and entry.revocation_date_utc <= at:
            raise CmsError(
                REVOKED,
                f"{describe(cert)} revoked {entry.revocation_date_utc:%Y-%m-%d %H:%M}Z",
            )
