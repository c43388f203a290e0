"""The choke point for patient data: every lookup of a message by an outside
caller goes through here, scoped to the parties the caller acts for, and every
read of content is written to the access log (S3)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from samhand import cms, kith
from samhand.access.models import AccessLog
from samhand.accounts.scope import scope_for
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


def check_inbox_parties(client, her_ids: list[str]) -> None:
    """403 unless the client acts for every one of ``her_ids`` (checked before a long poll waits)."""
    foreign = sorted(set(her_ids) - client.her_ids())
    if foreign:
        raise Refused("forbidden", f"{client.system} may not read for HER-id(s) {', '.join(foreign)}", status=403)


def inbox_for_client(client, her_ids: list[str], limit: int = 100, *, with_content: bool = False):
    """Unread inbox entries of the client's parties, oldest first. ``with_content`` loads the stored
    payloads in the same query (for ``read_contents``); the list itself never decrypts anything."""
    check_inbox_parties(client, her_ids)
    related = ["message", "message__original", "manual_handling"]
    if with_content:
        related += ["message__content", "party"]
    return list(Delivery.objects.select_related(*related)
                .filter(her_id__in=her_ids, delivered_at__isnull=False, read_at__isnull=True)
                .order_by("delivered_at")[:limit])


def read_content(view: MessageView, *, actor_kind: str, actor: str, purpose: str) -> bytes:
    """The document decrypted with the reading party's key and verified, with an access-log line
    written first (an attempt to read patient content is logged even if verification then fails)."""
    message = view.message
    reader_her_id = view.delivery.her_id if view.delivery else message.sender_her_id
    AccessLog.objects.create(actor_kind=actor_kind, actor=actor, message=message, patient_id=message.patient_id,
                             purpose=purpose, organisation_her_id=reader_her_id)
    return _open_for(view)


def read_contents(views: list[MessageView], *, actor_kind: str, actor: str,
                  purpose: str) -> dict[object, bytes | Refused]:
    """``read_content`` for many messages at once (the EPR's batch fetch): one bulk insert writes
    the access-log lines of all of them first, then each is opened. The answer maps each view's
    delivery id (or message id for a sender's view) to the document, or to the Refused that
    reading it raised — one unreadable message does not keep the others from their reader."""
    if not views:
        return {}
    AccessLog.objects.bulk_create([
        AccessLog(actor_kind=actor_kind, actor=actor, message=v.message, patient_id=v.message.patient_id,
                  purpose=purpose,
                  organisation_her_id=v.delivery.her_id if v.delivery else v.message.sender_her_id)
        for v in views])
    out: dict[object, bytes | Refused] = {}
    for view in views:
        key = view.delivery.pk if view.delivery is not None else view.message.pk
        try:
            out[key] = _open_for(view)
        except Refused as refused:
            out[key] = refused
    return out


def _open_for(view: MessageView) -> bytes:
    message = view.message
    reader = view.delivery.party if view.delivery else party_by_her_id(message.sender_her_id)
    if reader is None:
        reader_her_id = view.delivery.her_id if view.delivery else message.sender_her_id
        raise Refused("S99", f"no key on this node to read as {reader_her_id}", status=409)
    try:
        return protection.open_stored(message.content, reader=reader, max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES)
    except (cms.CmsError, kith.KithError) as exc:
        raise Refused(exc.code, exc.text, status=409) from None


# -- portal users ---------------------------------------------------------------------------
# A user sees the messages where a party of the user's organisation is sender, receiver or
# copy receiver; the node operator sees the metadata of all traffic and never the content.

@dataclass(frozen=True)
class MessageFilter:
    msg_type: str = ""
    partner_her_ids: tuple[str, ...] = ()  # the other side: sender or receiver among these
    state: str = ""  # Delivery.State of the primary delivery
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    patient_id: str = ""
    msg_id: str = ""
    include_apprecs: bool = False


def _involving(her_ids) -> Q:
    her_ids = sorted(her_ids)
    copies = Delivery.objects.filter(her_id__in=her_ids, role=Delivery.Role.COPY).values("message_id")
    return Q(sender_her_id__in=her_ids) | Q(receiver_her_id__in=her_ids) | Q(pk__in=copies)


def messages_for_user(user, filters: MessageFilter | None = None) -> QuerySet:
    """Metadata of the messages a portal user may see, newest first. Never touches MessageContent.

    PermissionDenied for a user without an organisation, and for a patient-id search by a
    user who may not see patient data (the operator).
    """
    scope = scope_for(user)
    qs = Message.objects.all()
    if not scope.all_traffic:
        qs = qs.filter(_involving(scope.her_ids))
    return _filtered(qs, scope, filters or MessageFilter()).order_by("-created_at", "-id")


def message_streams_for_user(user, filters: MessageFilter | None = None) -> list[QuerySet]:
    """The messages of ``messages_for_user`` as several queries, each newest first: one per service
    and direction, and one for copies. Each walks a (her_id, created_at) index in time order, so
    a page of a large organisation's traffic costs the same at any size (one OR over all of it
    would have to be sorted whole). A message may come in two streams; merge by id."""
    scope = scope_for(user)
    f = filters or MessageFilter()
    if scope.all_traffic or f.msg_id or f.patient_id:
        return [messages_for_user(user, f)]  # one index does it: created_at, msg_id or patient_id
    her_ids = sorted(scope.her_ids)
    partners = set(f.partner_her_ids)
    if partners & scope.her_ids:
        return [messages_for_user(user, f)]
    # Against one of our own services the partner can only be the other side of the message.
    base = _filtered(Message.objects.all(), scope, replace(f, partner_her_ids=()))
    sent = [base.filter(sender_her_id=h) for h in her_ids]
    received = [base.filter(receiver_her_id=h) for h in her_ids]
    if partners:
        sent = [qs.filter(receiver_her_id__in=sorted(partners)) for qs in sent]
        received = [qs.filter(sender_her_id__in=sorted(partners)) for qs in received]
    streams = sent + received
    copies = Delivery.objects.filter(her_id__in=her_ids, role=Delivery.Role.COPY)
    if copies.exists():  # rare: skip the stream (and its scan) when the organisation has none
        streams.append(_filtered(Message.objects.filter(pk__in=copies.values("message_id")), scope, f))
    return [qs.order_by("-created_at", "-id") for qs in streams]


def _filtered(qs: QuerySet, scope, f: MessageFilter) -> QuerySet:
    if f.patient_id and not scope.sees_content:
        raise PermissionDenied("the operator does not search by patient")
    if not f.include_apprecs and not f.msg_id:
        qs = qs.filter(is_apprec=False)
    if f.msg_type:
        qs = qs.filter(msg_type=f.msg_type)
    if f.partner_her_ids:
        partners = sorted(f.partner_her_ids)
        qs = qs.filter(Q(sender_her_id__in=partners) | Q(receiver_her_id__in=partners))
    if f.state:
        qs = qs.filter(Exists(Delivery.objects.filter(message=OuterRef("pk"), role=Delivery.Role.PRIMARY,
                                                      state=f.state)))
    if f.since:
        qs = qs.filter(created_at__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__lt=f.until)
    if f.patient_id:
        qs = qs.filter(patient_id=f.patient_id)
    if f.msg_id:
        qs = qs.filter(msg_id=f.msg_id)
    return qs


def view_for_user(user, object_id) -> MessageView:
    """One message as a portal user may see it; NotFound for everything else (and for bad ids).

    A user whose organisation sent it sees it as the sender; one whose service received it
    (primary or copy) as that receiver; the operator sees any message's metadata.
    """
    scope = scope_for(user)
    try:
        message = Message.objects.filter(pk=object_id).first()
    except (ValueError, ValidationError):
        message = None
    if message is None:
        raise NotFound(str(object_id))
    if message.sender_her_id in scope.her_ids:
        return MessageView(message, None, "sender")
    delivery = (Delivery.objects.select_related("party").filter(message=message, her_id__in=scope.her_ids)
                .order_by("-role").first())  # "primary" sorts after "copy": the primary delivery first
    if delivery is not None:
        return MessageView(message, delivery, "receiver")
    if scope.all_traffic:
        return MessageView(message, None, "operator")
    raise NotFound(str(object_id))


def content_for_user(user, view: MessageView, *, purpose: str = "portal-view") -> bytes:
    """The decrypted, verified document for a portal user, logged; Refused 403 for the operator,
    409 for a receiver before the message was delivered to it."""
    scope = scope_for(user)
    if not scope.sees_content or view.role == "operator":
        raise Refused("forbidden", "the node operator sees traffic metadata, not patient content", status=403)
    if view.delivery is not None and view.delivery.delivered_at is None:
        raise Refused("not-delivered", "the message has not been delivered to this service yet", status=409)
    return read_content(view, actor_kind="user", actor=scope.username, purpose=purpose)
