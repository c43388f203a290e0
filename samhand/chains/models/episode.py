"""Patient episodes tracked against the chain version in force when they began (S7).

An episode is one patient's stay at one hospital trust as the messages show it: the hospital
departments and municipal services involved, every message (by MsgId), and per chain step
whether it is waiting, expected (with its due time), overdue, sent, done or missing.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .definition import ChainStep, ChainVersion


class Episode(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("åpent")
        CLOSED = "closed", _("avsluttet")
        CANCELLED = "cancelled", _("kansellert")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chain_version = models.ForeignKey(ChainVersion, on_delete=models.PROTECT, related_name="episodes")
    patient_id = models.CharField(_("pasient"), max_length=20)
    hospital_org_her_id = models.CharField(_("helseforetak (HER-id)"), max_length=10)
    municipality_org_her_id = models.CharField(_("kommune (HER-id)"), max_length=10, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    started_at = models.DateTimeField(_("startet"))
    discharged_at = models.DateTimeField(_("utskrevet"), null=True, blank=True)
    closed_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField()
    # Kept current by the services so that lists sort by urgency without joins.
    next_due_at = models.DateTimeField(null=True, blank=True)
    overdue_steps = models.PositiveIntegerField(default=0)
    flagged_messages = models.PositiveIntegerField(default=0)
    live_messages = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["patient_id", "hospital_org_her_id"], name="episode_patient_idx"),
            models.Index(fields=["state", "next_due_at"], name="episode_urgency_idx"),
        ]
        verbose_name = _("pasientforløp")
        verbose_name_plural = _("pasientforløp")

    def __str__(self) -> str:
        return f"{self.chain_version} {self.patient_id[:6]}… {self.state}"


class EpisodeParty(models.Model):
    """A communication party involved in an episode: the scope for who may see it."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="parties")
    her_id = models.CharField(max_length=10, db_index=True)
    organisation_her_id = models.CharField(max_length=10, blank=True)
    side = models.CharField(max_length=20)  # hospital | municipality | gp | other
    role = models.CharField(max_length=20, blank=True)  # chain Role when known

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "her_id"], name="unique_episode_party")]


class EpisodeMessage(models.Model):
    """One message of an episode, in the order the node recorded them."""

    class Status(models.TextChoices):  # Forsendelsesstatus, code system 7309 (HISD 1154 §2)
        NEW = "N", _("ny")
        CHANGE = "M", _("endring")
        CANCEL = "C", _("kansellering")

    class Effect(models.TextChoices):
        NONE = "", _("gjeldende")
        REPLACED = "replaced", _("erstattet av endring")
        CANCELLED = "cancelled", _("kansellert")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="entries")
    message = models.OneToOneField("exchange.Message", on_delete=models.CASCADE, related_name="episode_entry")
    msg_id = models.CharField(max_length=100)
    msg_type = models.CharField(max_length=60)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.NEW)
    step = models.ForeignKey(ChainStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    sender_her_id = models.CharField(max_length=10)
    receiver_her_id = models.CharField(max_length=10)
    ref_parent = models.CharField(max_length=100, blank=True)
    ref_conversation = models.CharField(max_length=100, blank=True)
    # HISD 1154 §4: a change or cancellation applies to every earlier message of the same
    # document; doc_key is the MsgId of the document's first message ("" while it is unknown).
    target = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    doc_key = models.CharField(max_length=100, blank=True)
    effect = models.CharField(max_length=20, choices=Effect.choices, blank=True, default="")
    apprec_status = models.CharField(max_length=1, blank=True)  # code system 8258
    apprec_at = models.DateTimeField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The entries an arriving message refers to (a plain b-tree: a CharField's db_index adds a
            # varchar_pattern_ops copy on PostgreSQL that no query uses).
            models.Index(fields=["msg_id"], name="entry_msgid_idx"),
            # Changes and cancellations still waiting for their original (it may arrive later).
            models.Index(fields=["sender_her_id", "ref_parent"], name="entry_pending_parent_idx",
                         condition=Q(target__isnull=True, status__in=["M", "C"])),
            models.Index(fields=["sender_her_id", "ref_conversation"], name="entry_pending_conv_idx",
                         condition=Q(target__isnull=True, status__in=["M", "C"])),
        ]
        verbose_name = _("melding i forløp")
        verbose_name_plural = _("meldinger i forløp")

    def __str__(self) -> str:
        return f"{self.msg_type} {self.status} {self.msg_id}"

    @property
    def live(self) -> bool:
        """Counts for its step: not cancelled and not rejected by the receiver."""
        return self.status != "C" and self.effect != self.Effect.CANCELLED and self.apprec_status != "2"


class EpisodeStep(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("venter på utløser")
        EXPECTED = "expected", _("forventet")
        OVERDUE = "overdue", _("forfalt")
        SENT = "sent", _("sendt, venter på kvittering")
        DONE = "done", _("utført")
        WITHDRAWN = "withdrawn", _("bortfalt")
        MISSING = "missing", _("mangler")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(ChainStep, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.WAITING)
    triggered_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    entry = models.ForeignKey(EpisodeMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["episode", "step__position"]
        constraints = [models.UniqueConstraint(fields=["episode", "step"], name="unique_episode_step")]
        indexes = [models.Index(fields=["due_at"], condition=Q(state="expected"), name="episode_step_due_idx")]
        verbose_name = _("forløpssteg i pasientforløp")
        verbose_name_plural = _("forløpssteg i pasientforløp")

    def __str__(self) -> str:
        return f"{self.step.key}: {self.state}"
