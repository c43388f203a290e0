"""The manual routine for one message to one receiver (S9), and its reconciliation afterwards."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ManualHandling(models.Model):
    """A delivery whose content was passed on by hand (printed, phoned).

    It stays on both organisations' reconciliation list until the sender and the receiver have
    each confirmed it, so nothing is entered twice or forgotten; when the electronic message does
    arrive, the receiver sees it marked "already handled manually".
    """

    delivery = models.OneToOneField("exchange.Delivery", on_delete=models.PROTECT, related_name="manual_handling")
    message = models.ForeignKey("exchange.Message", on_delete=models.PROTECT, related_name="manual_handlings")
    sender_her_id = models.CharField(max_length=10)
    receiver_her_id = models.CharField(max_length=10)
    sender_organisation = models.ForeignKey("directory.Organisation", null=True, on_delete=models.PROTECT,
                                            related_name="+")
    receiver_organisation = models.ForeignKey("directory.Organisation", null=True, on_delete=models.PROTECT,
                                              related_name="+")
    reason = models.CharField(_("årsak"), max_length=300)
    handled_by = models.CharField(_("behandlet manuelt av"), max_length=200)
    handled_at = models.DateTimeField(_("behandlet manuelt"), default=timezone.now)
    printed = models.PositiveIntegerField(default=1)
    last_printed_by = models.CharField(max_length=200, blank=True)
    last_printed_at = models.DateTimeField(null=True, blank=True)
    delivered_after_at = models.DateTimeField(_("levert elektronisk etterpå"), null=True, blank=True)
    sender_confirmed_at = models.DateTimeField(null=True, blank=True)
    sender_confirmed_by = models.CharField(max_length=200, blank=True)
    receiver_confirmed_at = models.DateTimeField(null=True, blank=True)
    receiver_confirmed_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["handled_at", "id"]
        indexes = [models.Index(fields=["handled_at"], name="manual_unreconciled_idx",
                                condition=Q(sender_confirmed_at__isnull=True) | Q(receiver_confirmed_at__isnull=True)),
                   models.Index(fields=["handled_at"], name="manual_awaiting_delivery_idx",
                                condition=Q(delivered_after_at__isnull=True))]
        verbose_name = _("manuell behandling")
        verbose_name_plural = _("manuelle behandlinger")

    @property
    def reconciled(self) -> bool:
        return self.sender_confirmed_at is not None and self.receiver_confirmed_at is not None
