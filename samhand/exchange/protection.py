"""Sign-then-encrypt every message and AppRec between parties; decrypt-then-verify
on receipt and on every read (S3, issue 3).

What is stored is the protected form: CMS EnvelopedData (AES-256-CBC) around
SignedData (SHA-256), encrypted to every receiving party and to the sender
itself, so both sides can read their copy and nobody else can.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from samhand import cms, kith
from samhand.directory import certificates
from samhand.directory.models import Certificate, CommunicationParty


@dataclass
class Opened:
    """Decrypted content, and whether its signature checked out."""

    content: bytes
    root: object  # the hardened-parsed XML root
    error: cms.CmsError | None = None  # set when decryption worked but verification failed


def _with_certs(parties):
    ids = {p.pk for p in parties if p is not None}
    return list(CommunicationParty.objects.filter(pk__in=ids).select_related("organisation").prefetch_related(
        Prefetch("certificates", queryset=Certificate.objects.exclude(status=Certificate.Status.RETIRED))))


def protect(raw: bytes, *, sender: CommunicationParty, recipients: list[CommunicationParty]) -> bytes:
    """Signed by the sender's key, encrypted to each recipient and to the sender; raises CmsError."""
    loaded = {p.pk: p for p in _with_certs([sender, *recipients])}
    signer = certificates.signing_pair(loaded[sender.pk])
    readers = list(dict.fromkeys([*(r.pk for r in recipients if r is not None), sender.pk]))
    return cms.protect(raw, signer, [certificates.encryption_certificate(loaded[pk]) for pk in readers])


def open_protected(payload: bytes, *, reader: CommunicationParty, max_bytes: int) -> Opened:
    """Decrypt with the reader's keys (current, then previous), then verify the signer.

    Raises CmsError when it cannot be decrypted at all (S99) and KithError when
    the signed content is not well-formed XML (T01); a message that
    decrypts but fails verification comes back with ``error`` set, so the
    caller can still address a negative AppRec to its sender.
    """
    (loaded,) = _with_certs([reader])
    inner = cms.decrypt(payload, certificates.decryption_pairs(loaded))
    content = cms.peek_content(inner)
    try:
        root = kith.parse_xml(content, max_bytes=max_bytes)
    except kith.KithError:
        # Damaged in transit reads as S01 (the signature no longer matches), not as T01:
        # only content that was signed in this state is the sender's format error.
        cas, crls = certificates.trust()
        cms.verify(inner, trusted_cas=cas, crls=crls)
        raise
    try:
        cms_verify(inner, root)
    except cms.CmsError as exc:
        return Opened(content, root, exc)
    return Opened(content, root)


def cms_verify(inner: bytes, root) -> None:
    """The signer must be the signing certificate registered for the document's sender."""
    her_id, org_her_id = _sender_of(root)
    party = CommunicationParty.objects.filter(her_id=her_id).prefetch_related("certificates").first()
    cas, crls = certificates.trust()
    if party is not None:
        cms.verify(inner, expected_signer=certificates.signing_certificate(party), trusted_cas=cas, crls=crls)
        return
    # A receipt from an address its organisation does not have (E21) is signed by the
    # organisation's messaging system: accept a current signing certificate of that organisation.
    allowed = {c.fingerprint for c in Certificate.objects.filter(
        party__organisation__her_id=org_her_id, usage=Certificate.Usage.SIGNING, status=Certificate.Status.CURRENT)}
    verified = cms.verify(inner, trusted_cas=cas, crls=crls)
    if certificates.fingerprint(verified.signer) not in allowed:
        raise cms.CmsError("S01", f"signer is not registered for {her_id} or its organisation {org_her_id}")


def _sender_of(root) -> tuple[str | None, str | None]:
    kind = kith.identify_document(root)
    try:
        sender = (kith.parse_apprec(root) if kind is not None and kind.family == "AppRec"
                  else kith.parse_msghead(root)).sender
    except kith.KithError as exc:
        raise cms.CmsError("S99", f"signed content has no readable sender: {exc.text}") from None
    return sender.her_id, sender.organisation_her_id


def signing_party_for(her_id: str | None, organisation_her_id: str | None) -> CommunicationParty | None:
    """Who signs a receipt from ``her_id``: the party itself when hosted here, else a hosted party of
    its organisation (the organisation's messaging system answers for an address it does not have)."""
    hosted = CommunicationParty.objects.filter(hosted=True, active=True, certificates__usage="signing",
                                               certificates__status="current", certificates__sealed_key__isnull=False)
    return (hosted.filter(her_id=her_id).first()
            or hosted.filter(organisation__her_id=organisation_her_id).order_by("her_id").first())
