"""Forms of the portal: every field has a label (WCAG 1.3.1, 3.3.2)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from samhand.access.door import MessageFilter

from . import choices, search


APPREC = "APPREC"  # the message type of an AppRec (kith.apprec writes it, exchange.store stores it)


class MessageFilterForm(forms.Form):
    q = forms.CharField(label=_("MsgId, fødselsnummer eller partner"), required=False, max_length=100,
                        help_text=_("Hele MsgId eller begynnelsen av den (minst 6 tegn), fødselsnummer eller "
                                    "D-nummer (mellomrom går fint), eller navnet på en partner."))
    type = forms.ChoiceField(label=_("Meldingstype"), required=False)
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)
    fra = forms.DateField(label=_("Fra dato"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    til = forms.DateField(label=_("Til og med dato"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    kvitteringer = forms.BooleanField(label=_("Vis også applikasjonskvitteringer"), required=False)

    def __init__(self, *args, scope=None, organisations=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope = scope
        types = choices.message_types()
        wanted = (self.data.get("type") or "").strip()
        if wanted and wanted not in {code for code, _label in types}:
            types.append((wanted, wanted))
        self.fields["type"].choices = [("", _("Alle typer")), *types]
        self.fields["partner"].choices = [("", _("Alle partnere")), *choices.partners(
            exclude=None if scope is None or scope.all_traffic else scope.organisation, orgs=organisations)]
        self.fields["state"].choices = [("", _("Alle statuser")), *choices.states()]
        if scope is not None and not scope.sees_content:
            self.fields["q"].label = _("MsgId eller partner")
            self.fields["q"].help_text = _("Hele MsgId eller begynnelsen av den (minst 6 tegn), eller navnet "
                                           "på en partner.")

    def clean(self):
        data = super().clean()
        if data.get("fra") and data.get("til") and data["fra"] > data["til"]:
            self.add_error("til", _("Til-dato kan ikke være før fra-dato."))
        return data

    @property
    def search(self) -> search.Query:
        """How the search text is understood (MsgId prefix, identity number, partner name)."""
        if not hasattr(self, "_search"):
            patients = self.scope is None or self.scope.sees_content
            self._search = search.interpret(self.cleaned_data.get("q") or "", patients_allowed=patients)
        return self._search

    @property
    def msg_id_prefix(self) -> str:
        return self.search.value if self.search.kind == "msgid" else ""

    def to_filter(self) -> MessageFilter:
        """The filter without the MsgId: the list matches ``msg_id_prefix`` as a prefix itself."""
        data = self.cleaned_data
        found = self.search
        tz = timezone.get_current_timezone()
        since = datetime.combine(data["fra"], time.min, tzinfo=tz) if data.get("fra") else None
        until = datetime.combine(data["til"] + timedelta(days=1), time.min, tzinfo=tz) if data.get("til") else None
        partners = choices.partner_her_ids(data.get("partner") or "")
        if found.kind == "partner" and not partners:
            partners = found.her_ids
        msg_type = data.get("type") or ""
        return MessageFilter(
            msg_type=msg_type, partner_her_ids=partners,
            state=data.get("state") or "", since=since, until=until,
            patient_id=found.value if found.kind == "patient" else "",
            # A MsgId names one message, AppRec or not; and whoever picks the type APPREC wants to
            # see AppRecs (without the tick that list was always empty).
            include_apprecs=bool(data.get("kvitteringer")) or found.kind == "msgid" or msg_type == APPREC)


class DowntimeForm(forms.Form):
    """Announce planned or unplanned downtime of a service or the whole organisation (S8)."""

    target = forms.ChoiceField(label=_("Gjelder"))
    planned = forms.TypedChoiceField(label=_("Type nedetid"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                     choices=[("1", _("Planlagt")), ("0", _("Ikke planlagt (pågår nå)"))],
                                     initial="1")
    start = forms.DateTimeField(label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    expected_end = forms.DateTimeField(label=_("Forventet slutt"),
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    description = forms.CharField(label=_("Beskrivelse"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Hva er nede, og hva partnerne skal gjøre imens."))
    contact = forms.CharField(label=_("Kontakt under nedetiden"), max_length=300, required=False,
                              help_text=_("Navn og telefon partnerne kan ringe."))

    confirm_past = forms.BooleanField(
        label=_("Ja, nedetiden er planlagt, men startet allerede"), required=False,
        help_text=_("Kryss av om starten i fortiden er riktig. Pågår en nedetid som ikke var planlagt, velg "
                    "«Ikke planlagt» i stedet."))

    # A planned downtime may start a few minutes ago (the form was filled in slowly).
    PAST_GRACE = timedelta(minutes=10)

    def __init__(self, *args, targets=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)
        self.asks_past = False

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("expected_end")
        if start and end and end <= start:
            self.add_error("expected_end", _("Forventet slutt må være etter start."))
        if data.get("planned") and start and start < timezone.now() - self.PAST_GRACE and not data.get("confirm_past"):
            # A question, not a refusal: it may be a late registration, or it was not planned at all.
            self.asks_past = True
            self.add_error("confirm_past", _("Starten %(start)s er i fortiden. Er det riktig at nedetiden var "
                                             "planlagt? Kryss av for å bekrefte, eller velg «Ikke planlagt».")
                           % {"start": formats.date_format(timezone.localtime(start), "SHORT_DATETIME_FORMAT")})
        return data


class DowntimeChangeForm(forms.Form):
    """Edit or extend a downtime: new expected end, description, contact (S8)."""

    expected_end = forms.DateTimeField(label=_("Ny forventet slutt"),
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    description = forms.CharField(label=_("Beskrivelse"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    contact = forms.CharField(label=_("Kontakt under nedetiden"), max_length=300, required=False,
                              help_text=_("Navn og telefon partnerne kan ringe."))

    def __init__(self, *args, start=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.start = start

    def clean_expected_end(self):
        end = self.cleaned_data["expected_end"]
        if self.start is not None and end <= self.start:
            raise forms.ValidationError(_("Forventet slutt må være etter start."))
        return end
