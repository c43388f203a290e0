"""The door to patient data (issues 15 and 16 §3): every look-up of a message or episode by an
outside caller is scoped here to the parties the caller acts for, and every read of patient
content or identifying data is written to the access log here, exactly once, with its purpose.

Decryption for reading happens only in ``_decrypt`` below (the one call into
exchange.protection for reads), so a reader never holds content that was not logged. The
exchange pipeline decrypts on arrival for its own checks; that is transport, not reading.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from samhand import cms, kith
from samhand.accounts.scope import scope_for
from samhand.directory.services import party_by_her_id
from samhand.exchange import protection
from samhand.exchange.errors import NotFound, Refused
from samhand.exchange.models import Delivery, Message
from samhand.lib.prepared import Prepared

from . import log
from .models import AccessLog

Kind = AccessLog.Kind


@dataclass(frozen=True)
class Actor:
    """Who reads: a portal user, an EPR system (acting for a named clinician) or a CLI operator."""

    kind: str  # "user" | "api-client" | "cli"
    name: str  # username or system
    clinician: str = ""
    hpr: str = ""
    role: str = ""
    organisation_her_id: str = ""

    def fields(self) -> dict:
        return {"actor_kind": self.kind, "actor": self.name, "actor_name": self.clinician, "actor_hpr": self.hpr,
                "actor_role": self.role}


def user_actor(user) -> Actor:
    scope = scope_for(user)
    return Actor("user", scope.username, clinician=user.get_full_name(), hpr=scope.hpr,
                 role=scope.profession or scope.role,
                 organisation_her_id=scope.organisation.her_id)


def client_actor(client, practitioner: dict | None = None) -> Actor:
    p = practitioner or {}
    return Actor("api-client", client.system, clinician=p.get("name", ""), hpr=p.get("hpr", ""), role=p.get("role", ""))


def cli_actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor("cli", who)


def record(kind: str, actor: Actor, *, purpose: str, patient_id: str = "", message=None, documents=(),
           organisation_her_id: str = "", holder_her_id: str = "", decision_ref: str = "", detail: str = "") -> AccessLog:
    """One access-log row. Every writer of the log comes through here (or ``log.append``)."""
    return log.append(kind=kind, purpose=purpose, patient_id=patient_id or "", message=message,
                      documents=[str(d) for d in documents], holder_her_id=holder_her_id,
                      organisation_her_id=organisation_her_id or actor.organisation_her_id,
                      decision_ref=decision_ref, detail=detail, **actor.fields())


def _decrypt(content, reader) -> bytes:
    """The one place stored messages are opened for reading: exchange.protection's sealed copy
    (decrypted once on arrival, kept under the node's data key), else the CMS envelope with the
    reading party's keys."""
    try:
        return protection.open_stored(content, reader=reader, max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES)
    except (cms.CmsError, kith.KithError) as exc:
        raise Refused(exc.code, exc.text, status=409) from None


def node_read(message: Message, reader, *, purpose: str) -> bytes:
    """The node itself opens a message as one of its hosted parties (to answer or thread it): logged
    like any other read, with the node as the actor."""
    record(Kind.READ, Actor("node", "samhand"), purpose=purpose, message=message, patient_id=message.patient_id,
           organisation_her_id=reader.her_id)
    return _decrypt(message.content, reader)


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
    return _unread(list(her_ids), limit=limit, with_content=with_content)


def _unread_query(her_ids: list[str], *, limit: int, with_content: bool):
    related = ["message", "message__original", "manual_handling"]
    if with_content:
        related += ["message__content", "party"]
    query = Delivery.objects.select_related(*related)
    if with_content:
        # The sealed copy is what a read opens; the CMS envelope (the larger column) is fetched
        # only for a row that has no sealed copy (stored before it existed), when it is read.
        query = query.defer("message__content__payload")
    return (query.filter(her_id__in=her_ids, delivered_at__isnull=False, read_at__isnull=True)
            .order_by("delivered_at")[:limit])


_unread = Prepared(_unread_query)  # a long poll asks this again and again: compiled once per shape


def read_content(view: MessageView, *, actor_kind: str = "", actor: str | Actor = "", purpose: str,
                 reader_her_id: str = "", decision_ref: str = "", holder_her_id: str = "",
                 on_behalf_of: str = "") -> bytes:
    """The document decrypted with the reading party's key and verified, with an access-log line
    written first (an attempt to read patient content is logged even if verification then fails).

    ``reader_her_id`` is whose key decrypts (default: the caller's own party on the message);
    ``on_behalf_of`` the organisation logged as reading when that differs (the access broker)."""
    message = view.message
    who = actor if isinstance(actor, Actor) else Actor(actor_kind, actor)
    reader_her_id = reader_her_id or (view.delivery.her_id if view.delivery else message.sender_her_id)
    withdrawn = view.delivery is not None and view.delivery.withdrawn_at is not None
    record(Kind.READ, who, purpose=f"{purpose} (refused: withdrawn)"[:100] if withdrawn else purpose, message=message,
           patient_id=message.patient_id, organisation_her_id=on_behalf_of or reader_her_id, decision_ref=decision_ref,
           holder_her_id=holder_her_id)
    if withdrawn:
        # S11: a misdirected message is withdrawn from its receiver; the attempt is logged above.
        raise Refused("withdrawn", f"the content was withdrawn from {reader_her_id} "
                      f"{view.delivery.withdrawn_at:%Y-%m-%d %H:%M} UTC: {view.delivery.withdrawn_reason}", status=410)
    return _open_as(message, reader_her_id)


def read_contents(views: list[MessageView], *, actor: Actor, purpose: str) -> dict[object, bytes | Refused]:
    """``read_content`` for many messages at once (the EPR's batch fetch): the access-log lines of
    all of them are appended first, in one go, then each is opened. The answer maps each view's
    delivery id (or message id for a sender's view) to the document, or to the Refused that
    reading it raised: one unreadable message does not keep the others from their reader."""
    if not views:
        return {}

    def reader_of(view: MessageView) -> str:
        return view.delivery.her_id if view.delivery else view.message.sender_her_id

    def withdrawn(view: MessageView) -> bool:
        return view.delivery is not None and view.delivery.withdrawn_at is not None

    log.append_many([{"kind": Kind.READ, "message": v.message, "patient_id": v.message.patient_id,
                      "purpose": f"{purpose} (refused: withdrawn)"[:100] if withdrawn(v) else purpose,
                      "organisation_her_id": reader_of(v), **actor.fields()} for v in views])
    out: dict[object, bytes | Refused] = {}
    for view in views:
        key = view.delivery.pk if view.delivery is not None else view.message.pk
        if withdrawn(view):
            out[key] = Refused("withdrawn", f"the content was withdrawn from {reader_of(view)}: "
                                            f"{view.delivery.withdrawn_reason}", status=410)
            continue
        try:
            out[key] = _open_as(view.message, reader_of(view))
        except Refused as refused:
            out[key] = refused
    return out


def _open_as(message: Message, reader_her_id: str) -> bytes:
    reader = party_by_her_id(reader_her_id)
    if reader is None:
        raise Refused("S99", f"no key on this node to read as {reader_her_id}", status=409)
    return _decrypt(message.content, reader)


def read_file(payload: bytes, *, reader_her_id: str, expected_sender_her_id: str = "", actor: Actor | None = None,
              purpose: str = "cli-unprotect") -> bytes:
    """``samhand cms unprotect``: decrypt a protected file as a hosted party, verify it, and log
    the read (the patient and message named inside, when the content says so)."""
    from samhand.directory import certificates

    reader = party_by_her_id(reader_her_id)
    if reader is None:
        raise cms.CmsError("S02", f"{reader_her_id} is not an active party with certificates")
    inner = cms.decrypt(payload, certificates.decryption_pairs(reader))
    content = cms.peek_content(inner)
    patient_id, message = "", None
    try:
        root = kith.parse_xml(content)
        head = kith.parse_msghead(root)
        patient_id = head.patient.id if head.patient else ""
        message = Message.objects.filter(msg_id=head.msg_id).first()
    except kith.KithError:
        root = None
    record(Kind.READ, actor or cli_actor(), purpose=purpose, patient_id=patient_id, message=message,
           organisation_her_id=reader_her_id, detail="protected file decrypted on the command line")
    cas, crls = certificates.trust()
    if expected_sender_her_id:
        sender = party_by_her_id(expected_sender_her_id)
        if sender is None:
            raise cms.CmsError("S02", f"{expected_sender_her_id} has no certificates")
        return cms.verify(inner, expected_signer=certificates.signing_certificate(sender), trusted_cas=cas,
                          crls=crls).content
    protection.cms_verify(inner, root if root is not None else kith.parse_xml(content))
    return content


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
    would have to be sorted whole). The streams do not overlap, so they can be merged by a
    ``UNION ALL`` (portal.pagination): a message between two of the organisation's own services
    is in the sender's stream only, and a copy in the copy stream only when neither its sender
    nor its receiver is the organisation's. A status filter other than a normal outcome, and
    «levert» without AppRecs, are read from the delivery side instead (``_in_exceptional_state``)."""
    scope = scope_for(user)
    f = filters or MessageFilter()
    if f.msg_id or f.patient_id:
        return [messages_for_user(user, f)]  # one index does it: msg_id or patient_id
    if f.state and (f.state not in NORMAL_OUTCOMES or _awaiting_apprec(f)):
        return _in_exceptional_state(scope, f)
    if scope.all_traffic:
        return [messages_for_user(user, f)]  # the created_at index
    her_ids = sorted(scope.her_ids)
    partners = set(f.partner_her_ids)
    if partners & scope.her_ids:
        return [messages_for_user(user, f)]
    # Against one of our own services the partner can only be the other side of the message.
    base = _filtered(Message.objects.all(), scope, replace(f, partner_her_ids=()))
    sent = [base.filter(sender_her_id=h) for h in her_ids]
    received = [base.filter(receiver_her_id=h).exclude(sender_her_id__in=her_ids) for h in her_ids]
    if partners:
        sent = [qs.filter(receiver_her_id__in=sorted(partners)) for qs in sent]
        received = [qs.filter(sender_her_id__in=sorted(partners)) for qs in received]
    return [qs.order_by("-created_at", "-id") for qs in sent + received] + [_copies(scope, f)]


def _from_the_delivery_side(qs: QuerySet) -> QuerySet:
    """Newest first, for a stream found from its few deliveries. Ordered by the column itself,
    PostgreSQL may instead walk the whole time index and probe each message (it guesses that the
    deliveries are spread evenly): 0.3-0.9 s with a million messages. The same order through
    COALESCE, which no index offers, leaves it only the delivery side."""
    return qs.order_by(Coalesce("created_at", "created_at").desc(), "-id")


def _copies(scope, f: MessageFilter) -> QuerySet:
    """The organisation's copies of messages neither sent nor received by it (those are in the
    other streams). Copies are rare: found from the copy deliveries (exchange 0008's index)."""
    her_ids = sorted(scope.her_ids)
    copies = Delivery.objects.filter(her_id__in=her_ids, role=Delivery.Role.COPY).values("message_id")
    return _from_the_delivery_side(_filtered(Message.objects.filter(pk__in=copies), scope, f)
                                   .exclude(sender_her_id__in=her_ids).exclude(receiver_her_id__in=her_ids))


# How a primary delivery normally ends: a business message acknowledged, an AppRec delivered. Every
# other state (queued, sent, refused, rejected, failed, acknowledged with errors) is an exception
# or in flight, so few deliveries are in it at any volume; exchange 0008 indexes them. «Levert» is
# common only for the AppRecs' deliveries: a business message is «levert» while it waits for its
# AppRec, also a few. Without AppRecs in the list those few are read from exchange 0009's index
# (``_awaiting_apprec``); with them, «levert» is common and the streams find a page at once.
NORMAL_OUTCOMES = frozenset({Delivery.State.ACKNOWLEDGED, Delivery.State.DELIVERED})


def _awaiting_apprec(f: MessageFilter) -> bool:
    """«Levert» without AppRecs: the business messages delivered and waiting for their AppRec."""
    return f.state == Delivery.State.DELIVERED and not f.include_apprecs and not f.msg_id


def _in_exceptional_state(scope, f: MessageFilter) -> list[QuerySet]:
    """The messages whose primary delivery is in a state outside NORMAL_OUTCOMES (or «levert» and
    waiting for an AppRec), read from the delivery side: the state's deliveries once, each message
    probed by its key. Walking the organisation's streams instead would probe a delivery for every
    message until a page is found, i.e. all of them when the state is rare (0.4-0.9 s with a
    million messages; 1.2-4.2 s for «levert», where every AppRec passes the delivery test and is
    then dropped), and a branch per stream would read the state's deliveries once per stream. Two
    streams: the organisation's own messages, and its copies (an OR of the two keeps PostgreSQL
    from probing by key: it scanned the whole table instead)."""
    in_state = Delivery.objects.filter(role=Delivery.Role.PRIMARY, state=f.state)
    if _awaiting_apprec(f):
        # Spelled out, so that PostgreSQL proves the partial index of exchange 0009 applies.
        in_state = in_state.filter(for_apprec=False)
    in_state = in_state.values("message_id")
    qs = _filtered(Message.objects.filter(pk__in=in_state), scope, replace(f, state=""))
    if scope.all_traffic:
        return [_from_the_delivery_side(qs)]
    her_ids = sorted(scope.her_ids)
    own = qs.filter(Q(sender_her_id__in=her_ids) | Q(receiver_her_id__in=her_ids))
    return [_from_the_delivery_side(own), _copies(scope, f)]


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
    return read_content(view, actor=user_actor(user), purpose=purpose)


def message_page_for_user(user, object_id, *, purpose: str = "portal-message") -> MessageView:
    """The message page: metadata with the full national identity number for members who see
    patient data, logged as one read of identifying data (the operator sees it masked: no row)."""
    view = view_for_user(user, object_id)
    scope = scope_for(user)
    if scope.sees_content and view.role != "operator" and view.message.patient_id:
        her_id = view.delivery.her_id if view.delivery else view.message.sender_her_id
        record(Kind.READ, user_actor(user), purpose=purpose, patient_id=view.message.patient_id,
               message=view.message, organisation_her_id=her_id, detail="message page (identity number shown)")
    return view


def search_by_patient(user, patient_id: str, messages, *, purpose: str = "portal-search") -> None:
    """A search by national identity number, logged once with the messages it showed."""
    record(Kind.SEARCH, user_actor(user), purpose=purpose, patient_id=patient_id,
           documents=[m.pk for m in messages], detail="search by identity number")


def episodes_read(actor: Actor, episodes, *, purpose: str, her_ids, listing: bool = False) -> None:
    """Episodes shown (a list or one page): they name the patient and what was sent. One row for
    a single episode; for a list one row per patient shown, so each patient's report sees it."""
    her_ids = set(her_ids)
    by_patient: dict[str, list] = {}
    for episode in episodes:
        by_patient.setdefault(episode.patient_id, []).append(episode)
    rows = []
    for patient_id, items in by_patient.items():
        mine = next((p.her_id for e in items for p in e.parties.all() if p.her_id in her_ids), "")
        rows.append({"kind": Kind.LIST if listing else Kind.READ, "purpose": purpose, "patient_id": patient_id,
                     "documents": [f"episode:{e.pk}" for e in items], "organisation_her_id": mine or actor.organisation_her_id,
                     **actor.fields()})
    log.append_many(rows)
