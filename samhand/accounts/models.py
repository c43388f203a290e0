"""Portal users: every user belongs to one organisation with one role."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Membership(models.Model):
    class Role(models.TextChoices):
        MELDINGSANSVARLIG = "meldingsansvarlig", _("Meldingsansvarlig")
        SAKSBEHANDLER = "saksbehandler", _("Saksbehandler")
        OPERATOR = "operator", _("Operatør (noden)")
        ADMINISTRATOR = "administrator", _("Administrator")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    @property
    def sees_patient_content(self) -> bool:
        # The node operator sees traffic metadata only, never patient content.
        return self.role != self.Role.OPERATOR
