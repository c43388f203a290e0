"""A demo CA and certificates for every hosted party (samhand demo, tests).

Real nodes import the certificates issued by Buypass or Commfides from the
address register (samhand certs import); nothing here is for production.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from samhand import cms
from samhand.cms import demo as cms_demo

from samhand.cms.keystore import open_private_key

from .certificates import install, key_secret, trust_issuer
from .models import Certificate, CommunicationParty

DEMO_CA_NAME = "samhand demo CA (ikke for produksjon)"

KeyFactory = Callable[[str], object]  # label -> private key


def provision(parties: Iterable[CommunicationParty], *, key_for: KeyFactory | None = None,
              valid_days: int = 730, ca: cms.KeyPair | None = None) -> cms.KeyPair:
    """Issue signing and encryption certificates (with sealed keys) to each party from a fresh CA."""
    key_for = key_for or (lambda _label: cms_demo.new_key())
    ca = ca or cms_demo.make_ca(DEMO_CA_NAME, key=key_for("ca"))
    trust_issuer(DEMO_CA_NAME, ca.cert, cms_demo.make_crl(ca, []))
    for party in parties:
        for usage in (Certificate.Usage.SIGNING, Certificate.Usage.ENCRYPTION):
            pair = cms_demo.issue(ca, _common_name(f"{party.name} ({party.organisation.name})"), usage=usage,
                                  her_id=party.her_id, organisation=party.organisation.name,
                                  valid_days=valid_days, key=key_for(f"{party.her_id}:{usage}"))
            install(party, usage, pair.cert, pair.key)
    return ca


def ensure_demo_pki(bundle: Path | None = None) -> int:
    """Certificates for parties that have none yet. With a bundle path (two demo nodes on one
    machine), the first node writes every party's certificates and keys to it and the second
    imports them, so both trust the same CA and know each other's certificates."""
    if bundle is not None and bundle.exists():
        import_bundle(bundle)
        return forget_keys_of_remote_parties()
    missing = list(CommunicationParty.objects.filter(active=True).exclude(
        certificates__status=Certificate.Status.CURRENT).select_related("organisation").distinct())
    if missing:
        ca = provision(missing)
        if bundle is not None:
            export_bundle(bundle, ca)
    forget_keys_of_remote_parties()
    return len(missing)


def export_bundle(path: Path, ca: cms.KeyPair) -> None:
    """Every party's certificates and keys, for a second demo node on this machine (demo only:
    the file holds private keys, so it is written 0600 under var/ and never committed)."""
    parties = {}
    for cert in Certificate.objects.select_related("party").filter(status=Certificate.Status.CURRENT):
        key = open_private_key(bytes(cert.sealed_key), key_secret()) if cert.sealed_key else None
        parties.setdefault(cert.party.her_id, {})[cert.usage] = {
            "cert": cert.pem, "key": cms_demo.key_pem(key).decode() if key is not None else None}
    bundle = {"ca": {"cert": cms_demo.cert_pem(ca.cert).decode(), "key": cms_demo.key_pem(ca.key).decode()},
              "parties": parties}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(bundle), encoding="utf-8")


def import_bundle(path: Path) -> None:
    """Install the bundle's CA and certificates; keys only for the parties hosted here."""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    ca_cert = cms.load_certificate(bundle["ca"]["cert"].encode())
    ca = cms.KeyPair(ca_cert, cms.load_private_key(bundle["ca"]["key"].encode()))
    trust_issuer(DEMO_CA_NAME, ca.cert, cms_demo.make_crl(ca, []))
    for party in CommunicationParty.objects.filter(her_id__in=bundle["parties"].keys()):
        for usage, entry in bundle["parties"][party.her_id].items():
            key = cms.load_private_key(entry["key"].encode()) if entry["key"] and party.hosted else None
            install(party, usage, cms.load_certificate(entry["cert"].encode()), key)


def forget_keys_of_remote_parties() -> int:
    """A node keeps private keys only for the parties it hosts."""
    return Certificate.objects.filter(party__hosted=False).exclude(sealed_key=None).update(sealed_key=None)


def _common_name(text: str) -> str:
    # X.509 limits commonName to 64 bytes of UTF-8, and Norwegian names have multi-byte letters.
    while len(text.encode()) > 64:
        text = text[:-1]
    return text
