"""The portal (issue 7 builds it out); for now the start page of a logged-in user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import render

from samhand.exchange.models import Message


@login_required
def home(request):
    membership = getattr(request.user, "membership", None)
    if membership is None:
        raise PermissionDenied("no organisation")
    her_ids = [membership.organisation.her_id, *membership.organisation.parties.values_list("her_id", flat=True)]
    # Metadata only: the list never loads patient content.
    recent = (Message.objects.filter(Q(sender_her_id__in=her_ids) | Q(receiver_her_id__in=her_ids))
              .only("id", "msg_type", "msg_id", "sender_her_id", "receiver_her_id", "created_at")[:25])
    return render(request, "portal/home.html", {"membership": membership, "recent": recent})
