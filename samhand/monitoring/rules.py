"""The alert rules about sent messages, as predicates on one delivery.

The same predicate decides when a message is raised (receipt watch) and when it is cleared
(auto-resolve), so an alert resolves exactly when its cause is gone. Only messages sent from this
node (by a local EPR or the node itself) are watched: for those, this node is the sender's system
that HITS 1168 §9.1 makes responsible for following up missing and negative receipts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet

from samhand.chains.models import EpisodeStep
from samhand.exchange.models import Delivery, Message

from . import conf
from .models import Alert, Downtime, ManualHandling

S = Delivery.State
K = Alert.Kind
WAITING = (S.QUEUED, S.SENT, S.DELIVERED)
POSITIVE = (S.ACKNOWLEDGED, S.PARTLY)
ENDED_BADLY = (S.REJECTED, S.FAILED)


def watched() -> QuerySet:
    """Business messages this node sent for its parties (not AppRecs, not probes, not relayed)."""
    return (Delivery.objects.filter(message__is_apprec=False, message__probe_run__isnull=True)
            .exclude(message__origin=Message.Origin.TRANSPORT))


def outstanding(since: datetime) -> QuerySet:
    """Deliveries that may concern a rule: still waiting for a receipt, or ended badly."""
    base = watched().filter(message__created_at__gte=since)
    return base.filter(acked_at__isnull=True, state__in=WAITING) | base.filter(state__in=ENDED_BADLY)


def gen_time(message: Message) -> datetime:
    # HITS 1168 §4.1: the 96 hours run from GenDate in the business message.
    return message.gen_date or message.created_at


@dataclass
class Context:
    """What the predicates need beyond the delivery, fetched in bulk once per pass."""

    now: datetime
    manual: set = field(default_factory=set)  # delivery ids handled by the manual routine
    resent_ok: set = field(default_factory=set)  # (sender, receiver, type, patient, created) positives
    chain_due: dict = field(default_factory=dict)  # message id -> chain step deadline
    downtime_end: dict = field(default_factory=dict)  # HER-id in downtime -> expected end

    @classmethod
    def build(cls, now: datetime, deliveries: list[Delivery]) -> Context:
        ctx = cls(now)
        ids = [d.pk for d in deliveries]
        ctx.manual = set(ManualHandling.objects.filter(delivery_id__in=ids).values_list("delivery_id", flat=True))
        bad = [d for d in deliveries if d.state in ENDED_BADLY]
        if bad:
            since = min(d.message.created_at for d in bad)
            positives = watched().filter(state__in=POSITIVE, message__created_at__gt=since,
                                         her_id__in={d.her_id for d in bad},
                                         message__patient_id__in={d.message.patient_id for d in bad})
            ctx.resent_ok = set(positives.values_list("message__sender_her_id", "her_id", "message__msg_type",
                                                      "message__patient_id", "message__created_at"))
        ctx.chain_due = _chain_due([d.message_id for d in deliveries if d.state not in POSITIVE])
        for downtime in Downtime.objects.filter(ended_at__isnull=True, start__lte=now).select_related(
                "party", "organisation"):
            her_ids = [downtime.party.her_id] if downtime.party_id else list(
                downtime.organisation.parties.values_list("her_id", flat=True))
            for her_id in her_ids:
                ctx.downtime_end[her_id] = max(downtime.expected_end, ctx.downtime_end.get(her_id, downtime.start))
        return ctx

    def handled(self, d: Delivery) -> bool:
        return d.pk in self.manual

    def superseded(self, d: Delivery) -> bool:
        """Sent again (same sender, receiver, type and patient) and positively received since."""
        m = d.message
        return any(s == m.sender_her_id and r == d.her_id and t == m.msg_type and p == m.patient_id
                   and created > m.created_at for s, r, t, p, created in self.resent_ok)


def _chain_due(message_ids: list) -> dict:
    """The deadline of the chain step each message fulfils (S7)."""
    if not message_ids:
        return {}
    return dict(EpisodeStep.objects.filter(
        entry__message_id__in=message_ids, due_at__isnull=False).values_list("entry__message_id", "due_at"))


def deadline(d: Delivery, ctx: Context) -> datetime:
    """When the message must have reached its receiver: the set time per type, or the chain step's
    deadline if earlier. If the receiver is down beyond that, the deadline cannot be met: now."""
    due = d.message.created_at + conf.manual_after(d.message.msg_type)
    chain = ctx.chain_due.get(d.message_id)
    if chain is not None and chain < due:
        due = chain
    down_until = ctx.downtime_end.get(d.her_id)
    if down_until is not None and down_until > due and d.state == S.QUEUED:
        return min(due, ctx.now)
    return due


def apprec_late(d: Delivery, ctx: Context) -> bool:
    age = ctx.now - d.message.created_at
    return (d.state in (S.SENT, S.DELIVERED) and d.acked_at is None and not ctx.handled(d)
            and age >= conf.apprec_warn_after(d.message.msg_type)
            and ctx.now - gen_time(d.message) < conf.apprec_timeout())


def apprec_missing(d: Delivery, ctx: Context) -> bool:
    return (d.state in WAITING and d.acked_at is None and not ctx.handled(d)
            and ctx.now - gen_time(d.message) >= conf.apprec_timeout())


def rejected(d: Delivery, ctx: Context) -> bool:
    # HITS 1168 §9: a negative AppRec is alerted at once; it stays until the message is sent again
    # and received, or handled manually.
    return d.state == S.REJECTED and not ctx.handled(d) and not ctx.superseded(d)


def failed(d: Delivery, ctx: Context) -> bool:
    return d.state == S.FAILED and not ctx.handled(d) and not ctx.superseded(d)


def backlog(d: Delivery, ctx: Context) -> bool:
    return (d.state == S.QUEUED and not ctx.handled(d)
            and ctx.now - d.message.created_at >= conf.backlog_warn_after())


def manual_routine(d: Delivery, ctx: Context) -> bool:
    return (d.state not in POSITIVE and d.state != S.REFUSED and not ctx.handled(d)
            and deadline(d, ctx) <= ctx.now)


RULES: dict[str, Callable[[Delivery, Context], bool]] = {
    K.APPREC_LATE: apprec_late, K.APPREC_MISSING: apprec_missing, K.REJECTED: rejected, K.FAILED: failed,
    K.BACKLOG: backlog, K.MANUAL_ROUTINE: manual_routine,
}
RECEIPT_KINDS = (K.APPREC_LATE, K.APPREC_MISSING, K.REJECTED, K.FAILED, K.BACKLOG)


def detail(kind: str, d: Delivery, ctx: Context) -> str:
    from .texts import local

    if kind == K.REJECTED and d.apprec is not None:
        return "avvist: " + "; ".join(f"{e.get('code')} {e.get('text', '')}".strip() for e in d.apprec.apprec_errors)
    if kind == K.FAILED:
        return f"feilet: {d.last_error[:200]}"
    if kind == K.APPREC_MISSING:
        return f"GenDate {local(gen_time(d.message))}, ingen kvittering etter {_hours(conf.apprec_timeout())} timer"
    if kind == K.MANUAL_ROUTINE:
        return f"frist {local(deadline(d, ctx))}"
    if kind == K.BACKLOG:
        return f"i kø siden {local(d.message.created_at)}"
    return ""


def _hours(value: timedelta) -> int:
    return int(value.total_seconds() // 3600)
