"""Who is who for the monitor: HER-ids to parties and organisations, and who talks to whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

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
    """HER-ids that exchanged business messages with any of ``her_ids`` since ``since``."""
    her_ids = set(her_ids)
    recent = Message.objects.filter(created_at__gte=since, is_apprec=False)
    sent_to = Delivery.objects.filter(message__in=recent.filter(sender_her_id__in=her_ids)).values_list(
        "her_id", flat=True)
    received_from = recent.filter(Q(deliveries__her_id__in=her_ids) | Q(receiver_her_id__in=her_ids)).values_list(
        "sender_her_id", flat=True)
    return (set(sent_to) | set(received_from)) - her_ids


def partner_organisations(organisation: Organisation, since: datetime) -> set[int]:
    """Organisations whose parties exchanged messages with this organisation's parties."""
    return organisations_of_her_ids(partners_of(her_ids_of(organisation), since)) - {organisation.pk}
