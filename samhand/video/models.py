"""Models of video cooperation (guideline §4.2, S15–S18).

Rooms and their equipment are quality-assured on an interval per equipment type (S18); UNN's
departments publish video services in a catalogue (S16); meetings carry their purpose, participants
with roles and the security checklist that must be met before any link is issued (S15, S2); each
party keeps a video plan with goals, and use is recorded against it per quarter (S17).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

# The quality checklist of a piece of equipment (S18), in the order a checker goes through it.
CHECK_ITEMS = {
    "camera": _("Kamera gir skarpt bilde"),
    "microphone": _("Mikrofon tar opp tale tydelig"),
    "speaker": _("Høyttaler gir tydelig lyd"),
    "screen": _("Skjermen viser bildet godt"),
    "network": _("Nettverkstest bestått"),
    "privacy": _("Personvern: ikke innsyn fra korridor"),
    "recording_disabled": _("Opptak er slått av"),
}


class Room(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Møterom")
        CLINICAL = "clinical", _("Klinisk rom")
        MOBILE = "mobile", _("Mobilt sett")

    class Network(models.TextChoices):
        HELSENETT = "helsenett", _("Helsenettet")
        INTERNET = "internet", _("Internett")

    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="video_rooms",
                                     verbose_name=_("organisasjon"))
    site = models.CharField(_("sted"), max_length=200)
    name = models.CharField(_("navn"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    capacity = models.PositiveIntegerField(_("antall plasser"), default=4)
    network = models.CharField(_("nettverk"), max_length=20, choices=Network.choices, default=Network.HELSENETT)
    support_phone = models.CharField(_("lokal brukerstøtte, telefon"), max_length=30)
    support_hours = models.CharField(_("lokal brukerstøtte, åpningstid"), max_length=100)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["organisation__name", "site", "name"]
        verbose_name = _("videorom")
        verbose_name_plural = _("videorom")

    def __str__(self) -> str:
        return f"{self.name}, {self.site}"


class Equipment(models.Model):
    class Kind(models.TextChoices):
        ROOM_SYSTEM = "room_system", _("Romsystem")
        CAMERA = "camera", _("Kamera")
        AUDIO = "audio", _("Lydutstyr")
        SCREEN = "screen", _("Skjerm")
        MOBILE_KIT = "mobile_kit", _("Mobilt sett")

    # How often each kind is checked (S18 quality assurance): portable kits most often.
    INTERVAL_DAYS = {"room_system": 90, "camera": 180, "audio": 180, "screen": 365, "mobile_kit": 30}

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="equipment", verbose_name=_("rom"))
    asset_id = models.CharField(_("inventarnummer"), max_length=50, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("beskrivelse"), max_length=200, blank=True)
    owner = models.CharField(_("eier"), max_length=200)
    last_checked_at = models.DateTimeField(_("sist kontrollert"), null=True, blank=True)
    last_checked_by = models.CharField(_("kontrollert av"), max_length=200, blank=True)
    next_due = models.DateField(_("neste kontroll"), null=True, blank=True)

    class Meta:
        ordering = ["room", "asset_id"]
        verbose_name = _("videoutstyr")
        verbose_name_plural = _("videoutstyr")

    def __str__(self) -> str:
        return f"{self.asset_id} ({self.get_kind_display()})"

    @property
    def interval(self) -> timedelta:
        return timedelta(days=self.INTERVAL_DAYS.get(self.kind, 90))


class EquipmentCheck(models.Model):
    """One quality check of one piece of equipment: every checklist item, passed or not."""

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="checks")
    at = models.DateTimeField()
    by = models.CharField(max_length=200)
    items = models.JSONField(default=dict)  # CHECK_ITEMS key -> bool
    passed = models.BooleanField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]


class Service(models.Model):
    """A video service in the catalogue (S16), e.g. UNN's discharge meeting."""

    class Purpose(models.TextChoices):
        CLINICAL = "clinical", _("Klinisk")
        COMPETENCE = "competence", _("Kompetanse")
        ADMINISTRATIVE = "administrative", _("Administrativ")

    code = models.SlugField(_("kode"), max_length=60)
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT,
                                     related_name="video_services", verbose_name=_("organisasjon"))
    department = models.ForeignKey("directory.CommunicationParty", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="video_services", verbose_name=_("avdeling"))
    name = models.CharField(_("navn"), max_length=200)
    purpose = models.CharField(_("formål"), max_length=20, choices=Purpose.choices)
    description = models.TextField(_("beskrivelse"))
    duration_minutes = models.PositiveIntegerField(_("varighet (minutter)"), default=45)
    who_may_request = models.CharField(_("hvem kan bestille"), max_length=300)
    lead_time_hours = models.PositiveIntegerField(_("bestillingsfrist (timer)"), default=24)
    contact_name = models.CharField(_("kontaktperson"), max_length=200)
    contact_phone = models.CharField(_("telefon"), max_length=30)
    contact_email = models.EmailField(_("e-post"), blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="unique_video_service_code")]
        verbose_name = _("videotjeneste")
        verbose_name_plural = _("videotjenester")

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booket")
        CANCELLED = "cancelled", _("Avlyst")
        HELD = "held", _("Gjennomført")
        FAILED = "failed", _("Teknisk feil")

    class Request(models.TextChoices):
        """Where a booking of a catalogue service stands with the department (S16)."""
        NONE = "", _("Ingen tjeneste")
        REQUESTED = "requested", _("Bestilt, venter på bekreftelse")
        CONFIRMED = "confirmed", _("Bekreftet")
        PROPOSED = "proposed", _("Nytt tidspunkt foreslått")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("formål"), max_length=20, choices=Service.Purpose.choices)
    title = models.CharField(_("tittel"), max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings")
    request_state = models.CharField(max_length=20, choices=Request.choices, default=Request.NONE, blank=True)
    proposed_start = models.DateTimeField(null=True, blank=True)
    proposed_end = models.DateTimeField(null=True, blank=True)
    # Clinical meetings belong to the patient's episode (S7); patient_id is copied from it.
    episode = models.ForeignKey("chains.Episode", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="video_meetings")
    patient_id = models.CharField(max_length=20, blank=True, db_index=True)
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT,
                                     related_name="video_meetings_booked", verbose_name=_("bestilt av"))
    booked_by = models.CharField(max_length=200)
    # Every organisation taking part: the scope for who may see the meeting.
    organisations = models.ManyToManyField("directory.Organisation", related_name="video_meetings")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("slutt"))
    # Random and non-guessable; never personal data (security checklist).
    room_name = models.CharField(max_length=80, unique=True)
    provider = models.CharField(max_length=30, default="jitsi")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    sequence = models.PositiveIntegerField(default=0)  # RFC 5545 SEQUENCE: bumped on every change
    warnings = models.JSONField(default=list, blank=True)
    # The security checklist (S15): all of it must hold before links are issued.
    patient_informed = models.BooleanField(default=False)
    identification = models.CharField(max_length=30, blank=True)  # e.g. id-on-camera | electronic-id
    lobby = models.BooleanField(default=False)
    recording_off = models.BooleanField(default=False)
    support_phone = models.CharField(max_length=30, blank=True)
    support_hours = models.CharField(max_length=100, blank=True)
    # After a clinical meeting the host records a note in the patient's record.
    note_required = models.BooleanField(default=False)
    note_recorded_at = models.DateTimeField(null=True, blank=True)
    note_recorded_by = models.CharField(max_length=200, blank=True)
    note_reminded_at = models.DateTimeField(null=True, blank=True)
    # Use (S17): what happened.
    outcome_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    failure_cause = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["status", "start"], name="video_meeting_status_idx")]
        verbose_name = _("videomøte")
        verbose_name_plural = _("videomøter")

    def __str__(self) -> str:
        return f"{self.title} {self.start:%Y-%m-%d %H:%M}"

    @property
    def note_pending(self) -> bool:
        return self.note_required and self.note_recorded_at is None


