"""Alerts: one per affected organisation, partner and problem, with the messages it concerns.

An alert is opened the first time a rule finds a problem with a partner, collects every further
message with the same problem while it is open (deduplication: one e-mail, a count), escalates
when nobody acknowledges it in time, and resolves itself when every message it names is cleared.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ACTIVE = ("open", "acknowledged")


class Alert(models.Model):
    class Kind(models.TextChoices):
        APPREC_LATE = "apprec-late", _("kvittering forsinket")
        APPREC_MISSING = "apprec-missing", _("kvittering mangler etter 96 timer")
        REJECTED = "rejected", _("negativ kvittering")
        FAILED = "failed", _("melding kunne ikke leveres")
        BACKLOG = "backlog", _("meldinger i kø")
        SUSPECTED_DOWN = "suspected-down", _("mistenkt nede")
        PROBE_FAILED = "probe-failed", _("kommunikasjonstest feilet")
        MANUAL_ROUTINE = "manual-routine", _("manuell rutine nødvendig")
        DOWNTIME_OVERRUN = "downtime-overrun", _("nedetid varer lenger enn varslet")

    class Severity(models.TextChoices):
        WARNING = "warning", _("advarsel")
        CRITICAL = "critical", _("kritisk")

    class State(models.TextChoices):
        OPEN = "open", _("åpen")
        ACKNOWLEDGED = "acknowledged", _("kvittert ut")
        RESOLVED = "resolved", _("løst")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    # Whose meldingsansvarlig is told: the sender's organisation for problems with sent messages
    # (HITS 1168 §9.1), the partner's own organisation for problems with the partner itself.
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="alerts")
    partner_her_id = models.CharField(max_length=10)
    partner_name = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    summary = models.CharField(max_length=500, blank=True)
    count = models.PositiveIntegerField(default=0)  # messages affected, over the alert's life
    opened_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=200, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=200, blank=True)
    resolved_automatically = models.BooleanField(default=False)
    # A partner suspected down: the monitor proposes unplanned downtime for a person to declare.
    proposes_downtime = models.BooleanField(default=False)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "partner_her_id", "kind"],
                                               condition=Q(state__in=ACTIVE), name="one_active_alert_per_problem")]
        indexes = [models.Index(fields=["state", "opened_at"], name="alert_state_idx")]
        verbose_name = _("varsel")
        verbose_name_plural = _("varsler")

    def __str__(self) -> str:
        return f"{self.kind} {self.partner_her_id} → {self.organisation_id} [{self.state}]"

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


class AlertItem(models.Model):
    """One message (delivery) an alert is about; cleared when its problem goes away."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=30)  # the alert's kind, so a delivery is raised once per problem
    delivery = models.ForeignKey("exchange.Delivery", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="alert_items")
    message = models.ForeignKey("exchange.Message", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="alert_items")
    detail = models.CharField(max_length=500, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "delivery"], condition=Q(delivery__isnull=False),
                                               name="one_alert_item_per_delivery_and_problem")]
        indexes = [models.Index(fields=["alert"], condition=Q(cleared_at__isnull=True), name="alert_item_live_idx")]
