"""Who a HER-id is, for a page's worth of messages: one query, not one per row."""

from __future__ import annotations

from collections.abc import Iterable

from samhand.directory.models import CommunicationParty, Organisation


class Names:
    def __init__(self, her_ids: Iterable[str], organisations: Iterable[Organisation] | None = None):
        """``organisations``: every organisation with its services prefetched, when the page has
        loaded them already (portal.choices.organisations); then no query is made."""
        wanted = {h for h in her_ids if h}
        self._labels: dict[str, str] = {}
        self._orgs: dict[str, Organisation] = {}
        if organisations is not None:  # prefetched: each party's organisation is set already
            parties = [p for org in organisations for p in org.parties.all() if p.her_id in wanted]
        else:
            parties = CommunicationParty.objects.select_related("organisation").filter(her_id__in=wanted)
        for party in parties:
            self._labels[party.her_id] = f"{party.name}, {party.organisation.name}"
            self._orgs[party.her_id] = party.organisation
        rest = wanted - set(self._labels)
        if organisations is not None:
            orgs = [org for org in organisations if org.her_id in rest]
        else:
            orgs = Organisation.objects.filter(her_id__in=rest)
        for org in orgs:
            self._labels[org.her_id] = org.name
            self._orgs[org.her_id] = org

    def label(self, her_id: str) -> str:
        return self._labels.get(her_id, "")

    def organisation(self, her_id: str) -> Organisation | None:
        return self._orgs.get(her_id)

    @classmethod
    def for_messages(cls, messages, organisations: Iterable[Organisation] | None = None) -> Names:
        return cls((h for m in messages for h in (m.sender_her_id, m.receiver_her_id)), organisations)
