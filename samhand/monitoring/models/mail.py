"""The outbox of e-mails to meldingsansvarlig: written with the change that causes it, sent by a step."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class MailOut(models.Model):
    # Idempotency: one e-mail per event, e.g. "alert:<id>:opened" or "downtime:<id>:all-clear:<org>".
    key = models.CharField(max_length=200, unique=True)
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(sent_at__isnull=True), name="mail_queue_idx")]