class Participant(models.Model):
    class Role(models.TextChoices):
        HOST = "host", _("Møteleder")
        HEALTH_PERSONNEL = "health-personnel", _("Helsepersonell")
        PATIENT = "patient", _("Pasient")
        RELATIVE = "relative", _("Pårørende")
        INTERPRETER = "interpreter", _("Tolk")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-post"), blank=True)
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    position = models.PositiveIntegerField(default=0)
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def is_health_personnel(self) -> bool:
        return self.role in (self.Role.HOST, self.Role.HEALTH_PERSONNEL)


class Plan(models.Model):
    """A party's plan for video as a clinical and competence tool (S17)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        ACTIVE = "active", _("Vedtatt")
        CLOSED = "closed", _("Avsluttet")

    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="video_plans")
    year = models.PositiveIntegerField(_("år"))
    title = models.CharField(_("tittel"), max_length=200)
    responsible = models.CharField(_("ansvarlig"), max_length=200)
    services = models.ManyToManyField(Service, blank=True, related_name="plans")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        ordering = ["organisation__name", "-year"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="one_video_plan_per_year")]
        verbose_name = _("videoplan")
        verbose_name_plural = _("videoplaner")

    def __str__(self) -> str:
        return f"{self.title} {self.year}"


class Goal(models.Model):
    class Kind(models.TextChoices):
        DISCHARGE_SHARE = "discharge-share", _("Andel utskrivningsmøter på video (%)")
        COMPETENCE_SESSIONS = "competence-sessions", _("Kompetansemøter per kvartal")
        CLINICAL_MEETINGS = "clinical-meetings", _("Kliniske videomøter per kvartal")
        MAX_FAILURE_SHARE = "max-failure-share", _("Høyst andel møter med teknisk feil (%)")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(_("mål"), max_length=30, choices=Kind.choices)
    target = models.PositiveIntegerField(_("målverdi"))
    responsible = models.CharField(_("ansvarlig"), max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "kind"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="one_goal_per_kind")]
