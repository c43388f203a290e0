"""Planned and unplanned downtime of a communication party or a whole organisation (S8).

While a downtime is in force, messages to the affected parties stay queued (held, not failed) and
alerts about them are suppressed; when it ends they go out in order and partners get the all-clear.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Downtime(models.Model):
    party = models.ForeignKey("directory.CommunicationParty", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="downtimes")
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="downtimes")
    planned = models.BooleanField(_("planlagt"))
    start = models.DateTimeField(_("start"))
    expected_end = models.DateTimeField(_("forventet slutt"))
    ended_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    description = models.TextField(_("beskrivelse"))
    contact = models.CharField(_("kontakt"), max_length=300, blank=True)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    ended_by = models.CharField(max_length=200, blank=True)
    released = models.PositiveIntegerField(default=0)  # messages held when it ended

    class Meta:
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(party__isnull=False) ^ Q(organisation__isnull=False),
                                              name="downtime_has_one_target"),
                       models.CheckConstraint(condition=Q(expected_end__gt=models.F("start")),
                                              name="downtime_ends_after_start")]
        indexes = [models.Index(fields=["start"], condition=Q(ended_at__isnull=True), name="downtime_open_idx")]
        verbose_name = _("nedetid")
        verbose_name_plural = _("nedetider")

    def __str__(self) -> str:
        return f"{self.target_name}: {self.start:%Y-%m-%d %H:%M}–{self.expected_end:%H:%M}"

    @property
    def target_her_id(self) -> str:
        return self.party.her_id if self.party_id else self.organisation.her_id

    @property
    def target_name(self) -> str:
        if self.party_id:
            return f"{self.party.name}, {self.party.organisation.name}"
        return self.organisation.name

    @property
    def target_organisation(self):
        return self.party.organisation if self.party_id else self.organisation

    def state_at(self, now) -> str:
        if self.ended_at is not None:
            return "ended"
        return "in-force" if self.start <= now else "planned"
