"""Portal pages of the access broker (issue 15): a clinician asks for a partner's documents and
reads them; the organisation's privacy contact reviews accesses, registers patients' blocks,
reads the organisation's access log and prints a patient's access report.

Every read goes through samhand.access (broker and door), which logs it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samhand.access import broker, door, privacy
from samhand.access.models import Decision, PatientBlock, ReviewItem
from samhand.accounts.models import Membership
from samhand.directory.models import Organisation
from samhand.exchange.errors import Refused

from ..content import readable
from ..decorators import member_view
from ..names import Names

CLINICIAN_ROLES = {Membership.Role.HELSEPERSONELL}
PRIVACY_ROLES = {Membership.Role.PERSONVERN}
# Who may print a patient's access report for the patient: the privacy contact and case handlers.
REPORT_ROLES = {Membership.Role.PERSONVERN, Membership.Role.SAKSBEHANDLER}
LOG_PAGE = 200


def _require(request, roles) -> None:
    if request.scope.role not in roles:
        raise PermissionDenied("not for this role")


def _holders(scope) -> list[tuple[str, str]]:
    """Services and organisations of other organisations, for the request form."""
    choices = []
    for org in Organisation.objects.exclude(pk=scope.organisation.pk).prefetch_related("parties").order_by("name"):
        choices.append((org.her_id, f"{org.name} ({_('hele virksomheten')})"))
        choices.extend((p.her_id, f"{org.name}, {p.name}") for p in org.parties.all())
    return choices


class RequestForm(forms.Form):
    pasient = forms.RegexField(label=gettext_lazy("Pasientens fødselsnummer eller D-nummer"), regex=r"^\d{11}$",
                               error_messages={"invalid": gettext_lazy("Oppgi 11 siffer.")})
    virksomhet = forms.ChoiceField(label=gettext_lazy("Dokumenter fra"))
    formal = forms.ChoiceField(label=gettext_lazy("Formål"), choices=Decision.Purpose.choices,
                               widget=forms.RadioSelect, initial=Decision.Purpose.TREAT)
    begrunnelse = forms.CharField(label=gettext_lazy("Begrunnelse (påkrevd for nødtilgang)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["virksomhet"].choices = _holders(scope)


def _actor(request) -> door.Actor:
    return door.user_actor(request.user)


@member_view
def access_request(request):
    _require(request, CLINICIAN_ROLES)
    scope = request.scope
    initial = {k: request.GET[k] for k in ("pasient", "virksomhet", "formal") if k in request.GET}
    form = RequestForm(request.POST or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = broker.request_access(_actor(request), requester_org_her_id=scope.organisation.her_id,
                                             requester_her_ids=scope.her_ids, patient_id=data["pasient"],
                                             holder_her_id=data["virksomhet"], purpose=data["formal"],
                                             reason=data["begrunnelse"])
        except Refused as exc:
            form.add_error(None, exc.reason)
        else:
            return redirect("portal:access_decision", decision.ref)
    recent = Decision.objects.filter(actor_kind="user", actor=scope.username).order_by("-at")[:10]
    return render(request, "access/request.html", {"form": form, "recent": recent, "names": Names(
        [d.holder_her_id for d in recent])}, status=400 if request.method == "POST" else 200)


def _decision(request, ref) -> Decision:
    try:
        return broker.decision_for(ref, _actor(request))
    except Refused:
        raise Http404(_("Ingen slik beslutning for deg.")) from None


@member_view
def access_decision(request, ref):
    _require(request, CLINICIAN_ROLES)
    decision = _decision(request, ref)
    from samhand.access.relations import organisation_side
    from samhand.access.sources import documents_in_scope

    docs = []
    if decision.permits() and decision.document_ids:
        found = {d.id: d for d in documents_in_scope(decision.patient_id, organisation_side(decision.holder_org_her_id))}
        docs = [found[i] for i in decision.document_ids if i in found]
    names = Names([decision.holder_her_id, *(d.holder for d in docs)])
    return render(request, "access/decision.html", {
        "d": decision, "docs": docs, "names": names, "explanation": _(decision.explanation),
        "blocked": decision.rule == "blocked", "active": decision.permits(),
        "emergency_url": f"?pasient={decision.patient_id}&virksomhet={decision.holder_her_id}&formal=EMERGENCY"})


def _read(request, ref, doc):
    decision = _decision(request, ref)
    try:
        message, raw = broker.read_document(_actor(request), decision_ref=decision.ref, document_id=str(doc))
    except Refused as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.reason) from None
        raise
    return decision, message, raw


@member_view
def access_document(request, ref, doc):
    _require(request, CLINICIAN_ROLES)
    decision, message, raw = _read(request, ref, doc)
    return render(request, "access/document.html", {"d": decision, "m": message, "doc": readable(raw),
                                                    "names": Names([message.sender_her_id, message.receiver_her_id])})


@member_view
def access_document_pdf(request, ref, doc):
    _require(request, CLINICIAN_ROLES)
    decision, message, raw = _read(request, ref, doc)
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("access/document_pdf.html", {"d": decision, "m": message, "doc": readable(raw)},
                            request=request)
    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{message.msg_type.lower()}-{decision.ref}.pdf"'
    return response


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"refused to fetch {url} while rendering a PDF")


# -- the privacy contact ----------------------------------------------------------------------

class ReviewForm(forms.Form):
    status = forms.ChoiceField(choices=[(ReviewItem.Status.JUSTIFIED, gettext_lazy("Begrunnet")),
                                        (ReviewItem.Status.FOLLOW_UP, gettext_lazy("Følges opp"))])
    notat = forms.CharField(max_length=2000)


class BlockForm(forms.Form):
    pasient = forms.RegexField(label=gettext_lazy("Pasientens fødselsnummer eller D-nummer"), regex=r"^\d{11}$",
                               error_messages={"invalid": gettext_lazy("Oppgi 11 siffer.")})
    omfang = forms.ChoiceField(label=gettext_lazy("Sperringen gjelder"), choices=PatientBlock.Scope.choices,
                               widget=forms.RadioSelect, initial=PatientBlock.Scope.ORGANISATION)
    hpr = forms.RegexField(label=gettext_lazy("HPR-nummer (for navngitt helsepersonell)"), regex=r"^\d{6,9}$",
                           required=False)
    merknad = forms.CharField(label=gettext_lazy("Merknad"), required=False, max_length=300)


@member_view
def privacy_home(request):
    _require(request, PRIVACY_ROLES)
    org = request.scope.organisation
    items = list(privacy.review_queue(org)[:200])
    for item in items:
        item.form = ReviewForm(prefix=f"r{item.pk}")
    return render(request, "access/privacy.html", {
        "items": items, "open": sum(1 for i in items if i.status == ReviewItem.Status.OPEN),
        "names": Names([i.decision.requester_org_her_id for i in items])})


@require_POST
@member_view
def privacy_review(request, pk):
    _require(request, PRIVACY_ROLES)
    form = ReviewForm(request.POST, prefix=f"r{pk}")
    if not form.is_valid():
        messages.error(request, _("Velg vurdering og skriv hva som ble funnet."))
        return redirect("portal:privacy")
    try:
        privacy.decide_review(_actor(request), request.scope.organisation, pk, status=form.cleaned_data["status"],
                              note=form.cleaned_data["notat"])
    except Refused as exc:
        if exc.status == 404:
            raise Http404(exc.reason) from None
        messages.error(request, exc.reason)
    else:
        messages.success(request, _("Vurderingen er lagret."))
    return redirect("portal:privacy")


@member_view
def privacy_log(request):
    _require(request, PRIVACY_ROLES)
    from samhand.access import log

    rows = list(privacy.organisation_log(request.scope.organisation).order_by("-seq")[:LOG_PAGE])
    return render(request, "access/log.html", {"rows": rows, "verdict": log.verify(),
                                               "names": Names([r.organisation_her_id for r in rows])})


@member_view
def privacy_blocks(request):
    _require(request, PRIVACY_ROLES)
    org = request.scope.organisation
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            privacy.register_block(_actor(request), org, patient_id=data["pasient"], scope=data["omfang"],
                                   hpr=data["hpr"], note=data["merknad"])
        except Refused as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(request, _("Sperringen er registrert."))
            return redirect("portal:privacy_blocks")
    return render(request, "access/blocks.html", {"form": form, "blocks": privacy.blocks_for(org)[:500]},
                  status=400 if request.method == "POST" else 200)


@require_POST
@member_view
def privacy_block_lift(request, pk):
    _require(request, PRIVACY_ROLES)
    try:
        privacy.lift_block(_actor(request), request.scope.organisation, pk)
    except Refused:
        raise Http404(_("Ingen slik sperring.")) from None
    messages.success(request, _("Sperringen er opphevet."))
    return redirect("portal:privacy_blocks")


@member_view
def privacy_report(request):
    _require(request, REPORT_ROLES)
    org = request.scope.organisation
    patient = (request.GET.get("pasient") or "").strip()
    fmt = request.GET.get("format", "html")
    if not patient:
        return render(request, "access/report.html", {"patient": ""})
    if not (patient.isdigit() and len(patient) == 11):
        return render(request, "access/report.html", {"patient": patient, "invalid": True}, status=400)
    rows = privacy.patient_report(org, patient)
    privacy.log_export(_actor(request), org, patient, f"access-report-{fmt}")
    report = privacy.report_json(org, patient, rows)
    if fmt == "json":
        response = JsonResponse(report, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="innsyn-{org.her_id}.json"'
        return response
    if fmt == "pdf":
        from samhand.access.report import report_pdf

        response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="innsyn-{org.her_id}.pdf"'
        return response
    from datetime import datetime

    shown = [{**a, "when": datetime.fromisoformat(a["at"])} for a in report["accesses"]]
    return render(request, "access/report.html", {"patient": patient, "report": report, "accesses": shown})

