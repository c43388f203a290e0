"""One message: metadata, delivery states, event timeline, AppRec, conversation; the
readable content on request (logged); the manual-routine PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samhand.access.door import (MessageFilter, content_for_user, message_page_for_user, messages_for_user,
                                 view_for_user)
from samhand.exchange.errors import NotFound, Refused
from samhand.exchange.models import Delivery, Message
from samhand.monitoring import services

from .. import eventtext, holds, labels
from ..content import readable
from ..decorators import is_htmx, member_view
from ..names import Names


POSITIVE_STATES = (Delivery.State.ACKNOWLEDGED, Delivery.State.PARTLY)


def _view(request, pk, *, page: bool = False):
    try:
        # The page itself shows the full identity number: message_page_for_user logs that read.
        return message_page_for_user(request.user, pk) if page else view_for_user(request.user, pk)
    except NotFound:
        raise Http404(_("Ingen slik melding for din organisasjon.")) from None


def _apprec(message: Message | None) -> dict | None:
    """An AppRec message as the page shows it: status and each error with its meaning (8258, 8221)."""
    if message is None:
        return None
    return {"message": message, "status": message.apprec_status, "status_text": labels.apprec_status(message.apprec_status),
            "ok": message.apprec_status == "1",
            "errors": [{"code": e.get("code", ""), "meaning": labels.apprec_error(e.get("code", "")),
                        "text": e.get("text", "")} for e in message.apprec_errors or []]}


def _conversation(request, message: Message) -> list[Message]:
    key = message.conversation_ref or message.msg_id
    # The conversation first (a few rows by its own indexes), then the user's scope over those.
    candidates = list(Message.objects.filter(Q(conversation_ref=key) | Q(msg_id=key)).values_list("pk", flat=True)[:500])
    qs = messages_for_user(request.user, MessageFilter()).filter(pk__in=candidates)
    return list(qs.only("id", "msg_id", "msg_type", "sender_her_id", "receiver_her_id", "created_at")
                .order_by("created_at")[:100])


def _may_read(request, view) -> bool:
    scope = request.scope
    if not scope.sees_content or view.role == "operator":
        return False
    return view.delivery is None or (view.delivery.delivered_at is not None and view.delivery.withdrawn_at is None)


@member_view
def message_detail(request, pk):
    view = _view(request, pk, page=True)
    message = view.message
    if view.delivery is not None:
        deliveries = [view.delivery]
        events = [e for e in message.events.all() if e.delivery_id in (None, view.delivery.pk)]
        apprec = _apprec(Message.objects.filter(pk=view.delivery.answer_id).first())
        apprec_direction = "sent"
    else:
        deliveries = list(message.deliveries.select_related("apprec").order_by("-role", "created_at"))
        events = list(message.events.all())
        primary = next((d for d in deliveries if d.role == Delivery.Role.PRIMARY), None)
        apprec = _apprec(primary.apprec if primary else None)
        apprec_direction = "received"
    held = holds.holds([d.her_id for d in deliveries if d.state == Delivery.State.QUEUED])
    for delivery in deliveries:
        delivery.state_css = labels.STATE_CSS.get(delivery.state, "info")
        delivery.hold = held.get(delivery.her_id) if delivery.state == Delivery.State.QUEUED else None
    conversation = _conversation(request, message)
    names = Names([message.sender_her_id, message.receiver_her_id, *(d.her_id for d in deliveries),
                   *(h for m in conversation for h in (m.sender_her_id, m.receiver_her_id))])
    by_pk = {d.pk: d for d in deliveries}
    for event in events:
        event.label = labels.event_label(event.kind)
        if event.delivery_id in by_pk:
            event.delivery = by_pk[event.delivery_id]
        event.text = eventtext.describe(event, names, deliveries=deliveries)
    original = None
    if message.original_id:
        try:
            original = view_for_user(request.user, message.original_id).message
        except NotFound:
            original = None
    return render(request, "portal/message.html", {
        "view": view, "m": message, "deliveries": deliveries, "events": events, "apprec": apprec,
        "apprec_direction": apprec_direction, "conversation": conversation, "names": names, "original": original,
        "role_label": labels.ROLES.get(view.role, view.role), "may_read": _may_read(request, view),
        "pdf_available": (view.role == "sender"
                          and not message.is_apprec
                          and any(d.state not in POSITIVE_STATES for d in deliveries)),
    })


@member_view
def message_content(request, pk):
    """The readable content. Every call is an access-log line (access.content_for_user)."""
    view = _view(request, pk)
    try:
        raw = content_for_user(request.user, view, purpose="portal-view")
    except Refused as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.reason) from None
        context = {"m": view.message, "error": exc.reason, "code": exc.code}
        return render(request, "portal/_content_error.html" if is_htmx(request) else "portal/message_content.html",
                      context, status=200 if is_htmx(request) else 409)
    context = {"m": view.message, "doc": readable(raw), "names": Names([view.message.sender_her_id,
                                                                         view.message.receiver_her_id])}
    template = "portal/_content.html" if is_htmx(request) else "portal/message_content.html"
    return render(request, template, context)


@require_POST
@member_view
def manual_routine_pdf(request, pk):
    """The sender prints what could not be delivered, to pass it on by hand (S9). The monitoring
    service reads the content through access.read_content (logged, purpose "manual-routine")."""
    view = _view(request, pk)
    if not _may_read(request, view) or view.role != "sender":
        raise PermissionDenied("the manual routine is the sender's, and needs patient content")
    try:
        pdf = services.manual_routine_pdf(view.message, by=request.user.get_username())
    except Refused as exc:
        messages.error(request, _("Manuell rutine kan ikke startes: %(reason)s") % {"reason": exc.reason})
        return redirect("portal:message", view.message.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="manuell-rutine-{view.message.msg_id}.pdf"'
    return response
