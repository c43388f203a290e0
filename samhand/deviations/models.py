"""Deviations (avvik) between the parties, and the agreement's governance records (S10, S20).

A deviation is discovered by one organisation (the reporter) and concerns another (the
responsible organisation). Both see the case; each sees only its own internal notes. The
timeline (``DeviationEntry``) is append-only, like the message timeline.

The approved procedures (deviation, downtime, manual, misdirected and urgent-dialogue routines)
are versioned like the standard chain (samhand/chains/models/definition.py): a version is
approved by a body on a date with a decision reference and takes effect from a point in time;
an approved version is never edited, a change is a new version.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    MESSAGE_EXCHANGE = "message-exchange", _("meldingsutveksling")
    CHAIN = "chain", _("standard meldingsforløp ikke fulgt")
    MISDIRECTED = "misdirected", _("feiladressert melding")
    DOWNTIME = "downtime", _("nedetid")
    AGREEMENT = "agreement-breach", _("brudd på avtalen")
    VIDEO = "video", _("video")
    RECORD_ACCESS = "record-access", _("tilgang til journal")
    OTHER = "other", _("annet")
    DISAGREEMENT = "disagreement", _("uenighet")


class Severity(models.TextChoices):
    LOW = "low", _("lav")
    MEDIUM = "medium", _("middels")
    HIGH = "high", _("høy")
    CRITICAL = "critical", _("kritisk")


class State(models.TextChoices):
    DRAFT = "draft", _("utkast")
    REGISTERED = "registered", _("registrert")
    SENT = "sent", _("sendt til ansvarlig part")
    IN_TREATMENT = "in-treatment", _("under behandling")
    ANSWERED = "answered", _("besvart")
    CLOSED = "closed", _("lukket")
    REJECTED = "rejected", _("avvist")


OPEN_STATES = ("registered", "sent", "in-treatment")


class Deviation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.CharField(_("kategori"), max_length=30, choices=Category.choices)
    title = models.CharField(_("tittel"), max_length=300)
    description = models.TextField(_("hva skjedde"), blank=True)
    occurred_at = models.DateTimeField(_("når skjedde det"))
    discovered_at = models.DateTimeField(_("når ble det oppdaget"))
    severity = models.CharField(_("alvorlighet"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    patient_consequence = models.TextField(_("konsekvens for pasienten"), blank=True)
    immediate_measures = models.TextField(_("strakstiltak"), blank=True)

    reporter = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="deviations_reported")
    reported_by = models.CharField(max_length=200)
    responsible = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT,
                                    related_name="deviations_responsible")
    responsible_her_id = models.CharField(max_length=10, blank=True)  # the service, when one was named
    # Who it was sent to: the category's handler, meldingsansvarlig, or the dispute body.
    handler_name = models.CharField(max_length=200, blank=True)
    handler_email = models.EmailField(blank=True)
    routed_to_dispute_body = models.BooleanField(default=False)

    state = models.CharField(max_length=20, choices=State.choices, default=State.REGISTERED)
    automatic = models.BooleanField(default=False)
    rule = models.CharField(max_length=40, blank=True)
    # Automatic drafts: one per natural key (message, episode step, downtime …), however often
    # the event that caused it is delivered.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    procedure_version = models.ForeignKey("deviations.ProcedureVersion", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")

    created_at = models.DateTimeField()
    registered_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(_("svarfrist"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("svar"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cause = models.TextField(_("årsak"), blank=True)
    measures = models.TextField(_("tiltak"), blank=True)
    procedure_change_needed = models.BooleanField(_("rutinen må endres"), default=False)
    rejected_reason = models.TextField(blank=True)

    # GDPR art. 33: a possible personal-data breach carries a 72-hour clock from discovery.
    possible_breach = models.BooleanField(_("mulig brudd på personopplysningssikkerheten"), default=False)
    breach_nature = models.TextField(_("bruddets art"), blank=True)
    breach_person_categories = models.CharField(_("kategorier registrerte"), max_length=300, blank=True)
    breach_persons = models.PositiveIntegerField(_("omtrentlig antall registrerte"), null=True, blank=True)
    breach_record_categories = models.CharField(_("kategorier personopplysninger"), max_length=300, blank=True)
    breach_records = models.PositiveIntegerField(_("omtrentlig antall registreringer"), null=True, blank=True)
    breach_consequences = models.TextField(_("sannsynlige konsekvenser"), blank=True)
    breach_contact = models.CharField(_("kontaktpunkt"), max_length=300, blank=True)
    breach_notified_at = models.DateTimeField(_("meldt til Datatilsynet"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "deadline"], name="deviation_deadline_idx"),
                   models.Index(fields=["responsible", "state"], name="deviation_resp_idx"),
                   models.Index(fields=["reporter", "state"], name="deviation_rep_idx")]
        verbose_name = _("avvik")
        verbose_name_plural = _("avvik")

    def __str__(self) -> str:
        return f"{self.title} [{self.state}]"

    @property
    def is_dispute(self) -> bool:
        return self.category == Category.DISAGREEMENT


class DeviationLink(models.Model):
    """What the deviation concerns: a message, a patient episode, an alert or a downtime."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("melding")
        EPISODE = "episode", _("pasientforløp")
        ALERT = "alert", _("varsel")
        DOWNTIME = "downtime", _("nedetid")

    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.ForeignKey("exchange.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey("chains.Episode", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey("monitoring.Alert", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    downtime = models.ForeignKey("monitoring.Downtime", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["id"]


ENTRY_LABELS = {
    "draft": _("automatisk utkast"), "registered": _("registrert"), "sent": _("sendt til ansvarlig part"),
    "in-treatment": _("under behandling"), "answered": _("besvart"), "closed": _("lukket"), "rejected": _("avvist"),
    "note": _("internt notat"), "reminder": _("påminnelse"), "escalated": _("eskalert til leder"),
    "breach": _("personvernbrudd oppdatert"),
}


class DeviationEntry(models.Model):
    """One step on the case's timeline; ``internal`` entries are seen only by ``organisation``."""

    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField()
    kind = models.CharField(max_length=30)
    text = models.TextField(blank=True)
    actor = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    @property
    def label(self) -> str:
        return str(ENTRY_LABELS.get(self.kind, self.kind))

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("the deviation timeline is append-only")
        super().save(*args, **kwargs)


class Handler(models.Model):
    """An organisation's deviation handler (avviksbehandler) for one category, or its leader contact.

    Without a handler for a category the deviation goes to the organisation's meldingsansvarlig
    (directory); escalation after the deadline goes to the leader contact.
    """

    class Role(models.TextChoices):
        HANDLER = "handler", _("avviksbehandler")
        LEADER = "leader", _("leder")

    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE,
                                     related_name="deviation_handlers")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.HANDLER)
    category = models.CharField(_("kategori"), max_length=30, choices=Category.choices, blank=True,
                                help_text=_("Tom: alle kategorier."))
    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-post"))
    username = models.CharField(_("brukernavn i portalen"), max_length=150, blank=True)

    class Meta:
        ordering = ["organisation__name", "role", "category"]
        verbose_name = _("avviksbehandler")
        verbose_name_plural = _("avviksbehandlere")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation}, {self.category or '*'})"


