"""Messages, their deliveries to receiving parties, and the append-only event log.

The database is the truth and the queue: a Delivery in state QUEUED is work for
the dispatch step, claimed with a lease (see queue.py).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} is append-only")


class Message(models.Model):
    """One business message or AppRec, as sent by one party (identified by sender + MsgId)."""

    class Origin(models.TextChoices):
        API = "api", _("EPJ via API")
        NODE = "node", _("noden")
        TRANSPORT = "transport", _("transport")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    msg_id = models.CharField(_("MsgId"), max_length=100)
    # Indexed by message_sender_time_idx and message_receiver_time_idx (below), which lead with them.
    sender_her_id = models.CharField(max_length=10)
    receiver_her_id = models.CharField(max_length=10)
    msg_type = models.CharField(_("meldingstype"), max_length=60)
    family = models.CharField(max_length=40, blank=True)
    doc_name = models.CharField(max_length=80, blank=True)
    doc_version = models.CharField(max_length=10, blank=True)
    is_apprec = models.BooleanField(default=False)
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="apprecs")
    apprec_status = models.CharField(max_length=1, blank=True)
    apprec_errors = models.JSONField(default=list, blank=True)  # [{"code", "text"}], for AppRecs
    # MsgHead addressing and what an AppRec must mirror (HITS 1168 §6.1), kept beside the protected
    # payload so answering a message needs no decryption. No patient data.
    envelope = models.JSONField(default=dict, blank=True)
    conversation_ref = models.CharField(max_length=100, blank=True)
    parent_ref = models.CharField(max_length=100, blank=True)
    gen_date = models.DateTimeField(null=True, blank=True)
    patient_id = models.CharField(max_length=20, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    submitted_by = models.ForeignKey("api.ApiClient", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["sender_her_id", "msg_id"], name="unique_sender_msgid")]
        # Every index here is written with every message, on the hot path: none repeats another (a
        # CharField's db_index would add a second, varchar_pattern_ops copy on PostgreSQL that no
        # query uses), and a column that leads a composite index has no index of its own.
        indexes = [
            # Search by MsgId and by its beginning (the portal shows «6438931f-38e2-4fe…»), and the
            # conversation of a message, found by its first message's MsgId. The operator class
            # serves a LIKE prefix in any collation and equality too (PostgreSQL; elsewhere ignored).
            models.Index(fields=["msg_id"], name="message_msgid_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["conversation_ref"], name="message_conversation_idx"),
            models.Index(fields=["patient_id"], name="message_patient_idx"),
            # One party's traffic in time order: lists and counts per service without sorting it all.
            models.Index(fields=["sender_her_id", "created_at"], name="message_sender_time_idx"),
            models.Index(fields=["receiver_her_id", "created_at"], name="message_receiver_time_idx"),
        ]
        verbose_name = _("melding")
        verbose_name_plural = _("meldinger")

    def __str__(self) -> str:
        return f"{self.msg_type} {self.msg_id} {self.sender_her_id}→{self.receiver_her_id}"


class MessageContent(models.Model):
    """The stored payload, kept apart so lists never load patient content by accident."""

    message = models.OneToOneField(Message, primary_key=True, on_delete=models.CASCADE, related_name="content")
    payload = models.BinaryField()  # the CMS envelope as sent or received: audit and non-repudiation
    # The verified document under the node's data key (protection.seal), so reading it costs an
    # AES-GCM decryption instead of a second RSA decryption. Never content in clear.
    sealed = models.BinaryField(null=True, blank=True)


class Delivery(models.Model):
    """A message on its way to one receiving party (primary or copy receiver)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("i kø")
        SENT = "sent", _("sendt")
        DELIVERED = "delivered", _("levert")
        REFUSED = "refused", _("avvist ved mottak")
        ACKNOWLEDGED = "acknowledged", _("kvittert OK")
        PARTLY = "acknowledged-with-errors", _("kvittert OK, feil i delmelding")
        REJECTED = "rejected", _("avvist")
        FAILED = "failed", _("feilet")

    class Role(models.TextChoices):
        PRIMARY = "primary", _("primærmottaker")
        COPY = "copy", _("kopimottaker")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # unique_delivery_per_party (message, her_id) serves every look-up by message.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    her_id = models.CharField(max_length=10)
    party = models.ForeignKey("directory.CommunicationParty", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="deliveries")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PRIMARY)
    state = models.CharField(max_length=30, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Receiving side: the AppRec this party sent (exactly one, HITS 1168 §5.5).
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.OneToOneField(Message, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="answer_to")
    # Sending side: the AppRec that came back from this party.
    acked_at = models.DateTimeField(null=True, blank=True)
    apprec = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="acknowledges")
    # Receiving side: the content was withdrawn from this party (misdirected/unknown patient, S11):
    # its users and EPR may no longer read it (access.read_content refuses with 410).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    # The delivery carries an AppRec (its message's ``is_apprec``), set when the row is built and
    # never changed. A business message waiting for its AppRec and an AppRec's own delivery are
    # both «levert»; this tells them apart on the delivery row, so the portal's «levert» filter
    # reads the few waiting ones from a partial index (migration 0009).
    for_apprec = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "her_id"], name="unique_delivery_per_party")]
        indexes = [
            # The dispatch queue: only unclaimed work is indexed, so the index stays small.
            models.Index(fields=["next_attempt_at"], condition=Q(state="queued"), name="delivery_queue_idx"),
            # The inbox: delivered and not yet read, per party.
            models.Index(fields=["her_id", "delivered_at"], condition=Q(read_at__isnull=True, delivered_at__isnull=False),
                         name="delivery_inbox_idx"),
            # A service's copies, and what it received and has not answered yet, oldest first.
            models.Index(fields=["her_id", "role", "state", "created_at"], name="delivery_party_idx"),
            # created_at first: an index led by state would tempt SQLite (no statistics) to probe all
            # deliveries in a state once per message when filtering the list by state.
            models.Index(fields=["created_at", "state"], name="delivery_waiting_idx"),
        ]
        verbose_name = _("levering")
        verbose_name_plural = _("leveringer")

    def __str__(self) -> str:
        return f"{self.message} → {self.her_id} [{self.state}]"


