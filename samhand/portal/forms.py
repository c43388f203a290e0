"""Forms of the portal: every field has a label (WCAG 1.3.1, 3.3.2)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhand.access.door import MessageFilter

from . import choices


class MessageFilterForm(forms.Form):
    q = forms.CharField(label=_("MsgId eller pasient-id"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Meldingstype"), required=False)
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)
    fra = forms.DateField(label=_("Fra dato"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    til = forms.DateField(label=_("Til og med dato"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    kvitteringer = forms.BooleanField(label=_("Vis også applikasjonskvitteringer"), required=False)

    def __init__(self, *args, scope=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.scope = scope
        types = choices.message_types()
        wanted = (self.data.get("type") or "").strip()
        if wanted and wanted not in {code for code, _label in types}:
            types.append((wanted, wanted))
        self.fields["type"].choices = [("", _("Alle typer")), *types]
        self.fields["partner"].choices = [("", _("Alle partnere")), *choices.partners(
            exclude=None if scope is None or scope.all_traffic else scope.organisation)]
        self.fields["state"].choices = [("", _("Alle statuser")), *choices.states()]
        if scope is not None and not scope.sees_content:
            self.fields["q"].label = _("MsgId")

    def clean(self):
        data = super().clean()
        if data.get("fra") and data.get("til") and data["fra"] > data["til"]:
            self.add_error("til", _("Til-dato kan ikke være før fra-dato."))
        return data

    def to_filter(self) -> MessageFilter:
        data = self.cleaned_data
        q = (data.get("q") or "").strip()
        patient_id = q if q.isdigit() and len(q) == 11 else ""
        tz = timezone.get_current_timezone()
        since = datetime.combine(data["fra"], time.min, tzinfo=tz) if data.get("fra") else None
        until = datetime.combine(data["til"] + timedelta(days=1), time.min, tzinfo=tz) if data.get("til") else None
        return MessageFilter(
            msg_type=data.get("type") or "", partner_her_ids=choices.partner_her_ids(data.get("partner") or ""),
            state=data.get("state") or "", since=since, until=until, patient_id=patient_id,
            msg_id="" if patient_id or not q else q, include_apprecs=bool(data.get("kvitteringer")))


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

    def __init__(self, *args, targets=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("expected_end")
        if start and end and end <= start:
            self.add_error("expected_end", _("Forventet slutt må være etter start."))
        return data
