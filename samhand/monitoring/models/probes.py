"""Communication tests (kommunikasjonstest) per partner, and what the monitor believes of each partner."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Probe(models.Model):
    """The schedule of communication tests to one partner; the interval is set per partner."""

    partner_her_id = models.CharField(_("partner (HER-id)"), max_length=10, unique=True)
    sender_her_id = models.CharField(_("avsender (HER-id)"), max_length=10, blank=True,
                                     help_text=_("Tom: SAMHAND_PROBE_SENDER_HER_ID."))
    interval_minutes = models.PositiveIntegerField(_("intervall (minutter)"), default=60)
    enabled = models.BooleanField(_("aktiv"), default=True)
    next_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["partner_her_id"]
        verbose_name = _("kommunikasjonstest")
        verbose_name_plural = _("kommunikasjonstester")

    def __str__(self) -> str:
        return f"probe → {self.partner_her_id} every {self.interval_minutes} min"


class ProbeRun(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", _("venter på kvittering")
        OK = "ok", _("OK")
        FAILED = "failed", _("feilet")

    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="runs")
    message = models.OneToOneField("exchange.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="probe_run")
    sent_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.PENDING)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["result", "sent_at"], name="probe_run_result_idx")]


class PartnerStatus(models.Model):
    """The monitor's view of one partner: suspected down or not, and why."""

    her_id = models.CharField(max_length=10, unique=True)
    suspected_down = models.BooleanField(default=False)
    suspected_since = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    consecutive_probe_failures = models.PositiveIntegerField(default=0)
    last_probe_at = models.DateTimeField(null=True, blank=True)
    last_probe_ok = models.BooleanField(null=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("partnerstatus")
        verbose_name_plural = _("partnerstatus")
