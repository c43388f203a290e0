"""Clinical and urgent dialogue (S2, S12) and the misdirected-message routine (S11) in the portal.

The operator runs the node and never sees patient content, so dialogue pages are for the people of
the organisations. Every read of a dialogue message goes through the access choke point (logged).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samhand import kith
from samhand.dialogue import compose, conf
from samhand.lib import clock
from samhand.dialogue.misdirected import mark_misdirected, resend
from samhand.dialogue.models import Reason, Thread
from samhand.dialogue.threads import close_by_phone
from samhand.dialogue.urgent import call_card
from samhand.directory.models import CommunicationParty
from samhand.access.door import content_for_user, view_for_user
from samhand.exchange.errors import NotFound, Refused
from samhand.kith import dialog as dm

from ..decorators import member_view
from ..names import Names

MARKING_ROLES = {"meldingsansvarlig", "administrator"}


def _clinical(request) -> None:
    if not request.scope.sees_content:
        raise PermissionDenied("the node operator sees traffic metadata, not clinical dialogue")


def _thread(request, pk) -> Thread:
    thread = (Thread.objects.select_related("question", "answer")
              .filter(pk=pk, her_id__in=sorted(request.scope.her_ids)).first())
    if thread is None:
        raise Http404(_("Ingen slik dialog for din organisasjon."))
    return thread


def _services(scope):
    return list(CommunicationParty.objects.filter(organisation=scope.organisation, hosted=True, active=True)
                .order_by("name"))


@member_view
def inbox(request):
    _clinical(request)
    scope = request.scope
    services = _services(scope)
    wanted = request.GET.get("tjeneste", "")
    her_ids = [wanted] if wanted in scope.her_ids else sorted(scope.her_ids)
    now = clock.now()
    base = Thread.objects.filter(her_id__in=her_ids).select_related("question")
    open_ = list(base.filter(state=Thread.State.OPEN).order_by("-urgent", "answer_by"))
    for t in open_:
        t.is_overdue = t.answer_by <= now
    groups = [
        ("haster", gettext_lazy("Haster – ubesvart"), [t for t in open_ if t.urgent]),
        ("mine", gettext_lazy("Til oss å svare"), [t for t in open_ if not t.urgent and t.side == Thread.Side.ANSWERING]),
        ("sendt", gettext_lazy("Våre spørsmål som venter på svar"),
         [t for t in open_ if not t.urgent and t.side == Thread.Side.ASKING]),
    ]
    closed = list(base.exclude(state=Thread.State.OPEN).order_by("-answered_at", "-closed_at")[:20])
    names = Names([t.partner_her_id for t in open_ + closed] + [t.her_id for t in open_ + closed])
    return render(request, "portal/dialogue/inbox.html", {
        "groups": groups, "closed": closed, "names": names, "services": services, "wanted": wanted, "now": now})


def _entries(request, thread: Thread) -> list[dict]:
    """Each message of the thread, read through the choke point (one access-log line each)."""
    shown = []
    for entry in thread.entries.select_related("message"):
        item = {"entry": entry, "message": entry.message}
        try:
            raw = content_for_user(request.user, view_for_user(request.user, entry.message_id), purpose="dialogue-thread")
        except (NotFound, Refused) as exc:
            item["error"] = getattr(exc, "reason", "") or _("Ikke tilgjengelig")
            shown.append(item)
            continue
        root = kith.parse_xml(raw)
        dialog = dm.dialog_of_msghead(root)
        item.update(dialog=dialog, attachments=dm.attachments_of(root),
                    author=dialog.authors[0] if dialog and dialog.authors else None)
        shown.append(item)
    return shown


class ReplyForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Tekst"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    vedlegg = forms.FileField(label=gettext_lazy("Vedlegg (PDF, JPEG eller PNG)"), required=False)


class PhoneForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Hva ble avklart?"), widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=2000)


@member_view
def thread_view(request, pk):
    _clinical(request)
    thread = _thread(request, pk)
    now = clock.now()
    overdue = thread.is_open and thread.answer_by <= now
    card = call_card(thread.partner_her_id) if (thread.urgent and thread.is_open and
                                                thread.side == Thread.Side.ASKING) else None
    names = Names([thread.her_id, thread.partner_her_id])
    return render(request, "portal/dialogue/thread.html", {
        "t": thread, "entries": _entries(request, thread), "names": names, "overdue": overdue, "card": card,
        "reply_form": ReplyForm(), "phone_form": PhoneForm(),
        "can_answer": thread.is_open and thread.side == Thread.Side.ANSWERING})


def _attachments(form) -> list[dm.Attachment]:
    upload = form.cleaned_data.get("vedlegg")
    if not upload:
        return []
    return [dm.Attachment(upload.content_type or "", upload.name[:200], upload.read(conf.attachment_bytes() + 1))]


@require_POST
@member_view
def thread_reply(request, pk):
    _clinical(request)
    thread = _thread(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Skriv en tekst før du sender."))
        return redirect("portal:dialogue_thread", thread.pk)
    as_answer = request.POST.get("svar") == "1"
    try:
        compose.reply(thread, text=form.cleaned_data["text"], as_answer=as_answer, by=request.user.get_username(),
                      reader_actor=request.user.get_username(), attachments=_attachments(form))
    except Refused as exc:
        messages.error(request, _("Ikke sendt: %(reason)s") % {"reason": exc.reason})
        return redirect("portal:dialogue_thread", thread.pk)
    messages.success(request, _("Svaret er sendt.") if as_answer else _("Notatet er sendt."))
    return redirect("portal:dialogue_thread", thread.pk)


@require_POST
@member_view
def thread_phone(request, pk):
    _clinical(request)
    thread = _thread(request, pk)
    form = PhoneForm(request.POST)
    if not form.is_valid() or not thread.is_open:
        messages.error(request, _("Skriv hva som ble avklart på telefon."))
        return redirect("portal:dialogue_thread", thread.pk)
    close_by_phone(thread, by=f"{request.user.get_username()} ({request.scope.organisation.name})",
                   outcome=form.cleaned_data["outcome"])
    messages.success(request, _("Saken er registrert som avklart på telefon."))
    return redirect("portal:dialogue_thread", thread.pk)


class ComposeForm(forms.Form):
    fra = forms.ChoiceField(label=gettext_lazy("Fra tjeneste"))
    til = forms.ChoiceField(label=gettext_lazy("Til tjeneste"))
    fodselsnummer = forms.CharField(label=gettext_lazy("Pasientens fødselsnummer"), max_length=11, min_length=11)
    etternavn = forms.CharField(label=gettext_lazy("Etternavn"), max_length=100)
    fornavn = forms.CharField(label=gettext_lazy("Fornavn"), max_length=100)
    emne = forms.CharField(label=gettext_lazy("Emne"), max_length=200, required=False)
    sporsmal = forms.CharField(label=gettext_lazy("Spørsmål"), widget=forms.Textarea(attrs={"rows": 5}),
                               max_length=5000)
    haster = forms.BooleanField(label=gettext_lazy("Haster (kort svarfrist, varsler vakt hos mottaker)"),
                                required=False)
    vedlegg = forms.FileField(label=gettext_lazy("Vedlegg (PDF, JPEG eller PNG)"), required=False)
    gjelder = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        ours = _services(scope)
        self.fields["fra"].choices = [(p.her_id, p.name) for p in ours]
        others = (CommunicationParty.objects.select_related("organisation").filter(active=True)
                  .exclude(organisation=scope.organisation).order_by("organisation__name", "name"))
        self.fields["til"].choices = [(p.her_id, f"{p.name}, {p.organisation.name}") for p in others]

    def clean_fodselsnummer(self):
        value = self.cleaned_data["fodselsnummer"].strip()
        if kith.national_id_kind(value) is None:
            raise forms.ValidationError(_("Ugyldig fødselsnummer eller D-nummer."))
        return value


@member_view
def compose_question(request):
    _clinical(request)
    scope = request.scope
    about = _about(request, request.POST.get("gjelder") or request.GET.get("gjelder"))
    initial = {}
    if about is not None:
        ours = about.sender_her_id in scope.her_ids
        initial = {"gjelder": about.pk, "fra": about.sender_her_id if ours else about.receiver_her_id,
                   "til": about.receiver_her_id if ours else about.sender_her_id}
    form = ComposeForm(request.POST or None, request.FILES or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # HITS 1218 §3.4: a question about a message points at it (and at its conversation).
        ref = kith.ConversationRef(ref_to_parent=about.msg_id, ref_to_conversation=about.conversation_ref
                                   or about.msg_id) if about is not None else None
        patient = kith.Patient(family_name=data["etternavn"], given_name=data["fornavn"], id=data["fodselsnummer"],
                               id_type=kith.national_id_kind(data["fodselsnummer"]))
        try:
            message = compose.ask(sender_her_id=data["fra"], receiver_her_id=data["til"], patient=patient,
                                  text=data["sporsmal"], subject=data["emne"], urgent=data["haster"],
                                  attachments=_attachments(form), by=request.user.get_username(),
                                  conversation_ref=ref)
        except Refused as exc:
            form.add_error(None, _("Ikke sendt: %(reason)s") % {"reason": exc.reason})
        else:
            messages.success(request, _("Forespørselen er sendt (MsgId %(id)s).") % {"id": message.msg_id})
            return redirect("portal:dialogue")
    return render(request, "portal/dialogue/compose.html", {"form": form, "about": about})


def _about(request, value):
    """The message a new question is about, as the user may see it; None when not given or not theirs."""
    if not value:
        return None
    try:
        view = view_for_user(request.user, value)
    except NotFound:
        raise Http404(_("Ingen slik melding for din organisasjon.")) from None
    return None if view.message.is_apprec else view.message


# -- misdirected (S11) on the message page --------------------------------------------------------

def _message_view(request, pk):
    try:
        return view_for_user(request.user, pk)
    except NotFound:
        raise Http404(_("Ingen slik melding for din organisasjon.")) from None


@require_POST
@member_view
def message_misdirected(request, pk):
    view = _message_view(request, pk)
    if view.role != "receiver" or request.scope.role not in MARKING_ROLES:
        raise PermissionDenied("only the receiver's meldingsansvarlig marks a message misdirected")
    reason = request.POST.get("reason", "")
    if reason not in Reason.values:
        messages.error(request, _("Velg en årsak."))
        return redirect("portal:message", view.message.pk)
    try:
        mark_misdirected(view.delivery, reason=reason, text=request.POST.get("text", ""),
                         by=request.user.get_username())
    except Refused as exc:
        messages.error(request, _("Ikke registrert: %(reason)s") % {"reason": exc.reason})
    else:
        messages.success(request, _("Meldingen er registrert som feilsendt. Innholdet er trukket tilbake, og "
                                    "avsender får tilbakemelding om feil i mottatt melding."))
    return redirect("portal:message", view.message.pk)


@require_POST
@member_view
def message_resend(request, pk):
    view = _message_view(request, pk)
    if view.role != "sender" or not request.scope.sees_content or not request.scope.can_manage:
        raise PermissionDenied("only the sender's meldingsansvarlig re-sends a message")
    receiver = request.POST.get("receiver", "").strip()
    try:
        record = resend(view.message, receiver_her_id=receiver, by=request.user.get_username(), actor_kind="user",
                        actor=request.user.get_username())
    except Refused as exc:
        messages.error(request, _("Ikke sendt: %(reason)s") % {"reason": exc.reason})
        return redirect("portal:message", view.message.pk)
    messages.success(request, _("Meldingen er sendt på nytt til riktig mottaker."))
    return redirect("portal:message", record.message_id)
