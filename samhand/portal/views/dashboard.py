"""The dashboard: the first page a meldingsansvarlig opens in the morning.

Each panel is also its own URL; the page polls them with htmx (X-Samhand-Poll, so
polling does not keep the session alive) and they refresh without a reload.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from samhand.directory.models import CommunicationParty
from samhand.monitoring import services
from samhand.monitoring.models import PartnerStatus

from .. import choices, holds, labels, traffic
from ..decorators import member_view
from ..names import Names

DAY_CHOICES = (7, 14, 30)


def _days(request) -> int:
    try:
        days = int(request.GET.get("dager", 14))
    except ValueError:
        return 14
    return days if days in DAY_CHOICES else 14


def traffic_panel(request) -> dict:
    days = _days(request)
    partner = request.GET.get("partner", "")
    her_ids = choices.partner_her_ids(partner)
    data = traffic.daily_traffic(request.user, days=days, partner_her_ids=her_ids)
    return {"traffic": data, "chart": data.as_chart(), "days": days, "day_choices": DAY_CHOICES,
            "query": urlencode({"dager": days, "partner": partner if her_ids else ""}),
            "partner": partner if her_ids else "",
            "partner_choices": choices.partners(exclude=None if request.scope.all_traffic
                                                else request.scope.organisation),
            "partners": traffic.partner_totals(request.user, days=days)[:10]}


def alerts_panel(request) -> dict:
    return {"alerts": list(services.open_alerts_for(request.scope.organisation))[:10]}


def partners_panel(request) -> dict:
    scope = request.scope
    others = CommunicationParty.objects.filter(active=True)
    if not scope.all_traffic:
        others = others.exclude(her_id__in=scope.her_ids)
    her_ids = list(others.values_list("her_id", flat=True))
    # partner_health computes latencies and backlogs per partner (costly with much traffic):
    # ask only about those the monitor flags as suspected down or in downtime.
    flagged = (set(PartnerStatus.objects.filter(her_id__in=her_ids, suspected_down=True).values_list("her_id", flat=True))
               | (services.held_her_ids() & set(her_ids)))
    health = list(services.partner_health(sorted(flagged))) if flagged else []
    troubled = [{**h, "status_text": labels.PARTNER_STATUS.get(h.get("status"), h.get("status_label", ""))}
                for h in health if h.get("status") not in (None, "", "ok")]
    return {"troubled": troubled, "checked": len(her_ids)}


def unanswered_panel(request) -> dict:
    items = traffic.oldest_unanswered(request.user)
    held = holds.waiting_for(request.scope.organisation) if request.scope.organisation is not None else []
    names = Names([*(h for u in items for h in (u.message.sender_her_id, u.delivery.her_id)),
                   *(d.message.sender_her_id for d in held), *(d.her_id for d in held)])
    return {"unanswered": items, "names": names, "now": timezone.now(), "held_for_us": held}


def downtime_panel(request) -> dict:
    return {"downtimes": list(services.downtime_for(request.scope.organisation))[:10], "now": timezone.now()}


PANELS = {
    "trafikk": ("portal/panels/traffic.html", traffic_panel),
    "varsler": ("portal/panels/alerts.html", alerts_panel),
    "partnere": ("portal/panels/partners.html", partners_panel),
    "ubesvarte": ("portal/panels/unanswered.html", unanswered_panel),
    "nedetid": ("portal/panels/downtime.html", downtime_panel),
}


@member_view
def dashboard(request):
    panels = {name: {"template": template, **build(request)} for name, (template, build) in PANELS.items()}
    return render(request, "portal/dashboard.html", {"panels": panels})


@member_view
def panel(request, name: str):
    if name not in PANELS:
        raise Http404(name)
    template, build = PANELS[name]
    return render(request, template, {"p": build(request), "name": name})