class Event(AppendOnly):
    """The node's event outbox: what happened, written in the same transaction as the change.

    It is the timeline of a message (the portal and API show it) and the feed every room above
    the exchange subscribes to (outbox.py): chains, monitoring, deviations, dialogue. Rooms above
    may publish their own kinds too (``outbox.publish``); ``message`` is then optional.

    ``txid`` is the writing transaction's id on PostgreSQL (set by the database, see migration
    0003) and orders the feed so that no subscriber skips an event whose transaction committed
    after a later-numbered one; on SQLite writers are serialised and the id alone orders it.
    """

    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    txid = models.BigIntegerField(db_default=0, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=40)
    detail = models.TextField(blank=True)
    actor = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["txid", "id"], name="event_feed_idx")]


class SubscriberCursor(models.Model):
    """How far one subscriber has read the event feed: the last (txid, id) it handled."""

    name = models.CharField(max_length=100, primary_key=True)
    txid = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)


class FailedEvent(models.Model):
    """An event a subscriber could not handle: skipped so the feed goes on, kept for the operator."""

    subscriber = models.CharField(max_length=100)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="failures")
    error = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "event"], name="unique_failed_event")]


class NodeEvent(AppendOnly):
    """Things that happened outside any stored message: refusals, spoofing, unreadable input."""

    class Kind(models.TextChoices):
        REFUSED = "refused", _("avvist ved innsending")
        SECURITY = "security", _("sikkerhetshendelse")
        TRANSPORT = "transport", _("transportfeil")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.CharField(max_length=40, blank=True)
    her_id = models.CharField(max_length=10, blank=True)
    actor = models.CharField(max_length=200, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]
