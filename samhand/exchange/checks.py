"""The checks a receiving node makes on a message (HITS 1168 §4), shared by
submission (where a failure refuses the message before it is sent) and
receipt from a transport (where a failure is answered with a negative AppRec).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from samhand import kith
from samhand.directory.models import CommunicationParty
from samhand.directory.services import resolve_receiver

from .models import Delivery
from .schemas import schema_set


@dataclass
class Recipient:
    her_id: str
    role: str
    party: CommunicationParty | None


@dataclass
class Checked:
    msghead: kith.MsgHead
    kind: kith.DocumentKind | None
    recipients: list[Recipient] = field(default_factory=list)
    errors: list[kith.KithError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse(raw: bytes, max_bytes: int):
    """Hardened parse; raises KithError (T01 not well-formed or hostile, T99 too large)."""
    return kith.parse_xml(raw, max_bytes=max_bytes)


def format_errors(root) -> list[kith.KithError]:
    """Schema validation of envelope and payload: T02 invalid, T10 unknown format/version."""
    error = kith.check_format(root, schema_set())
    return [error] if error is not None else []


def recipients_of(msghead: kith.MsgHead) -> tuple[list[Recipient], list[kith.KithError]]:
    """The primary receiver and copy receivers, resolved in the directory.

    A party named both as receiver and copy receiver gets the message once
    (HITS 1168 §5.4: one AppRec per recognised receiver).
    """
    errors: list[kith.KithError] = []
    recipients: list[Recipient] = []
    seen: set[str] = set()
    candidates = [(msghead.receiver, Delivery.Role.PRIMARY)]
    candidates += [(p, Delivery.Role.COPY) for p in msghead.other_receivers if p.her_id]
    for party, role in candidates:
        lookup = resolve_receiver(party.organisation_her_id, party.service_her_id)
        her_id = party.her_id or ""
        if lookup.error:
            errors.append(kith.KithError(lookup.error, lookup.reason))
            if role == Delivery.Role.PRIMARY:
                recipients.append(Recipient(her_id, role, None))
            continue
        if lookup.party.her_id in seen:
            continue
        seen.add(lookup.party.her_id)
        recipients.append(Recipient(lookup.party.her_id, role, lookup.party))
    return recipients, errors


TypeCheck = Callable[[list[Recipient], "kith.DocumentKind | None", "str | None"], list[kith.KithError]]
_TYPE_CHECKS: list[TypeCheck] = []


def register_type_check(check: TypeCheck) -> None:
    """Rooms above the exchange add checks on the message type (the chains' registry and
    capabilities: T10) without the exchange importing them. Registered from AppConfig.ready()."""
    if check not in _TYPE_CHECKS:
        _TYPE_CHECKS.append(check)


def type_errors(recipients: list[Recipient], kind, msg_type: str | None) -> list[kith.KithError]:
    return [error for check in _TYPE_CHECKS for error in check(recipients, kind, msg_type)]


def check_msghead(root, msghead: kith.MsgHead | None = None) -> Checked:
    """Every receipt check on a parsed MsgHead, collecting all errors found (``msghead``: the
    MsgHead of ``root``, when the caller has read it already)."""
    msghead = msghead if msghead is not None else kith.parse_msghead(root)
    kind = msghead.document_kind
    checked = Checked(msghead=msghead, kind=kind)
    if kind is None:
        ns = _namespace(msghead.business_document)
        checked.errors.append(kith.KithError("T10", f"unsupported business document {ns}"))
    else:
        checked.errors += format_errors(root)
    checked.recipients, receiver_errors = recipients_of(msghead)
    checked.errors += receiver_errors
    checked.errors += type_errors(checked.recipients, kind, msghead.msg_type)
    checked.errors += kith.check_profile(msghead, kind)
    return checked


def _namespace(el) -> str:
    if el is None:
        return "(no business document)"
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag[1:].split("}")[0] if tag.startswith("{") else tag or "(none)"
