"""The standard procedure as data (S6, S7): one chain definition for all parties, in versions.

A version is approved by the strategic cooperation committee (SSU) on a date and takes effect from
a point in time; approved versions are never edited (a change is a new version), so the history of
versions is the history of the procedure. There is deliberately no link to a party anywhere here:
the same definition applies to UNN and every municipality (no local variants).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Who sends or receives a step (HISD 80806 ch. 9-10 «Sendes til»)."""

    HOSPITAL = "hospital", _("sykehusavdeling")
    NURSING = "nursing", _("kommunal sykepleietjeneste")
    CASE_HANDLING = "case_handling", _("kommunal saksbehandlertjeneste")
    MUNICIPALITY = "municipality", _("kommunal tjeneste")
    GP = "gp", _("fastlege")


SIDE_OF_ROLE = {"hospital": "hospital", "nursing": "municipality", "case_handling": "municipality",
                "municipality": "municipality", "gp": "gp"}


class Chain(models.Model):
    code = models.SlugField(_("kode"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("standard meldingsforløp")
        verbose_name_plural = _("standard meldingsforløp")

    def __str__(self) -> str:
        return self.name


class ChainVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("utkast")
        APPROVED = "approved", _("godkjent")

    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("versjon"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.CharField(_("godkjent av"), max_length=200, blank=True)
    approved_on = models.DateField(_("godkjent dato"), null=True, blank=True)
    effective_from = models.DateTimeField(_("gjelder fra"), null=True, blank=True)
    decision_reference = models.CharField(_("vedtak"), max_length=300, blank=True)
    summary = models.TextField(_("endringer"), blank=True)
    source = models.CharField(_("importert fra"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chain__code", "-number"]
        constraints = [models.UniqueConstraint(fields=["chain", "number"], name="unique_chain_version")]
        verbose_name = _("forløpsversjon")
        verbose_name_plural = _("forløpsversjoner")

    def __str__(self) -> str:
        return f"{self.chain.code} v{self.number} ({self.status})"


class ChainStep(models.Model):
    """One expected message in the chain, with what triggers it and its deadline."""

    version = models.ForeignKey(ChainVersion, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(max_length=60)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("tittel"), max_length=200)
    message_types = models.JSONField(_("meldingstyper (8279)"), default=list)
    sender_role = models.CharField(_("sendes av"), max_length=20, choices=Role.choices)
    receiver_role = models.CharField(_("sendes til"), max_length=20, choices=Role.choices)
    trigger = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="dependents",
                                help_text=_("Tomt: forventes fra forløpets start."))
    deadline = models.DurationField(_("frist etter utløser"), null=True, blank=True)
    same_day = models.BooleanField(_("frist samme dag"), default=False)
    mandatory = models.BooleanField(_("obligatorisk"), default=True)
    allow_early = models.BooleanField(_("kan komme før utløser"), default=False)
    requires_link = models.BooleanField(_("må referere utløsende melding"), default=False)
    repeatable = models.BooleanField(_("kan gjentas"), default=False)
    starts_episode = models.BooleanField(_("starter forløp"), default=False)
    closes_episode = models.BooleanField(_("avslutter forløp"), default=False)
    withdraws = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text=_("Steget som ikke lenger gjelder når denne meldingen kommer."))
    reference = models.CharField(_("kilde"), max_length=200, blank=True)
    note = models.TextField(_("merknad"), blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="unique_step_key")]
        verbose_name = _("forløpssteg")
        verbose_name_plural = _("forløpssteg")

    def __str__(self) -> str:
        return f"{self.key} ({', '.join(self.message_types)})"

    @property
    def deadline_text(self) -> str:
        if self.same_day:
            return "samme dag"
        if self.deadline is None:
            return ""
        hours = self.deadline.total_seconds() / 3600
        return f"{hours:g} t" if hours < 48 or hours % 24 else f"{hours / 24:g} d"
