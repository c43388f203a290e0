"""Sign-then-encrypt every message and AppRec between parties; decrypt-then-verify
on receipt (S3, issue 3); the verified content at rest under the node's data key.

What is stored is the protected form: CMS EnvelopedData (AES-256-CBC) around
SignedData (SHA-256), encrypted to every receiving party and to the sender
itself, so both sides can read their copy and nobody else can.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from samhand import cms, kith
from samhand.directory import certificates
from samhand.directory.models import Certificate, CommunicationParty
from samhand.directory.services import party_by_her_id


@dataclass
class Opened:
    """Decrypted content, and whether its signature checked out."""

    content: bytes
    root: object  # the hardened-parsed XML root
    error: cms.CmsError | None = None  # set when decryption worked but verification failed
    header: object = None  # the MsgHead or AppRec read to find the signer (kith), when it was readable


def _loaded(her_id: str) -> CommunicationParty:
    """The party as the directory look-up has it: certificates prefetched (and cached)."""
    loaded = party_by_her_id(her_id)
    if loaded is None:
        raise cms.CmsError("S02", f"{her_id} is not an active party with certificates")
    return loaded


def protect(raw: bytes, *, sender: CommunicationParty, recipients: list[CommunicationParty]) -> bytes:
    """Signed by the sender's key, encrypted to each recipient and to the sender; raises CmsError."""
    signer = certificates.signing_pair(_loaded(sender.her_id))
    readers = dict.fromkeys([*(r.her_id for r in recipients if r is not None), sender.her_id])
    return cms.protect(raw, signer, [certificates.encryption_certificate(_loaded(h)) for h in readers])


def open_protected(payload: bytes, *, reader: CommunicationParty, max_bytes: int) -> Opened:
    """Decrypt with the reader's keys (current, then previous), then verify the signer.

    Raises CmsError when it cannot be decrypted at all (S99) and KithError when
    the signed content is not well-formed XML (T01); a message that
    decrypts but fails verification comes back with ``error`` set, so the
    caller can still address a negative AppRec to its sender.
    """
    inner = cms.decrypt(payload, certificates.decryption_pairs(_loaded(reader.her_id)))
    content = cms.peek_content(inner)
    try:
        root = kith.parse_xml(content, max_bytes=max_bytes)
    except kith.KithError:
        # Damaged in transit reads as S01 (the signature no longer matches), not as T01:
        # only content that was signed in this state is the sender's format error.
        cas, crls = certificates.trust()
        cms.verify(inner, trusted_cas=cas, crls=crls)
        raise
    header = None
    try:
        header = _header_of(root)
        cms_verify(inner, root, header)
    except cms.CmsError as exc:
        return Opened(content, root, exc, header)
    return Opened(content, root, header=header)


def cms_verify(inner: bytes, root, header=None) -> None:
    """The signer must be the signing certificate registered for the document's sender (read from
    ``header``, the document's MsgHead or AppRec as kith parsed it, when the caller has it)."""
    sender = (header if header is not None else _header_of(root)).sender
    her_id, org_her_id = sender.her_id, sender.organisation_her_id
    party = party_by_her_id(her_id)
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


def _header_of(root):
    """The MsgHead (or the AppRec) of the signed content: who sent it."""
    kind = kith.identify_document(root)
    try:
        return kith.parse_apprec(root) if kind is not None and kind.family == "AppRec" else kith.parse_msghead(root)
    except kith.KithError as exc:
        raise cms.CmsError("S99", f"signed content has no readable sender: {exc.text}") from None


@lru_cache(maxsize=4)
def _data_key(secret: str) -> cms.DataKey:
    return cms.DataKey(secret.encode())


def data_key() -> cms.DataKey:
    secret = settings.SAMHAND_KEY_SECRET
    if not secret:
        raise ImproperlyConfigured("SAMHAND_KEY_SECRET must be set to keep message content at rest")
    return _data_key(secret)


def seal(message_id, plain: bytes) -> bytes:
    """The verified document of ``message_id`` under the node's data key (decrypt once, issue 11)."""
    return data_key().seal(plain, str(message_id).encode())


def open_stored(content, *, reader: CommunicationParty | None, max_bytes: int) -> bytes:
    """The verified document of a stored message, as ``reader``: from the sealed copy when there is
    one (microseconds), else by decrypting and verifying the CMS envelope (rows stored before the
    sealed copy existed). Raises CmsError/KithError; a failed verification raises its CmsError."""
    if content.sealed is not None:
        return data_key().unseal(bytes(content.sealed), str(content.message_id).encode())
    if reader is None:
        raise cms.CmsError("S99", "no key on this node to read this message")
    opened = open_protected(bytes(content.payload), reader=reader, max_bytes=max_bytes)
    if opened.error is not None:
        raise opened.error
    return opened.content
