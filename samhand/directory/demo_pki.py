"""A demo CA and certificates for every hosted party (samhand demo, tests).

Real nodes import the certificates issued by Buypass or Commfides from the
address register (samhand certs import); nothing here is for production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from samhand import cms
from samhand.cms import demo as cms_demo

from .certificates import install, trust_issuer
from .models import Certificate, CommunicationParty

DEMO_CA_NAME = "samhand demo CA (ikke for produksjon)"

KeyFactory = Callable[[str], object]  # label -> private key


def provision(parties: Iterable[CommunicationParty], *, key_for: KeyFactory | None = None,
              valid_days: int = 730) -> cms.KeyPair:
    """Issue signing and encryption certificates (with sealed keys) to each party from a fresh CA."""
    key_for = key_for or (lambda _label: cms_demo.new_key())
    ca = cms_demo.make_ca(DEMO_CA_NAME, key=key_for("ca"))
    trust_issuer(DEMO_CA_NAME, ca.cert, cms_demo.make_crl(ca, []))
    for party in parties:
        for usage in (Certificate.Usage.SIGNING, Certificate.Usage.ENCRYPTION):
            pair = cms_demo.issue(ca, _common_name(f"{party.name} ({party.organisation.name})"), usage=usage,
                                  her_id=party.her_id, organisation=party.organisation.name,
                                  valid_days=valid_days, key=key_for(f"{party.her_id}:{usage}"))
            install(party, usage, pair.cert, pair.key)
    return ca


def ensure_demo_pki() -> int:
    """Certificates for hosted parties that have none yet (the demo keeps its CA across restarts
    only as long as its database lives; a fresh database gets a fresh CA)."""
    missing = list(CommunicationParty.objects.filter(hosted=True, active=True).exclude(
        certificates__status=Certificate.Status.CURRENT).select_related("organisation").distinct())
    if missing:
        provision(missing)
    return len(missing)


def _common_name(text: str) -> str:
    # X.509 limits commonName to 64 bytes of UTF-8, and Norwegian names have multi-byte letters.
    while len(text.encode()) > 64:
        text = text[:-1]
    return text
