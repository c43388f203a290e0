"""The reconciliation list after manual handling (S9): what was passed on by hand, and whether
sender and receiver have confirmed it, so nothing is entered twice or lost."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samhand.monitoring import services

from ..decorators import member_view
from ..names import Names


def _sides(item, organisation) -> list[str]:
    """Which side(s) of a manual handling the organisation confirms."""
    sides = []
    if item.sender_organisation_id == organisation.pk and item.sender_confirmed_at is None:
        sides.append("sender")
    if item.receiver_organisation_id == organisation.pk and item.receiver_confirmed_at is None:
        sides.append("receiver")
    return sides


@member_view
def reconciliation(request):
    if not request.scope.sees_content:
        raise PermissionDenied("the reconciliation list is the organisations' own work list")
    items = list(services.reconciliation_list(request.scope.organisation))
    for item in items:
        item.my_sides = _sides(item, request.scope.organisation)
    names = Names(h for i in items for h in (i.sender_her_id, i.receiver_her_id))
    return render(request, "portal/reconciliation.html", {"items": items, "names": names})


@require_POST
@member_view
def confirm(request, pk: int):
    if not request.scope.sees_content:
        raise PermissionDenied("the reconciliation list is the organisations' own work list")
    item = services.reconciliation_list(request.scope.organisation).filter(pk=pk).first()
    side = request.POST.get("side", "")
    if item is None or side not in _sides(item, request.scope.organisation):
        raise Http404(_("Ingenting å bekrefte her for din organisasjon."))
    services.confirm_reconciliation(item, side=side, by=request.user.get_username())
    messages.success(request, _("Bekreftet."))
    return redirect("portal:reconciliation")
