"""Who a HER-id is, for a page's worth of messages: one query, not one per row."""

from __future__ import annotations

from collections.abc import Iterable

from samhand.directory.models import CommunicationParty, Organisation


class Names:
    def __init__(self, her_ids: Iterable[str]):
        wanted = {h for h in her_ids if h}
        self._labels: dict[str, str] = {}
        self._orgs: dict[str, Organisation] = {}
        for party in CommunicationParty.objects.select_related("organisation").filter(her_id__in=wanted):
            self._labels[party.her_id] = f"{party.name}, {party.organisation.name}"
            self._orgs[party.her_id] = party.organisation
        for org in Organisation.objects.filter(her_id__in=wanted - set(self._labels)):
            self._labels[org.her_id] = org.name
            self._orgs[org.her_id] = org

    def label(self, her_id: str) -> str:
        return self._labels.get(her_id, "")

    def organisation(self, her_id: str) -> Organisation | None:
        return self._orgs.get(her_id)

    @classmethod
    def for_messages(cls, messages) -> Names:
        return cls(h for m in messages for h in (m.sender_her_id, m.receiver_her_id))
