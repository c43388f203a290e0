"""Choices for the portal's filters: message types, partners, delivery states."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

from samhand.directory.models import MessageType
from samhand.directory.models import Organisation
from samhand.exchange.models import Delivery

TYPES_FILE = Path(__file__).resolve().parent.parent / "chains" / "data" / "message-types.json"


@lru_cache(maxsize=1)
def _types_from_file() -> tuple[tuple[str, str], ...]:
    data = json.loads(TYPES_FILE.read_text(encoding="utf-8"))
    return tuple((t["code"], t.get("name") or t["code"]) for t in data["types"])


def message_types() -> list[tuple[str, str]]:
    """(code, name) of the registered message types (code system 8279); the shipped list before the
    registry is seeded."""
    rows = list(MessageType.objects.order_by("code").values_list("code", "name"))
    rows = rows or sorted(_types_from_file())
    return [(code, f"{code} – {name}" if name and name != code else code) for code, name in rows]


def organisations() -> list[Organisation]:
    """Every organisation with its services (two queries), for the partner choices and, on the
    same page, ``Names``."""
    return list(Organisation.objects.prefetch_related("parties").order_by("kind", "name"))


def partners(exclude: Organisation | None = None, orgs: list[Organisation] | None = None
             ) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices: per organisation, the whole organisation and each of its services
    (``orgs``: as ``organisations()`` gives them, when the page has them already)."""
    groups = []
    for org in organisations() if orgs is None else orgs:
        if exclude is not None and org.pk == exclude.pk:
            continue
        options = [(f"org:{org.her_id}", _("%(name)s (hele organisasjonen)") % {"name": org.name})]
        options += [(p.her_id, f"{p.name} ({p.her_id})") for p in org.parties.all()]
        groups.append((org.name, options))
    return groups


def partner_her_ids(value: str) -> tuple[str, ...]:
    """The HER-ids a partner choice stands for: an organisation stands for itself and its services."""
    if not value:
        return ()
    if value.startswith("org:"):
        org = Organisation.objects.filter(her_id=value[4:]).prefetch_related("parties").first()
        if org is None:
            return ()
        return (org.her_id, *(p.her_id for p in org.parties.all()))
    return (value,)


def states() -> list[tuple[str, str]]:
    return list(Delivery.State.choices)
