"""The message-type registry as data: reading type files and answering look-ups.

Data file format (JSON; the XML form carries the same fields as attributes)::

    {"types": [{"code": "LOG_TILBAKEMELDING", "name": "Tilbakemelding på utskrivningsklar pasient",
                "family": "PLO", "description": "…",
                "versions": [{"version": "2.0",
                              "namespace": "http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30",
                              "schema": "Pasientlogistikk-v2.0", "element": "Pasientlogistikk",
                              "apprec": "1.1", "status": "introducing", "statusChangedOn": "2025-01-01",
                              "reference": "HIS 80704:2020"}]}]}

    <MessageTypes>
      <Type code="LOG_TILBAKEMELDING" name="…" family="PLO">
        <Version version="2.0" namespace="…" schema="Pasientlogistikk-v2.0" apprec="1.1" status="introducing"/>
      </Type>
    </MessageTypes>

Import adds and updates; it never deletes (a version goes out of use by status "retired").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from lxml import etree

from samhand.directory.models import MessageType, MessageTypeVersion
from samhand.lib.cache import TtlCache

STATUSES = {s.value for s in MessageTypeVersion.Status}
# Retired type versions, read on every submitted message.
registry_cache = TtlCache()


class RegistryError(ValueError):
    """A type file that cannot be taken in; the message says what and where."""


@dataclass
class TypesImported:
    types_created: list[str] = field(default_factory=list)
    versions_created: list[str] = field(default_factory=list)
    versions_updated: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{len(self.types_created)} new type(s), {len(self.versions_created)} new version(s), "
                f"{len(self.versions_updated)} updated")


def read_types_file(raw: bytes) -> list[dict]:
    """The ``types`` list from a JSON or XML type file."""
    text = raw.lstrip()
    if text.startswith((b"<", b"\xef\xbb\xbf<")):
        return _types_from_xml(raw)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryError(f"not JSON or XML: {exc}") from None
    types = data.get("types") if isinstance(data, dict) else None
    if not isinstance(types, list):
        raise RegistryError('a type file has a "types" list')
    return types


def _types_from_xml(raw: bytes) -> list[dict]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise RegistryError(f"not well-formed XML: {exc}") from None
    types = []
    for el in root.iter("{*}Type", "Type"):
        entry = dict(el.attrib)
        entry["versions"] = [dict(v.attrib, schema=v.get("schema", ""), apprec=v.get("apprec", "1.1"))
                             for v in el.iter("{*}Version", "Version")]
        types.append(entry)
    if not types:
        raise RegistryError("no <Type> elements in the XML type file")
    return types


def _required(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: {key!r} is required")
    return value.strip()


@transaction.atomic
def import_types(types: list[dict]) -> TypesImported:
    result = TypesImported()
    for n, entry in enumerate(types, 1):
        if not isinstance(entry, dict):
            raise RegistryError(f"type #{n} is not an object")
        code = _required(entry, "code", f"type #{n}")
        where = f"type {code}"
        family = _required(entry, "family", where)
        defaults = {"name": _required(entry, "name", where), "family": family,
                    "description": entry.get("description") or ""}
        mtype, created = MessageType.objects.update_or_create(code=code, defaults=defaults)
        if created:
            result.types_created.append(code)
        for version in entry.get("versions") or []:
            _import_version(mtype, version, where, result)
    registry_cache.clear()
    return result


def _import_version(mtype: MessageType, entry: dict, where: str, result: TypesImported) -> None:
    number = _required(entry, "version", where)
    where = f"{where} {number}"
    status = entry.get("status") or MessageTypeVersion.Status.IN_USE
    if status not in STATUSES:
        raise RegistryError(f"{where}: status must be one of {', '.join(sorted(STATUSES))}, not {status!r}")
    changed_on = entry.get("statusChangedOn")
    try:
        changed = date.fromisoformat(changed_on) if changed_on else None
    except ValueError:
        raise RegistryError(f"{where}: statusChangedOn {changed_on!r} is not a date (YYYY-MM-DD)") from None
    defaults = {"namespace": _required(entry, "namespace", where), "schema_name": _required(entry, "schema", where),
                "element": entry.get("element") or "", "apprec_version": entry.get("apprec") or "",
                "status": status, "reference": entry.get("reference") or ""}
    if changed is not None:
        defaults["status_changed_on"] = changed
    _version, created = MessageTypeVersion.objects.update_or_create(message_type=mtype, version=number,
                                                                     defaults=defaults)
    (result.versions_created if created else result.versions_updated).append(f"{mtype.code} {number}")


# -- look-ups -------------------------------------------------------------------------------

def _retired() -> dict[tuple[str, str], date | None]:
    rows = (MessageTypeVersion.objects.filter(status=MessageTypeVersion.Status.RETIRED)
            .values_list("message_type__code", "version", "status_changed_on"))
    return {(code, version): since for code, version, since in rows}


def retired_reason(msg_type: str | None, family: str, version: str) -> str | None:
    """Why a type/version may no longer be exchanged, or None (unknown types are not refused here).

    Read on every message (submission and receipt checks), so from the per-process cache.
    """
    if not msg_type:
        return None
    retired = registry_cache.get("retired", _retired)
    if (msg_type, version) not in retired:
        return None
    since = retired[(msg_type, version)]
    when = f" since {since.isoformat()}" if since else ""
    return f"{msg_type} in {family} {version} is retired{when}; use a version in use"


def known_versions() -> list[tuple[str, str, str, str]]:
    """(code, family, version, status) for every registered type version."""
    return list(MessageTypeVersion.objects.order_by("message_type__code", "version")
                .values_list("message_type__code", "message_type__family", "version", "status"))

