"""A throw-away PKI, generated once per test session (RSA key generation is slow).

Nothing is read from or written to the repository: every key and certificate
lives in memory, and OpenSSL tests write theirs to tmp_path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from samhand.cms import KeyPair, demo


@dataclass
class Pki:
    ca: KeyPair
    other_ca: KeyPair
    alice_sign: KeyPair  # sender (UNN), signing certificate
    bob_enc: KeyPair  # receiver (municipality), current encryption certificate
    bob_enc_old: KeyPair  # receiver, previous encryption certificate (rollover)
    carol_sign: KeyPair  # another sender: "unknown signer" when alice is expected
    carol_enc: KeyPair  # another receiver: "not for us"
    expired_sign: KeyPair
    future_sign: KeyPair
    revoked_sign: KeyPair
    foreign_sign: KeyPair  # issued by other_ca
    no_ku_sign: KeyPair  # no KeyUsage extension at all


@pytest.fixture(scope="session")
def pki() -> Pki:
    now = datetime.now(timezone.utc)
    ca = demo.make_ca("Samhand Test CA")
    other_ca = demo.make_ca("Other Test CA")
    k_alice, k_bob, k_bob_old, k_carol, k_misc = (demo.new_key() for _ in range(5))
    return Pki(
        ca=ca,
        other_ca=other_ca,
        alice_sign=demo.issue(ca, "UNN HF", usage="signing", her_id="79768", organisation="UNN", key=k_alice),
        bob_enc=demo.issue(ca, "Tromsø kommune", usage="encryption", her_id="84812",
                           organisation="Tromsø kommune", key=k_bob),
        bob_enc_old=demo.issue(ca, "Tromsø kommune", usage="encryption", her_id="84812",
                               organisation="Tromsø kommune", key=k_bob_old,
                               valid_from=now - timedelta(days=729), valid_days=730),
        carol_sign=demo.issue(ca, "Harstad kommune", usage="signing", her_id="90001", key=k_carol),
        carol_enc=demo.issue(ca, "Harstad kommune", usage="encryption", her_id="90001", key=k_carol),
        expired_sign=demo.issue(ca, "Expired", usage="signing", key=k_misc,
                                valid_from=now - timedelta(days=800), valid_days=730),
        future_sign=demo.issue(ca, "Future", usage="signing", key=k_misc,
                               valid_from=now + timedelta(days=10)),
        revoked_sign=demo.issue(ca, "Revoked", usage="signing", key=k_misc),
        foreign_sign=demo.issue(other_ca, "Foreign", usage="signing", key=k_misc),
        no_ku_sign=_without_key_usage(ca, k_misc),
    )


def _without_key_usage(ca: KeyPair, key) -> KeyPair:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "No KeyUsage")]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .sign(ca.key, hashes.SHA256())
    )
    return KeyPair(cert, key)
