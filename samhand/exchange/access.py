"""The choke point for patient data: every lookup of a message by an outside
caller goes through here, scoped to the parties the caller acts for, and every
read of content is written to the access log (S3)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from samhand import cms, kith
from samhand.access.models import AccessLog
from samhand.directory.services import party_by_her_id

from . import protection
from .errors import NotFound, Refused
from .models import Delivery, Message


@dataclass
class MessageView:
    message: Message
    delivery: Delivery | None  # set when the caller sees the message as its receiver
    role: str  # "receiver" | "sender"


def view_for_client(client, object_id) -> MessageView:
    """A message as one EPR system may see it; NotFound for everything else.

    Ids of inbox entries are delivery ids (one per receiving party); ids of sent
    messages are message ids, as POST /messages returned them.
    """
    her_ids = client.her_ids()
    delivery = (Delivery.objects.select_related("message", "party")
                .filter(id=object_id, her_id__in=her_ids, delivered_at__isnull=False).first())
    if delivery is not None:
        return MessageView(delivery.message, delivery, "receiver")
    message = Message.objects.filter(id=object_id, sender_her_id__in=her_ids).first()
    if message is not None:
        return MessageView(message, None, "sender")
    raise NotFound(str(object_id))


def inbox_for_client(client, her_ids: list[str], limit: int = 100):
    allowed = client.her_ids()
    foreign = sorted(set(her_ids) - allowed)
    if foreign:
        raise Refused("forbidden", f"{client.system} may not read for HER-id(s) {', '.join(foreign)}", status=403)
    return list(Delivery.objects.select_related("message", "message__original", "manual_handling")
                .filter(her_id__in=her_ids, delivered_at__isnull=False, read_at__isnull=True)
                .order_by("delivered_at")[:limit])


def read_content(view: MessageView, *, actor_kind: str, actor: str, purpose: str) -> bytes:
    """The document decrypted with the reading party's key and verified, with an access-log line
    written first (an attempt to read patient content is logged even if verification then fails)."""
    message = view.message
    reader_her_id = view.delivery.her_id if view.delivery else message.sender_her_id
    AccessLog.objects.create(actor_kind=actor_kind, actor=actor, message=message, patient_id=message.patient_id,
                             purpose=purpose, organisation_her_id=reader_her_id)
    reader = view.delivery.party if view.delivery else party_by_her_id(message.sender_her_id)
    if reader is None:
        raise Refused("S99", f"no key on this node to read as {reader_her_id}", status=409)
    try:
        opened = protection.open_protected(bytes(message.content.payload), reader=reader,
                                           max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES)
    except (cms.CmsError, kith.KithError) as exc:
        raise Refused(exc.code, exc.text, status=409) from None
    if opened.error is not None:
        raise Refused(opened.error.code, opened.error.text, status=409)
    return opened.content
