"""What a person types in the search field, understood as they meant it.

- a MsgId, whole or its beginning as the lists show it (``6438931f-38e2-4fe…``; at least 6 characters);
- a fødselsnummer or D-nummer, also written with spaces or dots (``150765 00565``);
- the name (or HER-id) of a partner: a service or an organisation (``Balsfjord``).

Patient names are not searchable: the node keeps them only inside the encrypted content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from samhand.directory.models import CommunicationParty, Organisation

MIN_PREFIX = 6
_ELLIPSIS = re.compile(r"(…|\.\.\.)$")
_ID_SPACING = re.compile(r"[\s.\-]")
_MSGID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.:\-]*$")


@dataclass(frozen=True)
class Query:
    kind: str  # "" (empty), "patient", "msgid", "partner", "none"
    value: str = ""
    her_ids: tuple[str, ...] = ()
    partner_names: tuple[str, ...] = ()


def interpret(raw: str, *, patients_allowed: bool = True) -> Query:
    q = _ELLIPSIS.sub("", (raw or "").strip()).strip()
    if not q:
        return Query("")
    digits = _ID_SPACING.sub("", q)
    if digits.isdigit() and len(digits) == 11:
        # Also for those who may not search by patient (the operator): the list refuses it (403)
        # and says why, rather than searching MsgIds for a national id.
        return Query("patient", digits)
    if digits.isdigit() and len(digits) in (6, 7, 8, 9):
        partner = _partners(Q(her_id=digits), Q(her_id=digits))
        if partner.her_ids:
            return partner
    if _MSGID.match(q) and len(q) >= MIN_PREFIX and any(c.isdigit() for c in q):
        return Query("msgid", q)
    if len(q) >= 3:
        partner = _partners(Q(name__icontains=q), Q(name__icontains=q) | Q(organisation__name__icontains=q))
        if partner.her_ids:
            return partner
    if _MSGID.match(q) and len(q) >= MIN_PREFIX:
        return Query("msgid", q)
    return Query("none", q)


def _partners(org_q: Q, party_q: Q) -> Query:
    orgs = list(Organisation.objects.filter(org_q).prefetch_related("parties")[:20])
    her_ids: list[str] = []
    names: list[str] = []
    for org in orgs:
        her_ids += [org.her_id, *(p.her_id for p in org.parties.all())]
        names.append(org.name)
    for party in CommunicationParty.objects.filter(party_q).select_related("organisation")[:50]:
        if party.her_id not in her_ids:
            her_ids.append(party.her_id)
            names.append(f"{party.name}, {party.organisation.name}")
    return Query("partner", "", tuple(her_ids), tuple(names)) if her_ids else Query("none")