# --- governance (S20) -------------------------------------------------------------------------

class Procedure(models.Model):
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("navn"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("rutine")
        verbose_name_plural = _("rutiner")

    def __str__(self) -> str:
        return self.name


class ProcedureVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("utkast")
        APPROVED = "approved", _("godkjent")

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("versjon"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    text = models.TextField(_("tekst"))
    parameters = models.JSONField(_("parametere"), default=dict)
    approved_by = models.CharField(_("godkjent av"), max_length=200, blank=True)
    approved_on = models.DateField(_("godkjent dato"), null=True, blank=True)
    decision_reference = models.CharField(_("vedtak"), max_length=300, blank=True)
    effective_from = models.DateTimeField(_("gjelder fra"), null=True, blank=True)
    summary = models.TextField(_("endringer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["procedure__code", "-number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="unique_procedure_version")]
        verbose_name = _("rutineversjon")
        verbose_name_plural = _("rutineversjoner")

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} ({self.status})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = ProcedureVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.APPROVED:
                raise RuntimeError("an approved procedure version is never changed; make a new version")
        super().save(*args, **kwargs)


class AgreementDocument(models.Model):
    """The cooperation agreement (samarbeidsavtale) and its appendices/guidelines as records."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("samarbeidsavtale")
        APPENDIX = "appendix", _("delavtale/retningslinje")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    number = models.CharField(_("nummer"), max_length=20, blank=True)
    title = models.CharField(_("tittel"), max_length=300)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="appendices")
    parties = models.ManyToManyField("directory.Organisation", blank=True, related_name="agreements")
    approved_by = models.CharField(_("godkjent av"), max_length=200, blank=True)
    approved_on = models.DateField(_("godkjent dato"), null=True, blank=True)
    decision_reference = models.CharField(_("vedtak"), max_length=300, blank=True)
    revised_on = models.DateField(_("revidert"), null=True, blank=True)
    next_revision = models.DateField(_("neste revisjon"), null=True, blank=True)
    # The dispute route (tvisteløsning): where disagreements go instead of a handler.
    dispute_body = models.CharField(_("tvisteløsning"), max_length=200, blank=True)
    dispute_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["kind", "number"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="unique_agreement_number")]
        verbose_name = _("avtaledokument")
        verbose_name_plural = _("avtaledokumenter")

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

