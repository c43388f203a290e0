"""The message list with filters, and the search field in every page's header."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from samhand.access.door import (MessageFilter, message_streams_for_user, messages_for_user, search_by_patient,
                                 view_for_user)
from samhand.exchange.errors import NotFound
from samhand.exchange.models import Delivery

from .. import choices, holds
from ..decorators import member_view
from ..forms import MessageFilterForm
from ..names import Names
from ..pagination import keyset_page

PAGE_SIZE = 50
LIST_FIELDS = ("id", "msg_id", "msg_type", "sender_her_id", "receiver_her_id", "patient_id", "created_at",
               "is_apprec", "apprec_status", "conversation_ref")


@member_view
def message_list(request):
    directory = choices.organisations()  # the partner choices, and the names on the page
    form = MessageFilterForm(request.GET or None, scope=request.scope, organisations=directory)
    if form.is_bound and not form.is_valid():
        return render(request, "portal/messages.html", {"form": form, "page": None}, status=400)
    filters = form.to_filter() if form.is_bound else MessageFilter()
    prefix = form.msg_id_prefix if form.is_bound else ""
    found = form.search if form.is_bound else None
    if found is not None and found.kind == "none":
        # Nothing the search text could mean: say what it accepts instead of an empty list.
        return render(request, "portal/messages.html", {"form": form, "page": None, "no_match": found.value,
                                                        "search": found})
    try:
        if prefix:
            # A MsgId, whole or the beginning the lists show: one index (msg_id) does it.
            streams = [messages_for_user(request.user, filters).filter(msg_id__startswith=prefix).only(*LIST_FIELDS)]
        else:
            streams = [qs.only(*LIST_FIELDS) for qs in message_streams_for_user(request.user, filters)]
    except PermissionDenied:
        form.add_error("q", _("Driften ser trafikkdata, ikke pasientopplysninger: søk på MsgId."))
        return render(request, "portal/messages.html", {"form": form, "page": None}, status=403)
    page = keyset_page(streams, older=request.GET.get("eldre"), newer=request.GET.get("nyere"), size=PAGE_SIZE)
    if filters.patient_id:
        search_by_patient(request.user, filters.patient_id, page.items)  # one access-log row per search
    ids = [m.pk for m in page.items]
    primaries = {mid: (her_id, state) for mid, her_id, state in Delivery.objects.filter(
        message_id__in=ids, role=Delivery.Role.PRIMARY).values_list("message_id", "her_id", "state")}
    held = holds.holds({her_id for her_id, state in primaries.values() if state == Delivery.State.QUEUED})
    for m in page.items:
        her_id, m.primary_state = primaries.get(m.pk, ("", ""))
        m.hold = held.get(her_id) if m.primary_state == Delivery.State.QUEUED else None
    names = Names.for_messages(page.items, directory)
    base = {k: v for k, v in request.GET.items() if k not in ("eldre", "nyere") and v}
    return render(request, "portal/messages.html", {
        "form": form, "page": page, "names": names, "search": found,
        "older_url": f"?{urlencode({**base, 'eldre': page.older})}" if page.older else None,
        "newer_url": f"?{urlencode({**base, 'nyere': page.newer})}" if page.newer else None,
        "first_url": f"?{urlencode(base)}" if not page.first else None,
    })


@member_view
def search(request):
    """The header search: a MsgId (or the node's message id) opens the message; a patient id
    lists that patient's messages."""
    q = (request.GET.get("q") or "").strip()
    if not q:
        return redirect("portal:messages")
    try:
        return redirect("portal:message", view_for_user(request.user, uuid.UUID(q)).message.pk)
    except (ValueError, NotFound):
        pass
    form = MessageFilterForm({"q": q, "kvitteringer": "on"}, scope=request.scope)
    if form.is_valid() and form.msg_id_prefix:
        hits = list(messages_for_user(request.user, form.to_filter())
                    .filter(msg_id__startswith=form.msg_id_prefix).only("id")[:2])
        if len(hits) == 1:
            return redirect("portal:message", hits[0].pk)
    return redirect(f"{reverse('portal:messages')}?{urlencode({'q': q})}")
