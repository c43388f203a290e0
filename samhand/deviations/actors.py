"""Who acts on a deviation: a portal user or an EPR/quality system's API key, for one organisation.

Every look-up of a case goes through ``case_for``: a case is visible to its reporting and its
responsible organisation only (drafts to the reporting side only); anything else is NotFound,
so an outsider cannot even learn that a case exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import NotFound, Refused

from .models import Deviation, State


@dataclass(frozen=True)
class Actor:
    organisation: Organisation
    name: str
    kind: str  # "user" | "api-client" | "node"
    her_ids: frozenset[str]
    sees_patient: bool = True


def for_user(scope) -> Actor:
    return Actor(scope.organisation, scope.username, "user", frozenset(scope.her_ids), scope.sees_content)


def for_client(client) -> Actor:
    """The organisation an API key acts for (403 when it acts for no party, or for several organisations)."""
    her_ids = client.her_ids()
    org_ids = set(CommunicationParty.objects.filter(her_id__in=her_ids).values_list("organisation_id", flat=True))
    if len(org_ids) != 1:
        raise Refused("forbidden", f"{client.system} does not act for exactly one organisation", status=403)
    org = Organisation.objects.get(pk=org_ids.pop())
    own = frozenset([org.her_id, *org.parties.values_list("her_id", flat=True)])
    return Actor(org, client.system, "api-client", own)


def for_node(organisation: Organisation) -> Actor:
    own = frozenset([organisation.her_id, *organisation.parties.values_list("her_id", flat=True)])
    return Actor(organisation, "samhand", "node", own, sees_patient=False)


def visible(actor: Actor) -> QuerySet:
    org = actor.organisation.pk
    return (Deviation.objects.select_related("reporter", "responsible")
            .filter(Q(reporter_id=org) | (Q(responsible_id=org) & ~Q(state=State.DRAFT))))


def case_for(actor: Actor, deviation_id) -> Deviation:
    try:
        found = visible(actor).filter(pk=deviation_id).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise NotFound(str(deviation_id))
    return found


def side_of(actor: Actor, deviation: Deviation) -> str:
    if deviation.reporter_id == actor.organisation.pk:
        return "reporter"
    if deviation.responsible_id == actor.organisation.pk:
        return "responsible"
    raise NotFound(str(deviation.pk))
