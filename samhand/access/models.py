"""Audit trail of every read of patient content (S3, S19)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """Append-only: who read which message's patient content, when and why."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_kind = models.CharField(max_length=20)  # "api-client" | "user" | "cli"
    actor = models.CharField(max_length=200)  # system name or username
    organisation_her_id = models.CharField(max_length=10, blank=True)
    message = models.ForeignKey("exchange.Message", on_delete=models.PROTECT, related_name="access_log")
    patient_id = models.CharField(max_length=20, blank=True, db_index=True)
    purpose = models.CharField(max_length=100)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("tilgangslogg")
        verbose_name_plural = _("tilgangslogg")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("the access log is append-only")
