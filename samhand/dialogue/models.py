"""Misdirected messages (S11), clinical dialogue threads (S2) and urgent escalation (S12).

No patient content is stored here: threads carry message references, parties, deadlines and
states; what was asked and answered stays in the (encrypted) messages and is read through the
access choke point.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    WRONG_RECEIVER = "wrong-receiver", _("Feil mottaker")
    UNKNOWN_PATIENT = "unknown-patient", _("Ukjent pasient")
    WRONG_CONTENT = "wrong-content", _("Feil innhold")


class Misdirection(models.Model):
    """Receiving side: a delivered message its receiver marked as not theirs to process."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    delivery = models.OneToOneField("exchange.Delivery", on_delete=models.PROTECT, related_name="misdirection")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    text = models.CharField(max_length=500, blank=True)
    marked_by = models.CharField(max_length=200)
    marked_at = models.DateTimeField(default=timezone.now)
    # The Tilbakemelding om feil i mottatt melding (DIALOG_AVVIK) the node sent to the sender.
    avvik = models.ForeignKey("exchange.Message", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="misdirection_sent")
    retain_until = models.DateTimeField()
    purged_at = models.DateTimeField(null=True, blank=True)
    purge_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-marked_at"]
        indexes = [models.Index(fields=["retain_until"], condition=Q(purged_at__isnull=True),
                                name="misdirection_retention_idx")]
        verbose_name = _("feilsendt melding")
        verbose_name_plural = _("feilsendte meldinger")


class AvvikNotice(models.Model):
    """Sending side: a DIALOG_AVVIK from a partner, linked to the message of ours it is about."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    avvik = models.OneToOneField("exchange.Message", on_delete=models.PROTECT, related_name="avvik_notice")
    original = models.ForeignKey("exchange.Message", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="avvik_notices")
    original_msg_id = models.CharField(max_length=100)
    her_id = models.CharField(max_length=10)  # our party that received the notice (the original's sender)
    from_her_id = models.CharField(max_length=10)  # who flagged it
    reason = models.CharField(max_length=20, choices=Reason.choices)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]


class Resend(models.Model):
    """The sender sent the content of a misdirected (or E35-rejected) message to another receiver."""

    original = models.ForeignKey("exchange.Message", on_delete=models.PROTECT, related_name="resends")
    message = models.OneToOneField("exchange.Message", on_delete=models.PROTECT, related_name="resent_from")
    receiver_her_id = models.CharField(max_length=10)
    by = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]


class Thread(models.Model):
    """One question (forespørsel) as one side sees it, with its answer and deadline.

    Both sides have their own row (``side``), on one node or two; they share the question's MsgId
    and the conversation reference (HITS 1218: RefToConversation is the first message's MsgId).
    """

    class Side(models.TextChoices):
        ASKING = "asking", _("spør")
        ANSWERING = "answering", _("skal svare")

    class State(models.TextChoices):
        OPEN = "open", _("åpen")
        ANSWERED = "answered", _("besvart")
        CLOSED_BY_PHONE = "closed-by-phone", _("avklart på telefon")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    side = models.CharField(max_length=10, choices=Side.choices)
    her_id = models.CharField(max_length=10, db_index=True)  # our party on this side
    partner_her_id = models.CharField(max_length=10)
    conversation_ref = models.CharField(max_length=100, db_index=True)
    question = models.ForeignKey("exchange.Message", on_delete=models.PROTECT, related_name="dialogue_threads")
    question_msg_id = models.CharField(max_length=100)
    answer = models.ForeignKey("exchange.Message", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="answers_thread")
    patient_id = models.CharField(max_length=20, blank=True)
    episode_id = models.UUIDField(null=True, blank=True)  # chains.Episode, when the question is on one
    urgent = models.BooleanField(default=False)
    asked_at = models.DateTimeField()
    answer_by = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    closed_by = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    # Urgent escalation on the answering side: 1 = contact point alerted, 2 = on-call alerted.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "answer_by"]
        constraints = [models.UniqueConstraint(fields=["question", "her_id"], name="one_thread_per_question_side")]
        indexes = [models.Index(fields=["answer_by"], condition=Q(state="open"), name="thread_open_deadline_idx")]
        verbose_name = _("dialog")
        verbose_name_plural = _("dialoger")

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    def overdue(self, now) -> bool:
        return self.is_open and self.answer_by <= now


class ThreadMessage(models.Model):
    """Every dialogue message of a conversation on one side (forespørsel, svar, notat), in order."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="entries")
    message = models.ForeignKey("exchange.Message", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)  # foresporsel | svar | notat
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["thread", "message"], name="unique_thread_message")]
