"""Alerts of the user's organisation: see, acknowledge ("kvitter ut") and resolve them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samhand.exchange.errors import Refused
from samhand.monitoring import services
from samhand.monitoring.models import Alert

from ..decorators import member_view
from ..names import Names

ACTIVE = ("open", "acknowledged")


def _alerts_for(scope):
    """The operator runs the node and sees every organisation's alerts; others their own."""
    qs = Alert.objects.select_related("organisation")
    return qs if scope.all_traffic else qs.filter(organisation=scope.organisation)


@member_view
def alert_list(request):
    scope = request.scope
    show_resolved = request.GET.get("vis") == "loste"
    qs = _alerts_for(scope)
    qs = qs.filter(state="resolved").order_by("-resolved_at")[:100] if show_resolved else \
        qs.filter(state__in=ACTIVE).order_by("state", "-opened_at")[:200]
    alerts = list(qs.prefetch_related("items__message"))
    for alert in alerts:
        alert.live = [i for i in alert.items.all() if i.cleared_at is None][:10]
    names = Names(i.message.receiver_her_id for a in alerts for i in a.live if i.message_id)
    return render(request, "portal/alerts.html", {"alerts": alerts, "show_resolved": show_resolved, "names": names})


def _alert(request, pk):
    try:
        alert = _alerts_for(request.scope).filter(pk=pk).first()
    except (ValueError, ValidationError):
        alert = None  # a malformed id is simply not found
    if alert is None:
        raise Http404(_("Ingen slikt varsel for din organisasjon."))
    if not request.scope.can_manage:
        raise PermissionDenied("only meldingsansvarlig, operator and administrator act on alerts")
    return alert


def _act(request, pk, name: str, done: str):
    act = getattr(services, name)
    alert = _alert(request, pk)
    try:
        act(alert, by=request.user.get_username())
    except Refused as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, done)
    # Back to where the button was: the dashboard panel or the alert list (never an outside URL).
    return redirect("portal:home" if request.POST.get("fra") == "oversikt" else "portal:alerts")


@require_POST
@member_view
def acknowledge(request, pk):
    return _act(request, pk, "acknowledge_alert", _("Varselet er kvittert ut."))


@require_POST
@member_view
def resolve(request, pk):
    return _act(request, pk, "resolve_alert", _("Varselet er løst."))
