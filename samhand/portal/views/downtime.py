"""Downtime: what is in force and planned (a four-week calendar and a list); announce
downtime with a form; end it ("friskmelding"). The monitoring services notify the partners."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import Refused
from samhand.monitoring import services
from samhand.monitoring.models import Downtime

from ..decorators import member_view
from ..forms import DowntimeChangeForm, DowntimeForm

WEEKS = 4


def _downtimes(scope) -> list:
    if scope.all_traffic:
        return list(Downtime.objects.filter(ended_at__isnull=True)
                    .select_related("party__organisation", "organisation").order_by("start"))
    return list(services.downtime_for(scope.organisation))


def _calendar(downtimes, today) -> list[list[dict]]:
    """Weeks (Monday first) of days, each with the downtimes that touch it."""
    monday = today - timedelta(days=today.weekday())
    weeks = []
    for w in range(WEEKS):
        week = []
        for d in range(7):
            day = monday + timedelta(days=7 * w + d)
            touching = [dt for dt in downtimes
                        if timezone.localtime(dt.start).date() <= day <= timezone.localtime(dt.expected_end).date()]
            week.append({"date": day, "today": day == today, "past": day < today, "downtimes": touching})
        weeks.append(week)
    return weeks


HISTORY_DAYS = 90


def _history(scope, now) -> list:
    """Ended downtime of the last 90 days that concerns the organisation (or all, for the operator)."""
    qs = (Downtime.objects.filter(ended_at__isnull=False, ended_at__gte=now - timedelta(days=HISTORY_DAYS))
          .select_related("party__organisation", "organisation").order_by("-ended_at"))
    if not scope.all_traffic:
        from samhand.monitoring import conf, parties

        partner_orgs = parties.partner_organisations(scope.organisation, now - conf.partner_lookback())
        mine = parties.her_ids_of(scope.organisation)
        qs = qs.filter(Q(party__her_id__in=mine) | Q(organisation=scope.organisation)
                       | Q(party__organisation_id__in=partner_orgs) | Q(organisation_id__in=partner_orgs))
    rows = list(qs[:50])
    for dt in rows:
        dt.lasted = duration_text(dt.ended_at - dt.start)
        dt.overran = dt.ended_at > dt.expected_end
        dt.overrun_text = duration_text(dt.ended_at - dt.expected_end) if dt.overran else ""
    return rows


def duration_text(value: timedelta) -> str:
    """«1 time», «2 timer 30 min», «45 min»: correct plural, Norwegian."""
    minutes = max(0, int(value.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s døgn", "%(n)s døgn", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)s time", "%(n)s timer", hours) % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)s min") % {"n": minutes})
    return " ".join(parts)


def _annotate(scope, downtimes, now) -> None:
    from samhand.monitoring.downtime import notified_organisations

    from ..holds import held_count

    for dt in downtimes:
        dt.state = dt.state_at(now)
        dt.own = _may_end(scope, dt)
        dt.length = duration_text(dt.expected_end - dt.start)
        dt.overrun = dt.state == "in-force" and dt.expected_end < now
        dt.overrun_text = duration_text(now - dt.expected_end) if dt.overrun else ""
        dt.held = held_count(dt) if dt.state == "in-force" else 0
        dt.notified = notified_organisations(dt) if dt.own else []


@member_view
def downtime_list(request):
    now = timezone.now()
    downtimes = _downtimes(request.scope)
    _annotate(request.scope, downtimes, now)
    return render(request, "portal/downtime.html", {
        "downtimes": downtimes, "weeks": _calendar(downtimes, timezone.localdate()), "now": now,
        "in_force": [d for d in downtimes if d.state == "in-force"],
        "planned": [d for d in downtimes if d.state == "planned"],
        "history": _history(request.scope, now), "history_days": HISTORY_DAYS})


def _targets(scope) -> list[tuple[str, str]]:
    """What the user may announce downtime for: the own organisation and its services
    (the operator: any organisation or service on the directory)."""
    orgs = Organisation.objects.all() if scope.all_traffic else Organisation.objects.filter(pk=scope.organisation.pk)
    targets = []
    for org in orgs.prefetch_related("parties").order_by("name"):
        targets.append((f"org:{org.her_id}", _("%(name)s – hele organisasjonen") % {"name": org.name}))
        targets += [(p.her_id, f"{p.name}, {org.name} ({p.her_id})") for p in org.parties.all() if p.active]
    return targets


def _may_end(scope, downtime) -> bool:
    if not scope.can_manage:
        return False
    return scope.all_traffic or downtime.target_organisation.pk == scope.organisation.pk


@member_view
def downtime_new(request):
    scope = request.scope
    if not scope.can_manage:
        raise PermissionDenied("only meldingsansvarlig, operator and administrator announce downtime")
    targets = _targets(scope)
    form = DowntimeForm(request.POST or None, targets=targets,
                        initial={"start": timezone.localtime().replace(second=0, microsecond=0),
                                 "expected_end": timezone.localtime().replace(second=0, microsecond=0)
                                 + timedelta(hours=2)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data["target"]
        party = organisation = None
        if target.startswith("org:"):
            organisation = Organisation.objects.get(her_id=target[4:])
        else:
            party = CommunicationParty.objects.get(her_id=target)
        try:
            services.declare_downtime(party=party, organisation=organisation, planned=data["planned"],
                                      start=data["start"], expected_end=data["expected_end"],
                                      description=data["description"], contact=data["contact"],
                                      by=request.user.get_username())
        except Refused as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(request, _("Nedetiden er registrert, og partnernes meldingsansvarlige varsles."))
            return redirect("portal:downtime")
    return render(request, "portal/downtime_form.html", {"form": form}, status=400 if form.errors else 200)


def _own_downtime(request, pk: int):
    downtime = Downtime.objects.select_related("party__organisation", "organisation").filter(pk=pk).first()
    if downtime is None or not (request.scope.all_traffic or downtime.target_organisation.pk ==
                                request.scope.organisation.pk):
        raise Http404(_("Ingen slik nedetid for din organisasjon."))
    if not _may_end(request.scope, downtime):
        raise PermissionDenied("only meldingsansvarlig, operator and administrator change downtime")
    return downtime


@member_view
def downtime_edit(request, pk: int):
    """Edit or extend a downtime in force or planned: new expected end, description, contact."""
    from samhand.monitoring.downtime import change_downtime

    downtime = _own_downtime(request, pk)
    if downtime.ended_at is not None:
        messages.error(request, _("Nedetiden er avsluttet. Varsle en ny om det trengs."))
        return redirect("portal:downtime")
    form = DowntimeChangeForm(request.POST or None, start=downtime.start, initial={
        "expected_end": timezone.localtime(downtime.expected_end).replace(tzinfo=None, second=0, microsecond=0),
        "description": downtime.description, "contact": downtime.contact})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change_downtime(downtime, expected_end=data["expected_end"], description=data["description"],
                            contact=data["contact"], by=request.user.get_username())
        except Refused as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(request, _("Nedetiden er endret, og partnerne varsles om endringen."))
            return redirect("portal:downtime")
    return render(request, "portal/downtime_edit.html", {"form": form, "d": downtime,
                                                         "length": duration_text(downtime.expected_end - downtime.start)},
                  status=400 if form.errors else 200)


@require_POST
@member_view
def downtime_end(request, pk: int):
    downtime = Downtime.objects.select_related("party__organisation", "organisation").filter(pk=pk).first()
    if downtime is None or not (request.scope.all_traffic or downtime.target_organisation.pk ==
                                request.scope.organisation.pk):
        raise Http404(_("Ingen slik nedetid for din organisasjon."))
    if not _may_end(request.scope, downtime):
        raise PermissionDenied("only meldingsansvarlig, operator and administrator end downtime")
    services.end_downtime(downtime, by=request.user.get_username())
    messages.success(request, _("Nedetiden er avsluttet, og partnerne får friskmelding."))
    return redirect("portal:downtime")
