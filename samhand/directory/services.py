"""Look-ups in the directory used by the exchange pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from samhand.lib.cache import TtlCache

from .models import Certificate, CommunicationParty, Organisation

# Parties change rarely and are read on every message: keep them per process for a few seconds.
# install()/trust_issuer() and the admin forget them at once in their own process; other
# processes see a change within SAMHAND_DIRECTORY_CACHE_SECONDS.
_parties = TtlCache()


def forget_directory() -> None:
    _parties.clear()


@dataclass(frozen=True)
class ReceiverLookup:
    party: CommunicationParty | None
    error: str | None  # AppRec code 8221 when the receiver cannot be resolved
    reason: str = ""


def party_by_her_id(her_id: str | None) -> CommunicationParty | None:
    """The active party with its organisation, capabilities and usable certificates."""
    if not her_id:
        return None
    return _parties.get(her_id, lambda: (
        CommunicationParty.objects.select_related("organisation")
        .prefetch_related("capabilities", Prefetch(
            "certificates", queryset=Certificate.objects.exclude(status=Certificate.Status.RETIRED)))
        .filter(her_id=her_id, active=True).first()))


def signing_party(her_id: str | None, organisation_her_id: str | None) -> CommunicationParty | None:
    """Who signs a receipt from ``her_id``: the party itself when hosted here, else a hosted party of
    its organisation (the organisation's messaging system answers for an address it does not have).
    Cached like the parties themselves: every AppRec the node builds asks."""

    def load() -> CommunicationParty | None:
        hosted = CommunicationParty.objects.filter(
            hosted=True, active=True, certificates__usage="signing", certificates__status="current",
            certificates__sealed_key__isnull=False)
        found = (hosted.filter(her_id=her_id).first()
                 or hosted.filter(organisation__her_id=organisation_her_id).order_by("her_id").first())
        return party_by_her_id(found.her_id) if found is not None else None

    return _parties.get(("signer", her_id, organisation_her_id), load)


def resolve_receiver(organisation_her_id: str | None, service_her_id: str | None) -> ReceiverLookup:
    """Resolve MsgHead Receiver/Organisation (+ nested Organisation) to a party.

    E21 "Mottaker finnes ikke" covers both an unknown HER-id and a department
    HER-id that does not belong to the named, known organisation (HIS 1153-2 AD2.6:
    the outer Organisation is the legal entity, the inner one its service).
    """
    target = service_her_id or organisation_her_id
    party = party_by_her_id(target)
    if party is None:
        org = Organisation.objects.filter(her_id=organisation_her_id).first() if organisation_her_id else None
        if org is not None and service_her_id:
            return ReceiverLookup(None, "E21", f"{org.name} ({org.her_id}) has no service with HER-id {service_her_id}")
        return ReceiverLookup(None, "E21", f"receiver HER-id {target} is not in the address register")
    if service_her_id and organisation_her_id and party.organisation.her_id != organisation_her_id:
        return ReceiverLookup(None, "E21", f"service {service_her_id} does not belong to organisation {organisation_her_id}")
    return ReceiverLookup(party, None)


def party_as_json(party: CommunicationParty) -> dict:
    org = party.organisation
    return {
        "herId": party.her_id,
        "name": party.name,
        "serviceType": party.service_type,
        "organisation": org.name,
        "organisationHerId": org.her_id,
        "organisationNumber": org.org_number,
        "hosted": party.hosted,
    }
