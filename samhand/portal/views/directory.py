"""The directory: organisations, their services with HER-ids, meldingsansvarlig and contact
points, searchable, so a person knows whom to call (S14)."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render

from samhand.directory.models import CommunicationParty, Organisation

from ..decorators import member_view


def _organisations():
    return Organisation.objects.prefetch_related(
        Prefetch("parties", queryset=CommunicationParty.objects.order_by("name")), "contacts")


@member_view
def directory(request):
    q = (request.GET.get("q") or "").strip()
    orgs = _organisations()
    if q:
        orgs = orgs.filter(Q(name__icontains=q) | Q(her_id=q) | Q(org_number=q) | Q(ma_name__icontains=q)
                           | Q(parties__name__icontains=q) | Q(parties__her_id=q)
                           | Q(contacts__name__icontains=q)).distinct()
    return render(request, "portal/directory.html", {"q": q, "organisations": list(orgs.order_by("kind", "name")[:200])})


@member_view
def organisation(request, pk: int):
    org = get_object_or_404(_organisations(), pk=pk)
    return render(request, "portal/organisation.html", {"org": org})
