"""The message-type registry (S13): MsgInfo/Type codes and the versions taken into use.

A type is a code from code system 8279 «Meldingens funksjon» (e.g. LOG_INNLAGT); the same code is
the ebXML/CPP action (HISD 1209 §3.1). Each version says where the document lives (namespace and
schema name as in MeldingsVersjoner.xml), which AppRec version answers it (HITS 1168 §8.3) and
whether it is being introduced, in use or retired. Taking a version into use is a data change
(`samhand types import`, or the admin), never a code change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageType(models.Model):
    code = models.CharField(_("kode (8279)"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    family = models.CharField(_("meldingsfamilie"), max_length=50, help_text="PLO, Dialogmelding, Epikrise, …")
    description = models.TextField(_("beskrivelse"), blank=True)

    class Meta:
        ordering = ["family", "code"]
        verbose_name = _("meldingstype")
        verbose_name_plural = _("meldingstyper")

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class MessageTypeVersion(models.Model):
    class Status(models.TextChoices):
        INTRODUCING = "introducing", _("under innføring")
        IN_USE = "in_use", _("i bruk")
        RETIRED = "retired", _("utfaset")

    message_type = models.ForeignKey(MessageType, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("versjon"), max_length=10, help_text=_("Versjonen av standarden, f.eks. 1.6."))
    namespace = models.CharField(_("navnerom"), max_length=200)
    schema_name = models.CharField(_("skjema"), max_length=100, help_text=_("Navn i MeldingsVersjoner.xml."))
    element = models.CharField(_("rotelement"), max_length=100, blank=True)
    apprec_version = models.CharField(_("svares med AppRec"), max_length=5, default="1.1")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_USE)
    status_changed_on = models.DateField(_("status endret"), null=True, blank=True)
    reference = models.CharField(_("standard"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["message_type__code", "version"]
        constraints = [models.UniqueConstraint(fields=["message_type", "version"], name="unique_type_version")]
        verbose_name = _("meldingsversjon")
        verbose_name_plural = _("meldingsversjoner")

    def __str__(self) -> str:
        return f"{self.message_type.code} {self.message_type.family} {self.version} ({self.status})"
