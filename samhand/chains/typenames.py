"""Norwegian names of message types (code system 8279) for what people read: «Melding om
utskrivningsklar pasient», not LOG_UTSKRIVNINGSKLAR. From the registry (``samhand types import``),
else the list shipped with the node."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils.translation import gettext as _

from .registry import registry_cache

SHIPPED = Path(__file__).resolve().parent / "data" / "message-types.json"


def _load() -> dict[str, str]:
    from samhand.directory.models import MessageType

    names = dict(MessageType.objects.values_list("code", "name"))
    if names:
        return names
    try:
        data = json.loads(SHIPPED.read_text(encoding="utf-8"))
        return {t["code"]: t.get("name") or t["code"] for t in data.get("types", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def type_names() -> dict[str, str]:
    return registry_cache.get("type-names", _load)


def type_name(code: str) -> str:
    """The type's name, or the code itself when the type is unknown (and for AppRec)."""
    if not code:
        return ""
    if code == "APPREC":
        return str(_("Applikasjonskvittering"))
    return type_names().get(code) or code
