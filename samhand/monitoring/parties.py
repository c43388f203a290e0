"""Who is who for the monitor: HER-ids to parties and organisations, and who talks to whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.models import Delivery, Message


@dataclass(frozen=True)
class Known:
    her_id: str
    name: str
    organisation_id: int
    organisation_name: str


def directory() -> dict[str, Known]:
    """Every party and organisation by HER-id (the directory is small: one query each)."""
    known = {o.her_id: Known(o.her_id, o.name, o.pk, o.name) for o in Organisation.objects.all()}
    for her_id, name, org_id, org_name in CommunicationParty.objects.values_list(
            "her_id", "name", "organisation_id", "organisation__name"):
        known[her_id] = Known(her_id, f"{name}, {org_name}", org_id, org_name)
    return known


def label(her_id: str, known: dict[str, Known] | None = None) -> str:
    entry = (known or directory()).get(her_id)
    return f"{entry.name} ({her_id})" if entry else f"HER-id {her_id}"


def her_ids_of(organisation: Organisation) -> set[str]:
    """The organisation's own HER-id and those of all its parties."""
    return {organisation.her_id, *organisation.parties.values_list("her_id", flat=True)}


def organisations_of_her_ids(her_ids) -> set[int]:
    her_ids = set(her_ids)
    return (set(CommunicationParty.objects.filter(her_id__in=her_ids).values_list("organisation_id", flat=True))
            | set(Organisation.objects.filter(her_id__in=her_ids).values_list("pk", flat=True)))


def partners_of(her_ids, since: datetime) -> set[str]:
    """HER-ids that exchanged business messages with any of ``her_ids`` since ``since``.

    Asked per pair (one of ours, one directory entry) — the directory is small, the traffic is
    not: is there a business message since ``since`` between the two, either way, or a copy to
    or from one of ours? Each question is one probe of the (receiver, sender, created_at) and
    (sender, receiver, created_at) indexes, or of the deliveries' (her_id, role, …) index, so the
    answer costs the same with a million messages as with a hundred (collecting every message of
    the period, as this did before, took seconds at that volume). HER-ids outside the directory
    cannot be mapped to an organisation anyway, so nothing is lost by asking only it."""
    mine = sorted(set(her_ids))
    candidates = sorted((set(CommunicationParty.objects.values_list("her_id", flat=True))
                         | set(Organisation.objects.values_list("her_id", flat=True))) - set(mine))
    if not mine or not candidates:
        return set()
    pairs = [(c, m) for c in candidates for m in mine]
    table = connection.ops.quote_name(Message._meta.db_table)
    # Equality on both leading columns of a pair index makes each EXISTS a single index probe;
    # a join on one column alone lets the planner walk created_at and read the whole period.
    sql = (f"SELECT DISTINCT p.other FROM ({' UNION ALL '.join(['SELECT %s AS other, %s AS ours'] * len(pairs))}) p "
           f"WHERE EXISTS (SELECT 1 FROM {table} m WHERE m.receiver_her_id = p.other AND m.sender_her_id = p.ours "
           f"AND m.created_at >= %s AND NOT m.is_apprec) "
           f"OR EXISTS (SELECT 1 FROM {table} m WHERE m.sender_her_id = p.other AND m.receiver_her_id = p.ours "
           f"AND m.created_at >= %s AND NOT m.is_apprec)")
    params = [v for pair in pairs for v in pair] + [since, since]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0] for row in cursor.fetchall()}
    copies = Delivery.objects.order_by().filter(role=Delivery.Role.COPY, created_at__gte=since,
                                                message__is_apprec=False)
    found |= set(copies.filter(message__sender_her_id__in=mine).values_list("her_id", flat=True).distinct())
    found |= set(copies.filter(her_id__in=mine).values_list("message__sender_her_id", flat=True).distinct())
    return found - set(mine)


def partner_organisations(organisation: Organisation, since: datetime) -> set[int]:
    """Organisations whose parties exchanged messages with this organisation's parties."""
    return organisations_of_her_ids(partners_of(her_ids_of(organisation), since)) - {organisation.pk}
