"""Key material: the KeyPair type and loaders for certificates and keys.

Loading an RSA private key with full validation costs ~40 ms (measured; docs/performance.md),
so callers load each key once and keep the object (see keystore.py for the
cached, sealed-at-rest variant).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from .errors import OTHER, CmsError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key (one virksomhetssertifikat)."""

    cert: x509.Certificate
    key: PrivateKey

    def __post_init__(self) -> None:
        # A mismatched pair signs messages nobody can verify, or cannot
        # decrypt anything: catch it when the pair is built, not per message.
        pub = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        cert_pub = self.cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if pub != cert_pub:
            raise ValueError("private key does not match the certificate")


def _is_pem(data: bytes) -> bool:
    return b"-----BEGIN" in data[:1024]


def load_certificate(pem_or_der: bytes) -> x509.Certificate:
    """Load one X.509 certificate from PEM or DER; S99 if it is not one."""
    try:
        if _is_pem(pem_or_der):
            return x509.load_pem_x509_certificate(pem_or_der)
        return x509.load_der_x509_certificate(pem_or_der)
    except (ValueError, TypeError) as exc:
        raise CmsError(OTHER, f"not a valid X.509 certificate: {exc}") from exc


def load_private_key(pem: bytes, password: bytes | None = None) -> PrivateKey:
    """Load a private key (PEM, or DER as a courtesy) with full validation.

    Keys from outside (a PKCS#12 from the CA, a PEM from an operator) are
    validated: an inconsistent RSA key would produce bad signatures.
    """
    try:
        if _is_pem(pem):
            key = serialization.load_pem_private_key(pem, password)
        else:
            key = serialization.load_der_private_key(pem, password)
    except (ValueError, TypeError) as exc:
        raise CmsError(OTHER, f"cannot load private key: {exc}") from exc
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise CmsError(OTHER, f"unsupported private key type {type(key).__name__}")
    return key


def load_pkcs12(data: bytes, password: bytes | None) -> KeyPair:
    """Load the key and certificate from a PKCS#12 file (as CAs deliver them)."""
    try:
        key, cert, _extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        raise CmsError(OTHER, f"cannot load PKCS#12: {exc}") from exc
    if key is None or cert is None:
        raise CmsError(OTHER, "PKCS#12 must hold both a private key and its certificate")
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise CmsError(OTHER, f"unsupported private key type {type(key).__name__}")
    try:
        return KeyPair(cert, key)
    except ValueError as exc:
        raise CmsError(OTHER, str(exc)) from exc
