"""Receiving side: read and verify a CMS SignedData.

cryptography has no public CMS verify, so the structure is parsed with
asn1crypto and the signature checked with cryptography (its public API has no CMS verification).

Intended flow for an incoming message (the expected signer is only known
after reading the MsgHead, which is inside the signed content):

    inner = decrypt(data, [current_enc, previous_enc])   # S99 on failure
    msghead_xml = peek_content(inner)                     # unverified!
    sender_cert = <signing certificate registered for the MsgHead sender>
    verified = verify(inner, expected_signer=sender_cert, trusted_cas=…, crls=…)
    use verified.content, never the peeked bytes.

``unprotect()`` does all of it when the sender is already known.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import warnings
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Sequence

from asn1crypto import cms as a1cms, core as a1core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .certs import (as_utc, check_chain, check_key_usage, check_revocation, check_validity, describe,
                    identifier_matches)
from .envelope import decrypt
from .errors import OTHER, SIGNATURE, CmsError
from .keys import KeyPair

# SHA-256 is what the framework uses; stronger SHA-2 is accepted, MD5/SHA-1/SHA-224 are not.
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


_SINGLE = ("content_type", "message_digest", "signing_time")


@dataclass(frozen=True)
class Verified:
    content: bytes
    signer: x509.Certificate
    signing_time: datetime | None = None


def _load_signed(data: bytes) -> a1cms.SignedData:
    try:
        info = a1cms.ContentInfo.load(bytes(data), strict=True)
        ctype = info["content_type"].native
    except Exception as exc:
        raise CmsError(OTHER, f"not a CMS structure (garbage or truncated): {exc}") from exc
    if ctype == "enveloped_data":
        raise CmsError(OTHER, "message is still encrypted; decrypt it first")
    if ctype != "signed_data":
        raise CmsError(SIGNATURE, f"message is not signed (CMS content type {ctype})")
    return info["content"]


def _content(sd: a1cms.SignedData) -> bytes:
    eci = sd["encap_content_info"]
    if eci["content_type"].native != "data":
        raise CmsError(OTHER, f"unsupported encapsulated content type {eci['content_type'].native}")
    content = eci["content"]
    # [AMQP §2.1.5] "encapsulated, ikke detached": a detached signature carries no message.
    if isinstance(content, a1core.Void) or content.native is None:
        raise CmsError(SIGNATURE, "signature is detached: no encapsulated content")
    return bytes(content.native)


def peek_content(inner: bytes) -> bytes:
    """The encapsulated content WITHOUT any verification, to read the MsgHead sender.

    Use only to look up the expected signer, then call verify().
    """
    try:
        return _content(_load_signed(inner))
    except CmsError:
        raise
    except Exception as exc:
        raise CmsError(OTHER, f"malformed SignedData: {exc}") from exc


def _bag(sd: a1cms.SignedData) -> list[x509.Certificate]:
    """The certificates a sender put in the message, skipping unreadable ones.

    They are hints only (the signer's copy, maybe intermediates): a strange
    extra certificate must not make an otherwise valid message fail.
    """
    field = sd["certificates"]
    if isinstance(field, a1core.Void):
        return []
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. cryptography's negative-serial deprecation
        for choice in field:
            if choice.name != "certificate":
                continue
            try:
                out.append(x509.load_der_x509_certificate(choice.chosen.dump()))
            except ValueError:
                continue
    return out


class _Others:
    """The message's certificates other than the signer's, read when first needed: a signer issued
    directly by a trusted CA, as the national enterprise certificates are, needs none of them."""

    def __init__(self, sd: a1cms.SignedData, signer: x509.Certificate):
        self._sd, self._signer, self._certs = sd, signer, None

    def __iter__(self):
        if self._certs is None:
            self._certs = [c for c in _bag(self._sd) if c != self._signer]
        return iter(self._certs)


def _find_signer(sid, sd: a1cms.SignedData, expected: x509.Certificate | None) -> x509.Certificate:
    if expected is not None and identifier_matches(sid, expected):
        # The registered certificate is authoritative; the copy in the
        # message, if any, is not needed (senders may leave it out).
        return expected
    for cand in _bag(sd):
        if identifier_matches(sid, cand):
            if expected is not None:
                raise CmsError(
                    SIGNATURE,
                    f"unknown signer: signed by {describe(cand)}, expected {describe(expected)}",
                    condition="transport:invalid-certificate",
                )
            return cand
    if expected is not None:
        raise CmsError(SIGNATURE, f"unknown signer: not signed by {describe(expected)}",
                       condition="transport:invalid-certificate")
    raise CmsError(SIGNATURE, "unknown signer: signer certificate not included in the message")


def _check_signature(cert: x509.Certificate, si: a1cms.SignerInfo, digest: str, sig: bytes, data: bytes) -> None:
    alg = si["signature_algorithm"]
    try:
        family = alg.signature_algo
        if alg["algorithm"].native not in ("rsassa_pkcs1v15", "ecdsa"):
            # sha256WithRSAEncryption etc. name a hash: it must be the digest algorithm.
            if alg.hash_algo != digest:
                raise CmsError(SIGNATURE,
                               f"signature algorithm {alg['algorithm'].native} does not match digest {digest}")
    except ValueError:
        raise CmsError(SIGNATURE, f"unsupported signature algorithm {alg['algorithm'].dotted}") from None
    h = _DIGESTS[digest]()
    key = cert.public_key()
    try:
        if family == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), h)
        elif family == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = alg["parameters"]
            mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            if mgf_hash not in _DIGESTS:
                raise CmsError(SIGNATURE, f"RSA-PSS with weak MGF hash {mgf_hash}")
            pss = padding.PSS(mgf=padding.MGF1(_DIGESTS[mgf_hash]()), salt_length=params["salt_length"].native)
            key.verify(sig, data, pss, h)
        elif family == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, data, ec.ECDSA(h))
        else:
            raise CmsError(SIGNATURE, f"signature algorithm {family} does not fit the signer's key")
    except InvalidSignature:
        raise CmsError(SIGNATURE,
                       "invalid signature: the message was altered or not signed by this certificate") from None


def _signed_attrs(si: a1cms.SignerInfo, econtent_type: str, digest: str, content: bytes):
    """Check the signed attributes; return (bytes the signature covers, signing time)."""
    attrs = si["signed_attrs"]
    if isinstance(attrs, a1core.Void) or len(attrs) == 0:
        return content, None  # RFC 5652 §5.4: then the signature is over the content itself
    seen: dict[str, a1core.Asn1Value] = {}
    for attr in attrs:
        name = attr["type"].native
        if name in _SINGLE:
            # RFC 5652 §11.1-11.3: one instance with one value, or an attacker
            # could show us one digest while the signature covers another.
            if name in seen or len(attr["values"]) != 1:
                raise CmsError(SIGNATURE, f"signed attribute {name} is repeated or multi-valued")
            seen[name] = attr["values"][0]
    if "message_digest" not in seen or "content_type" not in seen:
        raise CmsError(SIGNATURE, "signed attributes lack messageDigest or contentType")
    if seen["content_type"].native != econtent_type:
        raise CmsError(SIGNATURE, "contentType attribute does not match the encapsulated content")
    actual = hashlib.new(digest, content).digest()
    if not hmac.compare_digest(bytes(seen["message_digest"].native), actual):
        raise CmsError(SIGNATURE, "content digest mismatch: the content was altered after signing")
    signing_time = seen["signing_time"].native if "signing_time" in seen else None
    # RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF
    # (tag 0x31), not the [0] IMPLICIT tag they are stored under.  dump() gives
    # the bytes as received, which is what the signer hashed.
    return b"\x31" + attrs.dump()[1:], signing_time


def verify(
    signed: bytes,
    *,
    expected_signer: x509.Certificate | None = None,
    trusted_cas: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
) -> Verified:
    """Verify a SignedData and return its content and signer.

    Checks, in order: structure (S99); exactly one signer, digest algorithm
    SHA-256 or stronger, signer == ``expected_signer`` ("unknown signer"),
    messageDigest of the content, the signature (all S01); validity at ``at``,
    KeyUsage NonRepudiation, path to ``trusted_cas`` if given (S02); revocation
    on ``crls`` (S03; a bad or stale CRL from the signer's issuer is S99, CRLs
    from other issuers are ignored).  ``at`` defaults to now (UTC).

    Without ``expected_signer`` the certificate embedded in the message is
    used: that proves integrity only, not who sent it.  Production callers
    pass the certificate registered for the MsgHead sender.
    """
    try:
        return _verify(signed, expected_signer, trusted_cas, crls, as_utc(at))
    except CmsError:
        raise
    except Exception as exc:  # asn1crypto parses lazily: structure errors surface late
        raise CmsError(OTHER, f"malformed SignedData: {exc}") from exc


def _verify(signed, expected_signer, trusted_cas, crls, at) -> Verified:
    sd = _load_signed(signed)
    content = _content(sd)
    infos = list(sd["signer_infos"])
    if len(infos) != 1:
        raise CmsError(SIGNATURE, f"expected exactly one signer, found {len(infos)}")
    si = infos[0]
    digest = si["digest_algorithm"]["algorithm"].native
    if digest not in _DIGESTS:
        raise CmsError(SIGNATURE, f"digest algorithm {digest} is not accepted (SHA-256 or stronger required)")
    signer = _find_signer(si["sid"], sd, expected_signer)
    to_verify, signing_time = _signed_attrs(si, sd["encap_content_info"]["content_type"].native, digest, content)
    _check_signature(signer, si, digest, si["signature"].native, to_verify)

    check_validity(signer, at, role="signer certificate")
    check_key_usage(signer, "signing")
    if trusted_cas or crls:
        others = _Others(sd, signer)
        if trusted_cas:
            check_chain(signer, trusted_cas, others, at)
        if crls:
            check_revocation(signer, crls, itertools.chain(trusted_cas, others), at)
    return Verified(content=content, signer=signer, signing_time=signing_time)


def unprotect(
    data: bytes,
    recipients: Sequence[KeyPair],
    *,
    expected_signer: x509.Certificate | None = None,
    trusted_cas: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
) -> Verified:
    """decrypt() then verify(), for when the sender is known beforehand."""
    inner = decrypt(data, recipients)
    return verify(inner, expected_signer=expected_signer, trusted_cas=trusted_cas, crls=crls, at=at)
