"""What a party can send and receive, per message type and version (S13, HISD 1177).

A party's capabilities are recorded in the directory (``Capability``: direction, family, version and
optionally the MsgInfo/Type). A capability without a type covers every registered type of its
family and version. A party with nothing recorded in a direction takes (or sends) everything the
node supports: the registry's versions that are not retired (HISD 1177 §6: until every party has a
profile, messages still flow where none is registered).

The newest version both sides support is what a CPA would pick: the highest version of a type the
sender can send and the receiver can receive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from samhand import kith
from samhand.directory.models import Capability, CommunicationParty
from samhand.directory.services import forget_directory

from . import registry
from .models import MessageTypeVersion
from .rules import version_key

RETIRED = MessageTypeVersion.Status.RETIRED


@dataclass(frozen=True)
class TypeVersion:
    code: str
    family: str
    version: str


def _universe() -> list[tuple[str, str, str, str]]:
    return registry.known_versions()


def supported(party: CommunicationParty, direction: str, universe=None) -> tuple[set[TypeVersion], bool]:
    """(type versions, recorded) — recorded is False when the party has nothing on record."""
    universe = _universe() if universe is None else universe
    caps = [c for c in party.capabilities.all() if c.direction == direction]
    if not caps:
        return {TypeVersion(code, fam, ver) for code, fam, ver, status in universe if status != RETIRED}, False
    out: set[TypeVersion] = set()
    for cap in caps:
        if cap.msg_type:
            out.add(TypeVersion(cap.msg_type, cap.family, cap.version))
        else:
            out |= {TypeVersion(code, fam, ver) for code, fam, ver, _status in universe
                    if fam == cap.family and ver == cap.version}
    return out, True


def newest_common(sender: CommunicationParty, receiver: CommunicationParty, universe=None) -> dict[str, TypeVersion]:
    """Per message type, the newest version the sender can send and the receiver can receive."""
    universe = _universe() if universe is None else universe
    retired = {(code, ver) for code, _fam, ver, status in universe if status == RETIRED}
    sends, _ = supported(sender, Capability.Direction.SEND, universe)
    receives, _ = supported(receiver, Capability.Direction.RECEIVE, universe)
    common: dict[str, TypeVersion] = {}
    for tv in sends & receives:
        if (tv.code, tv.version) in retired:
            continue
        best = common.get(tv.code)
        if best is None or version_key(tv.version) > version_key(best.version):
            common[tv.code] = tv
    return common


def by_type(versions: set[TypeVersion]) -> list[dict]:
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for tv in versions:
        grouped[(tv.code, tv.family)].append(tv.version)
    return [{"type": code, "family": family, "versions": sorted(vs, key=version_key)}
            for (code, family), vs in sorted(grouped.items())]


def refusal(party: CommunicationParty, family: str, version: str, msg_type: str | None) -> str | None:
    """Why ``party`` cannot take the document, or None when it can (the T10 reason text)."""
    if party.accepts(family, version, msg_type):
        return None
    what = f"{msg_type} in {family} {version}" if msg_type else f"{family} {version}"
    caps = [c for c in party.capabilities.all() if c.direction == Capability.Direction.RECEIVE]
    if msg_type:
        same_type = sorted({c.version for c in caps if c.msg_type == msg_type
                            or (not c.msg_type and c.family == family)}, key=version_key)
        hint = (f"; it takes {msg_type} in {family} {', '.join(same_type)}" if same_type
                else f"; it takes no {msg_type}")
    else:
        same_family = sorted({c.version for c in caps if c.family == family}, key=version_key)
        hint = f"; it takes {family} {', '.join(same_family)}" if same_family else f"; it takes no {family}"
    return f"{party.name} ({party.her_id}) does not take {what}{hint}"


def replace_capabilities(party: CommunicationParty, entries: list[tuple[str, str, str, str]]) -> int:
    """Replace all of a party's capabilities with (direction, family, version, msg_type) entries."""
    party.capabilities.all().delete()
    unique = sorted(set(entries))
    Capability.objects.bulk_create([Capability(party=party, direction=d, family=f, version=v, msg_type=t)
                                    for d, f, v, t in unique])
    forget_directory()  # the pipeline's party cache holds capabilities
    return len(unique)


def capability_errors(recipients: list, kind: kith.DocumentKind | None,
                      msg_type: str | None = None) -> list[kith.KithError]:
    """T10 for a type/version the registry has retired, and for each receiver that cannot take it.

    ``msg_type`` is MsgInfo/Type (code system 8279, the CPP action, HISD 1209 §3.1); without it
    only family and version are checked. HISD 1177 §6.4: a message the receiver cannot take is
    stopped before sending, so the sender can pick another version or send it another way.
    """
    if kind is None:
        return []
    errors = []
    retired = registry.retired_reason(msg_type, kind.family, kind.version)
    if retired:
        errors.append(kith.KithError("T10", retired))
    for r in recipients:
        reason = refusal(r.party, kind.family, kind.version, msg_type) if r.party is not None else None
        if reason:
            errors.append(kith.KithError("T10", reason))
    return errors
