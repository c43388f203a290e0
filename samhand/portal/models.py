"""Daily traffic counts for the dashboard's chart: metadata only, never patient data.

Counting a month of a hospital's messages on every dashboard load is slow; a day that is over
never changes (a message's created_at is the time the node stored it), so each past day is
counted once for everyone and kept here. Today is always counted live.
"""

from django.db import models


class TrafficCount(models.Model):
    day = models.DateField()  # local date (TIME_ZONE)
    sender_her_id = models.CharField(max_length=10)
    receiver_her_id = models.CharField(max_length=10)
    msg_type = models.CharField(max_length=60)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "sender_her_id", "receiver_her_id", "msg_type"],
                                               name="unique_traffic_count")]
        indexes = [models.Index(fields=["day"], name="traffic_count_day_idx")]


class TrafficDay(models.Model):
    """A day whose counts are complete in TrafficCount."""

    day = models.DateField(unique=True)
    counted_at = models.DateTimeField(auto_now_add=True)


class ReconciliationNote(models.Model):
    """A note on a manually handled message in the reconciliation list (what was agreed with the
    other side, why it is not confirmed yet): the organisation's own, kept with who wrote it."""

    handling = models.ForeignKey("monitoring.ManualHandling", on_delete=models.CASCADE, related_name="notes")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)
    written_by = models.CharField(max_length=200)
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["written_at", "id"]
        indexes = [models.Index(fields=["handling", "organisation"], name="reconciliation_note_idx")]
