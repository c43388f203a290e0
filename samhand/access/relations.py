"""Care relations (issue 15 §1): may two organisations be treating this patient together now?

A relation is found by any registered source. The node's own: a message about the patient
between the two within SAMHAND_ACCESS_RELATION_DAYS. Rooms above (chains: an open episode; video:
a meeting) register theirs in their AppConfig.ready(), so the access app never imports them;
video's ``meetings_for`` is also picked up by an optional import when it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from samhand.directory.models import CommunicationParty
from samhand.exchange.models import Message


@dataclass(frozen=True)
class Parties:
    """One side: the organisation's HER-id and the parties that count (a service, or all of them)."""

    organisation_her_id: str
    her_ids: frozenset[str]


# source(patient_id, requester: Parties, holder: Parties, since) -> description of the relation or None
Source = Callable[[str, Parties, Parties, object], "str | None"]
_SOURCES: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    _SOURCES[name] = source


def side(her_id: str) -> Parties | None:
    """An organisation (all its parties) or one service (that party only), by HER-id."""
    party = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
    if party is not None:
        return Parties(party.organisation.her_id, frozenset([her_id]))
    parties = CommunicationParty.objects.filter(organisation__her_id=her_id).values_list("her_id", flat=True)
    from samhand.directory.models import Organisation

    if not Organisation.objects.filter(her_id=her_id).exists():
        return None
    return Parties(her_id, frozenset([her_id, *parties]))


def organisation_side(organisation_her_id: str) -> Parties:
    parties = CommunicationParty.objects.filter(organisation__her_id=organisation_her_id).values_list("her_id", flat=True)
    return Parties(organisation_her_id, frozenset([organisation_her_id, *parties]))


def messages_between(patient_id: str, a: Parties, b: Parties, since) -> str | None:
    a_ids, b_ids = sorted(a.her_ids), sorted(b.her_ids)
    hit = (Message.objects.filter(patient_id=patient_id, is_apprec=False, created_at__gte=since)
           .filter(Q(sender_her_id__in=a_ids, receiver_her_id__in=b_ids)
                   | Q(sender_her_id__in=b_ids, receiver_her_id__in=a_ids))
           .order_by("-created_at").values_list("msg_type", "created_at").first())
    if hit is None:
        return None
    return f"message {hit[0]} exchanged {hit[1]:%Y-%m-%d}"


def video_meetings(patient_id: str, a: Parties, b: Parties, since) -> str | None:
    try:
        from samhand.video.relations import meetings_for  # optional: the video room may not exist
    except ImportError:
        return None
    from samhand.directory.models import Organisation

    ids = dict(Organisation.objects.filter(her_id__in=[a.organisation_her_id, b.organisation_her_id])
               .values_list("pk", "her_id"))
    for org_a, org_b, at in meetings_for(patient_id, since):
        if {ids.get(org_a), ids.get(org_b)} == {a.organisation_her_id, b.organisation_her_id}:
            return f"video meeting {at:%Y-%m-%d}"
    return None


register("messages", messages_between)
register("video", video_meetings)


def find(patient_id: str, requester: Parties, holder: Parties, *, now=None) -> str:
    """The first care relation found ("" for none)."""
    since = (now or timezone.now()) - timedelta(days=settings.SAMHAND_ACCESS_RELATION_DAYS)
    for source in _SOURCES.values():
        found = source(patient_id, requester, holder, since)
        if found:
            return found
    return ""
