"""Forms of the video pages (every field labelled, WCAG 1.3.1, 3.3.2)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhand.video.meetings import IDENTIFICATION, Booking, Person
from samhand.video.models import CHECK_ITEMS, Participant, Service

PARTICIPANT_ROWS = 6
ROLE_CHOICES = [("", _("– ingen –")), *Participant.Role.choices]


class BookingForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Formål"), choices=Service.Purpose.choices)
    title = forms.CharField(label=_("Tittel"), max_length=200, required=False,
                            help_text=_("Uten personopplysninger: tittelen står i kalenderinvitasjonen."))
    service = forms.ChoiceField(label=_("Videotjeneste"), required=False)
    episode = forms.ChoiceField(label=_("Pasientens forløp"), required=False,
                                help_text=_("Påkrevd for kliniske møter med pasient eller pårørende."))
    room = forms.ChoiceField(label=_("Rom"), required=False)
    start = forms.DateTimeField(label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                            format="%Y-%m-%dT%H:%M"),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    minutes = forms.IntegerField(label=_("Varighet (minutter)"), min_value=10, max_value=480, initial=45)
    patient_informed = forms.BooleanField(label=_("Pasienten er informert om videomøtet"), required=False)
    identification = forms.ChoiceField(label=_("Identifisering av pasienten"), required=False,
                                       choices=[("", _("– ikke valgt –")), *IDENTIFICATION.items()])
    lobby = forms.BooleanField(label=_("Venterom (lobby) er på"), required=False, initial=True)
    recording_off = forms.BooleanField(label=_("Opptak er slått av"), required=False, initial=True)

    def __init__(self, *args, services=(), episodes=(), rooms=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("– ingen tjeneste –")), *services]
        self.fields["episode"].choices = [("", _("– ikke knyttet til forløp –")), *episodes]
        self.fields["room"].choices = [("", _("– uten rom –")), *rooms]
        for i in range(PARTICIPANT_ROWS):
            n = i + 1
            self.fields[f"p{i}_role"] = forms.ChoiceField(label=_("Rolle, deltaker %(n)s") % {"n": n},
                                                          choices=ROLE_CHOICES, required=False)
            self.fields[f"p{i}_name"] = forms.CharField(label=_("Navn, deltaker %(n)s") % {"n": n}, max_length=200,
                                                        required=False)
            self.fields[f"p{i}_email"] = forms.EmailField(label=_("E-post, deltaker %(n)s") % {"n": n},
                                                          required=False)
            self.fields[f"p{i}_her_id"] = forms.CharField(label=_("HER-id, deltaker %(n)s") % {"n": n},
                                                          max_length=10, required=False)

    def participant_rows(self):
        return [[self[f"p{i}_{k}"] for k in ("role", "name", "email", "her_id")] for i in range(PARTICIPANT_ROWS)]

    def checklist_fields(self):
        return [self[k] for k in ("patient_informed", "identification", "lobby", "recording_off")]

    def clean(self):
        data = super().clean()
        for i in range(PARTICIPANT_ROWS):
            if bool(data.get(f"p{i}_role")) != bool((data.get(f"p{i}_name") or "").strip()):
                self.add_error(f"p{i}_name", _("Fyll inn både rolle og navn, eller ingen av dem."))
        return data

    def booking(self) -> Booking:
        d = self.cleaned_data
        start = d["start"]
        return Booking(
            purpose=d["purpose"], title=d.get("title") or "", service_id=int(d["service"]) if d.get("service") else None,
            episode_id=d.get("episode") or None, room_id=int(d["room"]) if d.get("room") else None,
            start=start, end=start + timedelta(minutes=d["minutes"]),
            participants=[Person(d[f"p{i}_role"], d[f"p{i}_name"], d.get(f"p{i}_email") or "",
                                 (d.get(f"p{i}_her_id") or "").strip())
                          for i in range(PARTICIPANT_ROWS) if d.get(f"p{i}_role")],
            patient_informed=d.get("patient_informed", False), identification=d.get("identification") or "",
            lobby=d.get("lobby", False), recording_off=d.get("recording_off", False))


class ProposeForm(forms.Form):
    start = forms.DateTimeField(label=_("Nytt tidspunkt"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), input_formats=["%Y-%m-%dT%H:%M"])


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Utfall"), choices=[("held", _("Gjennomført")),
                                                             ("failed", _("Teknisk feil"))])
    duration = forms.IntegerField(label=_("Varighet (minutter)"), min_value=0, max_value=600, required=False)
    cause = forms.CharField(label=_("Årsak til teknisk feil"), max_length=500, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


class CheckForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for key, label in CHECK_ITEMS.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)


def default_start():
    return (timezone.localtime() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
