"""Who a portal user is outside the portal: the HPR number or national identity that HelseID
vouches for. A national identity number is kept only as a keyed digest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalIdentity(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    hpr_number = models.CharField(_("HPR-nummer"), max_length=12, blank=True, db_index=True)
    pid_digest = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ekstern identitet")
        verbose_name_plural = _("eksterne identiteter")
        constraints = [
            models.CheckConstraint(condition=~models.Q(hpr_number="", pid_digest=""), name="external_identity_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.user} (HPR {self.hpr_number or '-'})"
