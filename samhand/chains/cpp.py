"""Reading a party's CPP (ebXML Collaboration Protocol Profile, HISD 1177) into capabilities.

A CPP lists, per CollaborationRole, the process (ProcessSpecification name and version) and the
actions the party can send (CanSend) and receive (CanReceive). An action is a code from 8279
«Meldingens funksjon», the same as MsgInfo/Type (HISD 1209 §3.1), e.g. LOG_INNLAGT or APPREC.
The message version comes from the package (``package_dialogmld_v1p1`` = 1.1), else from the
process version. Parsing is pure (lxml); importing replaces the party's capabilities, since a CPP
is the party's whole profile (HISD 1177 §5: a changed profile replaces the previous one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from lxml import etree

from samhand.directory.models import Capability, CommunicationParty

from .capabilities import replace_capabilities
from samhand.directory.models import MessageType

PACKAGE_VERSION = re.compile(r"_v(\d+)p(\d+)(?:p(\d+))?$")
PACKAGE_STEM = re.compile(r"^package_([a-z0-9]+?)(?:_v\d|$)", re.IGNORECASE)
FAMILY_OF_PACKAGE = {"dialogmld": "Dialogmelding", "dialog": "Dialogmelding", "apprec": "AppRec", "plo": "PLO",
                     "po": "PLO", "pleieogomsorg": "PLO", "epikrise": "Epikrise", "henvisning": "Basismeldinger"}
DIRECTIONS = {"CanSend": Capability.Direction.SEND, "CanReceive": Capability.Direction.RECEIVE}


class CppError(ValueError):
    pass


@dataclass(frozen=True)
class CppEntry:
    direction: str
    action: str
    version: str
    family: str
    process: str
    role: str


@dataclass
class CppProfile:
    her_id: str | None
    party_name: str
    entries: list[CppEntry] = field(default_factory=list)

    def capabilities(self) -> list[tuple[str, str, str, str]]:
        """(direction, family, version, msg_type), without duplicates."""
        return sorted({(e.direction, e.family, e.version, e.action) for e in self.entries})


def _attr(el, name: str) -> str:
    for key, value in el.attrib.items():
        if key == name or key.endswith("}" + name):
            return value
    return ""


def _children(el, name: str) -> list:
    return el.xpath(f"./*[local-name()='{name}']")


def _version(package: str, process_version: str) -> str:
    match = PACKAGE_VERSION.search(package or "")
    if match:
        return ".".join(part for part in match.groups() if part is not None)
    return process_version


def _family(action: str, package: str, process: str, known: dict[str, str]) -> str:
    if action in known:
        return known[action]
    if action == "APPREC":
        return "AppRec"
    stem = PACKAGE_STEM.match(package or "")
    if stem and stem.group(1).lower() in FAMILY_OF_PACKAGE:
        return FAMILY_OF_PACKAGE[stem.group(1).lower()]
    return process or "Ukjent"


def parse_cpp(raw: bytes, *, known_families: dict[str, str] | None = None) -> CppProfile:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise CppError(f"not well-formed XML: {exc}") from None
    if etree.QName(root).localname != "CollaborationProtocolProfile":
        raise CppError(f"not a CPP: the root element is {etree.QName(root).localname}")
    known = known_families or {}
    infos = _children(root, "PartyInfo")
    if not infos:
        raise CppError("the CPP has no PartyInfo")
    info = infos[0]
    her_id = next((pid.text.strip() for pid in _children(info, "PartyId")
                   if _attr(pid, "type").upper() == "HER" and pid.text), None)
    profile = CppProfile(her_id=her_id, party_name=_attr(info, "partyName"))
    for role in _children(info, "CollaborationRole"):
        spec = (_children(role, "ProcessSpecification") or [None])[0]
        process = _attr(spec, "name") if spec is not None else ""
        process_version = _attr(spec, "version") if spec is not None else ""
        role_name = _attr((_children(role, "Role") or [role])[0], "name")
        for binding in _children(role, "ServiceBinding"):
            for tag, direction in DIRECTIONS.items():
                for can in _children(binding, tag):
                    for action_binding in _children(can, "ThisPartyActionBinding"):
                        action = _attr(action_binding, "action").strip()
                        if not action:
                            continue
                        package = _attr(action_binding, "packageId")
                        version = _version(package, process_version)
                        if not version:
                            raise CppError(f"no version for action {action} in process {process}")
                        profile.entries.append(CppEntry(direction, action, version,
                                                        _family(action, package, process, known),
                                                        process, role_name))
    if not profile.entries:
        raise CppError("the CPP lists no actions the party can send or receive")
    return profile


@transaction.atomic
def import_cpp(raw: bytes, *, her_id: str | None = None) -> tuple[CommunicationParty, CppProfile, int]:
    """Record what the CPP says the party can send and receive; returns (party, profile, count)."""
    known = dict(MessageType.objects.values_list("code", "family"))
    profile = parse_cpp(raw, known_families=known)
    target = her_id or profile.her_id
    if not target:
        raise CppError("the CPP names no HER-id; give one with --her-id")
    party = CommunicationParty.objects.filter(her_id=target).first()
    if party is None:
        raise CppError(f"HER-id {target} is not in the directory; add the party first or give --her-id")
    count = replace_capabilities(party, profile.capabilities())
    return party, profile, count
