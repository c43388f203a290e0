"""The patient-data door's records (S3, S19; issues 15 and 16): the hash-chained access log,
the broker's decisions, patients' blocks and the privacy contact's review queue."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """Append-only and hash-chained: who read or asked for which patient's data, when and why.

    ``seq`` numbers the chain without gaps; ``hash`` = SHA-256 over the previous row's hash and
    this row's canonical content (samhand.access.log.canonical). The database refuses UPDATE and
    DELETE (triggers, migration 0002); whoever bypasses that is caught by ``verify-log``.
    """

    class Kind(models.TextChoices):
        READ = "read", _("lest")
        LIST = "list", _("liste")
        SEARCH = "search", _("søk")
        REQUEST = "request", _("forespørsel")
        DECISION = "decision", _("beslutning")
        BLOCK = "block", _("sperring")
        EXPORT = "export", _("utlevering")

    seq = models.PositiveBigIntegerField(unique=True, null=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.READ)
    actor_kind = models.CharField(max_length=20)  # "api-client" | "user" | "cli"
    actor = models.CharField(max_length=200)  # system name or username
    actor_name = models.CharField(max_length=200, blank=True)  # the clinician an EPR acts for
    actor_hpr = models.CharField(max_length=12, blank=True)
    actor_role = models.CharField(max_length=60, blank=True)
    organisation_her_id = models.CharField(max_length=10, blank=True)  # on whose behalf: the reading party
    message = models.ForeignKey("exchange.Message", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="access_log")
    documents = models.JSONField(default=list, blank=True)  # message ids, when several are shown at once
    patient_id = models.CharField(max_length=20, blank=True)
    holder_her_id = models.CharField(max_length=10, blank=True)  # whose data (organisation)
    purpose = models.CharField(max_length=100)
    decision_ref = models.CharField(max_length=40, blank=True)
    detail = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-seq"]
        # Plain b-trees: a CharField's db_index adds a varchar_pattern_ops copy on PostgreSQL, which
        # no query uses and every read of patient content would write.
        indexes = [models.Index(fields=["patient_id"], name="accesslog_patient_idx"),
                   models.Index(fields=["holder_her_id"], name="accesslog_holder_idx"),
                   models.Index(fields=["decision_ref"], name="accesslog_decision_idx")]
        verbose_name = _("tilgangslogg")
        verbose_name_plural = _("tilgangslogg")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("the access log is append-only")


class AccessLogHead(models.Model):
    """The end of the chain: the last row's ``seq`` and ``hash``, in one row that every append
    locks and moves (PostgreSQL; samhand.access.log). Locking it returns its newest committed
    version, so the append reads where the chain ends in the statement that waits for its turn:
    one statement instead of a lock and a read of the log's tail."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)


def _ref() -> str:
    return "AD-" + uuid.uuid4().hex[:16].upper()


class Decision(models.Model):
    """One request for another organisation's documents about a patient, and its outcome."""

    class Purpose(models.TextChoices):
        TREAT = "TREAT", _("Behandling")
        COORD = "COORD", _("Koordinering")
        EMERGENCY = "EMERGENCY", _("Nødtilgang")

    class Outcome(models.TextChoices):
        PERMIT = "permit", _("Tilgang gitt")
        DENY = "deny", _("Avslått")
        EMERGENCY_ONLY = "emergency-only", _("Kun nødtilgang")

    ref = models.CharField(max_length=40, unique=True, default=_ref)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_kind = models.CharField(max_length=20)
    actor = models.CharField(max_length=200)
    practitioner_name = models.CharField(max_length=200, blank=True)
    practitioner_hpr = models.CharField(max_length=12, blank=True)
    practitioner_role = models.CharField(max_length=60, blank=True)
    requester_org_her_id = models.CharField(max_length=10)
    requester_her_ids = models.JSONField(default=list)  # the parties the requester acts for
    patient_id = models.CharField(max_length=20, db_index=True)
    holder_her_id = models.CharField(max_length=10)  # as asked: organisation or service
    holder_org_her_id = models.CharField(max_length=10, db_index=True)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    reason = models.TextField(blank=True)  # the requester's written reason (required for emergency)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rule = models.CharField(max_length=40)  # which rule decided (samhand.access.rules)
    explanation = models.CharField(max_length=300)
    relation = models.CharField(max_length=300, blank=True)  # the care relation found, if any
    emergency = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    document_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("tilgangsbeslutning")
        verbose_name_plural = _("tilgangsbeslutninger")

    def __str__(self) -> str:
        return f"{self.ref} {self.outcome}"

    def permits(self, now=None) -> bool:
        if self.outcome != self.Outcome.PERMIT:
            return False
        return self.expires_at is None or (now or timezone.now()) < self.expires_at


class PatientBlock(models.Model):
    """A patient's block on their record at an organisation: whole (scope organisation) or against
    one named health professional (scope practitioner, by HPR number)."""

    class Scope(models.TextChoices):
        ORGANISATION = "organisation", _("Hele journalen")
        PRACTITIONER = "practitioner", _("Navngitt helsepersonell")

    patient_id = models.CharField(max_length=20, db_index=True)
    holder = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="patient_blocks")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    hpr = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=300, blank=True)
    registered_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sperring")
        verbose_name_plural = _("sperringer")


class ReviewItem(models.Model):
    """An access the data owner's privacy contact must look at, and what they decided."""

    class Reason(models.TextChoices):
        EMERGENCY = "emergency", _("Nødtilgang")
        NO_RELATION = "no-relation", _("Uten behandlingsrelasjon")
        OWN_RECORD = "own-record", _("Egen journal")
        NAMESAKE = "namesake", _("Navnelikhet")
        VOLUME = "volume", _("Uvanlig mange oppslag")

    class Status(models.TextChoices):
        OPEN = "open", _("Til vurdering")
        JUSTIFIED = "justified", _("Begrunnet")
        FOLLOW_UP = "follow-up", _("Følges opp")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="reviews")
    holder = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="access_reviews")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    decided_by = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["decision", "reason"], name="unique_review_per_reason")]
        verbose_name = _("kontrollsak")
        verbose_name_plural = _("kontrollsaker")
