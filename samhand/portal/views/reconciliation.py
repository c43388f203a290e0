"""The reconciliation list after manual handling (S9): what was passed on by hand, and whether
sender and receiver have confirmed it, so nothing is entered twice or lost.

Each row names the patient (the clerk matches it against the EPR), so showing the list and
exporting it are logged as reads of patient data. Confirmed items stay visible in the history,
with their notes; the export (CSV or PDF) is the attachment for a deviation report.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samhand.access import log
from samhand.chains.typenames import type_names
from samhand.monitoring import services
from samhand.monitoring.models import ManualHandling

from ..decorators import member_view
from ..models import ReconciliationNote
from ..names import Names

HISTORY_DAYS = 90


def _sides(item, organisation) -> list[str]:
    """Which side(s) of a manual handling the organisation confirms."""
    sides = []
    if item.sender_organisation_id == organisation.pk and item.sender_confirmed_at is None:
        sides.append("sender")
    if item.receiver_organisation_id == organisation.pk and item.receiver_confirmed_at is None:
        sides.append("receiver")
    return sides


def _mine(organisation):
    return ManualHandling.objects.filter(Q(sender_organisation=organisation) | Q(receiver_organisation=organisation))


def _with_notes(qs, organisation):
    notes = ReconciliationNote.objects.filter(organisation=organisation)
    return qs.select_related("message", "delivery").prefetch_related(Prefetch("notes", queryset=notes))


def _open(organisation):
    return _with_notes(_mine(organisation).filter(Q(sender_confirmed_at__isnull=True)
                                                  | Q(receiver_confirmed_at__isnull=True)), organisation
                       ).order_by("handled_at", "id")


def _history(organisation, since):
    return _with_notes(_mine(organisation).filter(sender_confirmed_at__isnull=False,
                                                  receiver_confirmed_at__isnull=False, handled_at__gte=since),
                       organisation).order_by("-handled_at", "-id")


def _log(request, items, purpose: str) -> None:
    """The list and its exports show national ids: one access-log line per item shown."""
    mine = request.scope.organisation.her_id
    log.append_many([
        {"actor_kind": "user", "actor": request.user.get_username(), "organisation_her_id": mine,
         "message_id": i.message_id, "patient_id": i.message.patient_id, "purpose": purpose} for i in items])


def _guard(request) -> None:
    if not request.scope.sees_content:
        raise PermissionDenied("the reconciliation list is the organisations' own work list")


@member_view
def reconciliation(request):
    _guard(request)
    org = request.scope.organisation
    items = list(_open(org))
    for item in items:
        item.my_sides = _sides(item, org)
    history = list(_history(org, timezone.now() - timedelta(days=HISTORY_DAYS))[:200])
    names = Names(h for i in [*items, *history] for h in (i.sender_her_id, i.receiver_her_id))
    _log(request, [*items, *history], "portal-reconciliation")
    return render(request, "portal/reconciliation.html", {"items": items, "history": history, "names": names,
                                                          "history_days": HISTORY_DAYS})


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


@require_POST
@member_view
def add_note(request, pk: int):
    """A note on an item of the organisation's list (open or confirmed)."""
    _guard(request)
    item = _mine(request.scope.organisation).filter(pk=pk).first()
    if item is None:
        raise Http404(_("Ingen slik manuell behandling for din organisasjon."))
    text = (request.POST.get("text") or "").strip()[:2000]
    if not text:
        messages.error(request, _("Skriv et notat først."))
    else:
        ReconciliationNote.objects.create(handling=item, organisation=request.scope.organisation, text=text,
                                          written_by=request.user.get_username())
        messages.success(request, _("Notatet er lagret."))
    return redirect(f"{reverse('portal:reconciliation')}#avstemming-{item.pk}")


def _rows(request, items, names) -> list[dict]:
    types = type_names()

    def when(value):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""

    rows = []
    for i in items:
        rows.append({
            "type": types.get(i.message.msg_type) or i.message.msg_type, "msg_id": i.message.msg_id,
            "patient": i.message.patient_id, "sender": names.label(i.sender_her_id) or i.sender_her_id,
            "receiver": names.label(i.receiver_her_id) or i.receiver_her_id, "reason": i.reason,
            "handled": when(i.handled_at), "handled_by": i.handled_by,
            "sender_confirmed": when(i.sender_confirmed_at), "sender_confirmed_by": i.sender_confirmed_by,
            "receiver_confirmed": when(i.receiver_confirmed_at), "receiver_confirmed_by": i.receiver_confirmed_by,
            "delivered_after": when(i.delivered_after_at),
            "notes": " | ".join(f"{when(n.written_at)} {n.written_by}: {n.text}" for n in i.notes.all()),
        })
    return rows


COLUMNS = [("type", "Meldingstype"), ("msg_id", "MsgId"), ("patient", "Pasient (fødselsnummer)"),
           ("sender", "Avsender"), ("receiver", "Mottaker"), ("reason", "Årsak"),
           ("handled", "Behandlet manuelt"), ("handled_by", "Behandlet av"),
           ("sender_confirmed", "Bekreftet av avsender"), ("sender_confirmed_by", "Avsender bekreftet av"),
           ("receiver_confirmed", "Bekreftet av mottaker"), ("receiver_confirmed_by", "Mottaker bekreftet av"),
           ("delivered_after", "Levert elektronisk etterpå"), ("notes", "Notater")]


@member_view
def export(request, fmt: str):
    """The list (open and the history of the last 90 days) as CSV or PDF, for a deviation report."""
    _guard(request)
    org = request.scope.organisation
    items = [*_open(org), *_history(org, timezone.now() - timedelta(days=HISTORY_DAYS))]
    names = Names(h for i in items for h in (i.sender_her_id, i.receiver_her_id))
    _log(request, items, f"portal-reconciliation-{fmt}")
    rows = _rows(request, items, names)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # Excel reads UTF-8 with a BOM; Norwegian Excel expects semicolons
        writer = csv.writer(out, delimiter=";")
        writer.writerow([label for _key, label in COLUMNS])
        for row in rows:
            writer.writerow([row[key] for key, _label in COLUMNS])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="avstemming-{stamp}.csv"'
        return response
    if fmt != "pdf":
        raise Http404(fmt)
    from weasyprint import HTML

    html = render_to_string("portal/reconciliation_pdf.html", {
        "rows": rows, "organisation": org, "printed_at": formats.date_format(timezone.localtime(),
                                                                             "SHORT_DATETIME_FORMAT"),
        "by": request.user.get_username(), "history_days": HISTORY_DAYS})
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="avstemming-{stamp}.pdf"'
    return response
