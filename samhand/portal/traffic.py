"""What the dashboard counts: traffic per day, message type and partner; the oldest unanswered
messages. Metadata only: past days from the daily counts (models.TrafficCount, scoped here like
access.messages_for_user), today through access.messages_for_user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from samhand.accounts.scope import scope_for
from samhand.access.door import MessageFilter, messages_for_user
from samhand.chains.typenames import type_name, type_names
from samhand.exchange.models import Delivery, Message

from .models import TrafficCount, TrafficDay
from .names import Names

MAX_SERIES = 6  # more message types than this are summed as "other" (a chart stays readable)


@dataclass
class Traffic:
    days: list  # dates
    labels: list[str]
    series: list[dict]  # {"label": msg_type, "data": [count per day]}
    total: int

    def as_chart(self) -> dict:
        return {"labels": self.labels, "series": self.series}

    def rows(self) -> list[dict]:
        """The same numbers as a table (the chart's text alternative)."""
        return [{"label": label, "counts": [s["data"][i] for s in self.series],
                 "total": sum(s["data"][i] for s in self.series)} for i, label in enumerate(self.labels)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _since(days: int) -> datetime:
    return _start_of(timezone.localdate() - timedelta(days=days - 1))


def count_past_days(days: int) -> None:
    """Make sure the last ``days`` days before today are counted (each at most once, for everyone)."""
    today = timezone.localdate()
    wanted = {today - timedelta(days=i) for i in range(1, days)}
    missing = sorted(wanted - set(TrafficDay.objects.filter(day__in=wanted).values_list("day", flat=True)))
    for day in missing:
        rows = (Message.objects.filter(created_at__gte=_start_of(day), created_at__lt=_start_of(day + timedelta(days=1)),
                                       is_apprec=False)
                .order_by().values("sender_her_id", "receiver_her_id", "msg_type").annotate(n=Count("id")))
        with transaction.atomic():
            # Two web processes may count the same day at once: the counts are the same, keep one.
            TrafficCount.objects.bulk_create(
                [TrafficCount(day=day, sender_her_id=r["sender_her_id"], receiver_her_id=r["receiver_her_id"],
                              msg_type=r["msg_type"], count=r["n"]) for r in rows], ignore_conflicts=True)
            TrafficDay.objects.bulk_create([TrafficDay(day=day)], ignore_conflicts=True)


def _counted(user, days: int, partner_her_ids: tuple[str, ...] = ()):
    """Past days' counts the user may see (the same scope as access.messages_for_user)."""
    count_past_days(days)
    scope = scope_for(user)
    qs = TrafficCount.objects.filter(day__gte=_since(days).date())
    if not scope.all_traffic:
        mine = sorted(scope.her_ids)
        qs = qs.filter(Q(sender_her_id__in=mine) | Q(receiver_her_id__in=mine))
    if partner_her_ids:
        partners = sorted(partner_her_ids)
        qs = qs.filter(Q(sender_her_id__in=partners) | Q(receiver_her_id__in=partners))
    return qs.order_by()


def _today(user, partner_her_ids: tuple[str, ...] = ()):
    return messages_for_user(user, MessageFilter(since=_start_of(timezone.localdate()),
                                                 partner_her_ids=partner_her_ids)).order_by()


def daily_traffic(user, *, days: int = 14, partner_her_ids: tuple[str, ...] = ()) -> Traffic:
    since = _since(days)
    day_list = [since.date() + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(day_list)}
    per_type: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for row in _counted(user, days, partner_her_ids).values("day", "msg_type").annotate(n=Sum("count")):
        if row["day"] in index:
            per_type[row["msg_type"]][index[row["day"]]] += row["n"]
    for row in _today(user, partner_her_ids).values("msg_type").annotate(n=Count("id")):
        per_type[row["msg_type"]][days - 1] += row["n"]
    ordered = sorted(per_type.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    names = type_names()
    series = [{"label": names.get(t) or type_name(t), "code": t, "data": d} for t, d in ordered[:MAX_SERIES]]
    if len(ordered) > MAX_SERIES:
        rest = [sum(d[i] for _t, d in ordered[MAX_SERIES:]) for i in range(days)]
        series.append({"label": _("Andre typer"), "data": rest})
    fmt = pgettext("chart day, PHP date format", "j.n.")
    labels = [dateformat.format(d, fmt) for d in day_list]
    return Traffic(day_list, labels, series, sum(sum(s["data"]) for s in series))


@dataclass
class PartnerRow:
    name: str
    her_id: str
    sent: int = 0
    received: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.received


def partner_totals(user, *, days: int = 14) -> list[PartnerRow]:
    """Messages per partner organisation in the period: sent to it and received from it.
    For the operator, per organisation: sent by it and received by it."""
    scope = scope_for(user)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for r in _counted(user, days).values("sender_her_id", "receiver_her_id").annotate(n=Sum("count")):
        pairs[(r["sender_her_id"], r["receiver_her_id"])] += r["n"]
    for r in _today(user).values("sender_her_id", "receiver_her_id").annotate(n=Count("id")):
        pairs[(r["sender_her_id"], r["receiver_her_id"])] += r["n"]
    rows = [{"sender_her_id": s, "receiver_her_id": r, "n": n} for (s, r), n in pairs.items()]
    names = Names(h for r in rows for h in (r["sender_her_id"], r["receiver_her_id"]))
    table: dict[str, PartnerRow] = {}

    def row_for(her_id: str) -> PartnerRow:
        org = names.organisation(her_id)
        key = org.her_id if org else her_id
        if key not in table:
            table[key] = PartnerRow(org.name if org else _("Ukjent part"), key)
        return table[key]

    for r in rows:
        sender, receiver, n = r["sender_her_id"], r["receiver_her_id"], r["n"]
        if scope.all_traffic:
            row_for(sender).sent += n
            row_for(receiver).received += n
        elif sender in scope.her_ids:
            row_for(receiver).sent += n
        else:
            row_for(sender).received += n
    return sorted(table.values(), key=lambda p: (-p.total, p.name))


SCAN_CHUNK = 500


def _waiting_sent(base, scope, limit: int) -> list[Delivery]:
    """Our sent messages still waiting for an AppRec, oldest first. Walks the node's waiting
    deliveries in time order (few, normally) and keeps ours, rather than our whole sent history."""
    mine = None if scope.all_traffic else scope.her_ids
    waiting = base.filter(state__in=WAITING, role=Delivery.Role.PRIMARY).order_by("created_at", "id")
    found: list[Delivery] = []
    after = None
    for _round in range(40):  # at most 20 000 waiting deliveries looked at
        chunk = waiting if after is None else waiting.filter(created_at__gte=after.created_at).exclude(
            created_at=after.created_at, id__lte=after.id)
        rows = list(chunk[:SCAN_CHUNK])
        found += [d for d in rows if mine is None or d.message.sender_her_id in mine]
        if len(found) >= limit or len(rows) < SCAN_CHUNK:
            break
        after = rows[-1]
    return found[:limit]


@dataclass
class Unanswered:
    delivery: Delivery
    direction: str  # "sent": we wait for their AppRec; "received": they wait for ours

    @property
    def message(self):
        return self.delivery.message


WAITING = (Delivery.State.QUEUED, Delivery.State.SENT, Delivery.State.DELIVERED)


def oldest_unanswered(user, *, limit: int = 10) -> list[Unanswered]:
    """Business messages without an application receipt yet, oldest first (HITS 1168: after
    96 hours without one the sender treats it as negative)."""
    scope = scope_for(user)
    base = (Delivery.objects.select_related("message").filter(message__is_apprec=False)
            .only("id", "her_id", "state", "created_at", "delivered_at", "message__id", "message__msg_id",
                  "message__msg_type", "message__sender_her_id", "message__receiver_her_id",
                  "message__created_at"))
    found = [Unanswered(d, "sent") for d in _waiting_sent(base, scope, limit)]
    if not scope.all_traffic:
        received = base.filter(state=Delivery.State.DELIVERED, her_id__in=sorted(scope.her_ids),
                               answered_at__isnull=True).order_by("created_at")[:limit]
        found += [Unanswered(d, "received") for d in received]
    found.sort(key=lambda u: u.message.created_at)
    return found[:limit]
