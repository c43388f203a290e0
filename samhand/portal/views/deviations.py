"""Deviations (avvik) in the portal: the handler's inbox (mine to answer, overdue first), the report
form, the case page with its timeline and actions, the quarterly report with charts, and the
approved procedures. Every case is looked up through samhand.deviations.actors (404 otherwise);
the services change state."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.db.models import F, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from samhand.deviations import actors, breach, patients, procedures, quarterly, services
from samhand.deviations.models import AgreementDocument, Category, Procedure, Severity, State
from samhand.directory.models import Organisation
from samhand.exchange.errors import NotFound, Refused
from samhand.exchange.models import Message

from ..decorators import member_view

WAITING = (State.SENT, State.IN_TREATMENT)


def _actor(request) -> actors.Actor:
    return actors.for_user(request.scope)


def _case(request, pk) -> tuple[actors.Actor, object]:
    actor = _actor(request)
    try:
        return actor, actors.case_for(actor, pk)
    except NotFound:
        raise Http404(_("Ingen slik avvikssak for din organisasjon.")) from None


@member_view
def inbox(request):
    actor = _actor(request)
    org = actor.organisation
    now = timezone.now()
    visible = actors.visible(actor)
    # Mine to answer: overdue first (earliest deadline first puts the overdue on top).
    to_answer = list(visible.filter(responsible=org, state__in=WAITING).order_by(F("deadline").asc(nulls_last=True)))
    for d in to_answer:
        d.overdue = d.deadline is not None and d.deadline < now
    return render(request, "portal/deviations/inbox.html", {
        "to_answer": to_answer,
        "drafts": list(visible.filter(reporter=org, state=State.DRAFT).order_by("-created_at")[:100]),
        "reported": list(visible.filter(reporter=org).exclude(state=State.DRAFT).order_by("-created_at")[:100]),
        "answered_to_close": visible.filter(reporter=org, state=State.ANSWERED).count(),
        "done": list(visible.filter(responsible=org, state__in=(State.ANSWERED, State.CLOSED, State.REJECTED))
                     .order_by("-created_at")[:50]),
        "now": now})


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_l("Kategori"), choices=Category.choices)
    responsible = forms.ChoiceField(label=_l("Ansvarlig part"))
    title = forms.CharField(label=_l("Kort beskrivelse"), max_length=300,
                            help_text=_l("Ikke skriv pasientens navn eller fødselsnummer; lenk til meldingen i stedet."))
    description = forms.CharField(label=_l("Hva skjedde"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    occurred_at = forms.DateTimeField(label=_l("Når skjedde det"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    discovered_at = forms.DateTimeField(label=_l("Når ble det oppdaget"),
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    severity = forms.ChoiceField(label=_l("Alvorlighet"), choices=Severity.choices, initial=Severity.MEDIUM)
    patient_consequence = forms.CharField(label=_l("Konsekvens for pasienten"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    immediate_measures = forms.CharField(label=_l("Strakstiltak"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}))
    message = forms.UUIDField(label=_l("Gjelder melding (id)"), required=False)
    possible_breach = forms.BooleanField(label=_l("Mulig brudd på personopplysningssikkerheten (72-timersfrist)"),
                                         required=False)

    def __init__(self, *args, organisation=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        options = []
        for org in Organisation.objects.exclude(pk=organisation.pk).prefetch_related("parties").order_by("name"):
            options.append((org.her_id, f"{org.name} – {_('hele organisasjonen')}"))
            options += [(p.her_id, f"{p.name}, {org.name} ({p.her_id})") for p in org.parties.all() if p.active]
        self.fields["responsible"].choices = [("", "—"), *options]


def _linked_message(actor, message_id):
    if not message_id:
        return None
    own = sorted(actor.her_ids)
    return (Message.objects.filter(pk=message_id).filter(
        Q(sender_her_id__in=own) | Q(receiver_her_id__in=own) | Q(deliveries__her_id__in=own)).distinct().first())


@member_view
def report(request):
    actor = _actor(request)
    now = timezone.localtime().replace(second=0, microsecond=0)
    linked = _linked_message(actor, request.POST.get("message") or request.GET.get("melding"))
    initial = {"occurred_at": now, "discovered_at": now, "message": linked.pk if linked else None}
    if linked is not None:
        other = linked.sender_her_id if linked.sender_her_id not in actor.her_ids else linked.receiver_her_id
        initial["responsible"] = other
    form = ReportForm(request.POST or None, organisation=actor.organisation, initial=initial)
    patient = ""
    if linked is not None and linked.patient_id and actor.sees_patient:
        # Shown from the message, never typed: a read of a patient identifier, so logged.
        from samhand.access.models import AccessLog

        AccessLog.objects.create(actor_kind="user", actor=actor.name, message=linked, patient_id=linked.patient_id,
                                 purpose="deviation-form", organisation_her_id=actor.organisation.her_id)
        patient = linked.patient_id
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.report(actor, services.Report(
                category=data["category"], title=data["title"], description=data["description"],
                occurred_at=data["occurred_at"], discovered_at=data["discovered_at"], severity=data["severity"],
                responsible_her_id=data["responsible"], patient_consequence=data["patient_consequence"],
                immediate_measures=data["immediate_measures"], possible_breach=data["possible_breach"],
                message_ids=[data["message"]] if data.get("message") else []))
        except Refused as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(request, _("Avviket er registrert og sendt til %(who)s.") % {"who": case.handler_name})
            return redirect("portal:deviation", pk=case.pk)
    return render(request, "portal/deviations/form.html", {"form": form, "linked": linked, "patient": patient},
                  status=400 if form.errors else 200)


@member_view
def case(request, pk):
    actor, d = _case(request, pk)
    d = services.take(actor, d)
    side = actors.side_of(actor, d)
    context = {"d": d, "side": side, "timeline": services.timeline(actor, d),
               "links": list(d.links.select_related("message", "episode", "alert", "downtime")),
               "patients": patients.patient_ids(actor, d), "now": timezone.now()}
    if d.possible_breach:
        context["breach_deadline"] = breach.deadline(d)
        context["hours_left"] = breach.hours_left(d)
        context["breach_form"] = BreachForm(initial={f: getattr(d, f) for f in BreachForm.base_fields},
                                            label_suffix="")
    return render(request, "portal/deviations/case.html", context)


def _act(request, pk, do, done: str):
    actor, d = _case(request, pk)
    try:
        do(actor, d, request.POST)
    except Refused as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, done)
    return redirect("portal:deviation", pk=d.pk)


# member_view first: anyone without an organisation gets 403 before the method is even checked.
@member_view
@require_POST
def confirm(request, pk):
    return _act(request, pk, lambda a, d, p: services.confirm(a, d), _("Utkastet er bekreftet og sendt."))


@member_view
@require_POST
def answer(request, pk):
    return _act(request, pk, lambda a, d, p: services.answer(a, d, p.get("text", "")),
                _("Svaret er sendt til melderen."))


@member_view
@require_POST
def close(request, pk):
    return _act(request, pk, lambda a, d, p: services.close(
        a, d, cause=p.get("cause", ""), measures=p.get("measures", ""),
        procedure_change=p.get("procedure_change") == "on"), _("Avviket er lukket."))


@member_view
@require_POST
def reject(request, pk):
    return _act(request, pk, lambda a, d, p: services.reject(a, d, p.get("reason", "")), _("Avviket er avvist."))


@member_view
@require_POST
def note(request, pk):
    return _act(request, pk, lambda a, d, p: services.note(a, d, p.get("text", "")),
                _("Det interne notatet er lagret."))


class BreachForm(forms.Form):
    breach_nature = forms.CharField(label=_l("Bruddets art"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    breach_person_categories = forms.CharField(label=_l("Kategorier registrerte"), required=False, max_length=300)
    breach_persons = forms.IntegerField(label=_l("Omtrentlig antall registrerte"), required=False, min_value=0)
    breach_record_categories = forms.CharField(label=_l("Kategorier personopplysninger"), required=False,
                                               max_length=300)
    breach_records = forms.IntegerField(label=_l("Omtrentlig antall registreringer"), required=False, min_value=0)
    breach_consequences = forms.CharField(label=_l("Sannsynlige konsekvenser"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    breach_contact = forms.CharField(label=_l("Kontaktpunkt"), required=False, max_length=300)


@member_view
@require_POST
def breach_fields(request, pk):
    actor, d = _case(request, pk)
    form = BreachForm(request.POST)
    if not d.possible_breach or not form.is_valid():
        messages.error(request, _("Opplysningene om bruddet ble ikke lagret."))
    else:
        services.update_breach(actor, d, **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
        messages.success(request, _("Opplysningene om bruddet er lagret."))
    return redirect("portal:deviation", pk=d.pk)


@member_view
def breach_pdf(request, pk):
    return _breach_export(request, pk, "pdf")


@member_view
def breach_json(request, pk):
    return _breach_export(request, pk, "json")


def _breach_export(request, pk, fmt: str):
    actor, d = _case(request, pk)
    if not d.possible_breach:
        raise Http404(_("Avviket er ikke merket som mulig brudd på personopplysningssikkerheten."))
    entries = services.timeline(actor, d)
    if fmt == "pdf":
        response = HttpResponse(breach.render_pdf(d, entries), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="brudd-{d.pk}.pdf"'
        return response
    return JsonResponse(breach.notification(d, entries), json_dumps_params={"ensure_ascii": False, "indent": 2})


def _quarter(request) -> tuple[int, int]:
    year, q = quarterly.quarter_of(timezone.localdate())
    try:
        year = int(request.GET.get("ar", year))
        q = int(request.GET.get("kvartal", q))
    except ValueError:
        raise Http404() from None
    if not (2000 <= year <= 2100 and 1 <= q <= 4):
        raise Http404()
    return year, q


@member_view
def quarterly_report(request):
    year, q = _quarter(request)
    report = quarterly.build(request.scope.organisation, year, q)
    quarters = []
    y, n = quarterly.quarter_of(timezone.localdate())
    for _i in range(8):
        quarters.append((y, n, _quarter_label(y, n)))
        y, n = (y, n - 1) if n > 1 else (y - 1, 4)
    return render(request, "portal/deviations/quarterly.html", {
        "r": report, "quarters": quarters, "label": _quarter_label(year, q),
        "chart": json.loads(json.dumps(report.chart))})


def _quarter_label(year: int, quarter: int) -> str:
    return _("%(year)s K%(quarter)s") % {"year": year, "quarter": quarter}


@member_view
def quarterly_pdf(request):
    year, q = _quarter(request)
    pdf = quarterly.render_pdf(quarterly.build(request.scope.organisation, year, q))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="avvik-{year}-K{q}.pdf"'
    return response


@member_view
def governance(request):
    rows = []
    for procedure in Procedure.objects.order_by("code"):
        rows.append({"procedure": procedure, "in_force": procedures.in_force(procedure.code),
                     "history": procedures.history(procedure.code)})
    return render(request, "portal/deviations/governance.html", {
        "procedures": rows, "agreements": AgreementDocument.objects.filter(kind="agreement")
        .prefetch_related("appendices", "parties")})
