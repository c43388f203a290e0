"""Timeline texts rendered from an event's codes, through translations.

The exchange records events as codes (kind), the delivery they concern and, with the outbox,
structured ``data``; the free-text ``detail`` is for the technical log and in English. People read
a Norwegian sentence built here from the codes, with party names and Norwegian dates; a kind this
module does not know shows its label only (never the English detail).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import labels

_CODE = re.compile(r"^\s*([A-Z]\d{2})\b")


def _party(her_id: str, names) -> str:
    if not her_id:
        return ""
    label = names.label(her_id) if names is not None else ""
    return label or her_id


def _data(event) -> dict:
    data = getattr(event, "data", None)
    return data if isinstance(data, dict) else {}


def _status(code: str) -> str:
    return f"{code} – {labels.apprec_status(code)}" if code else ""


def describe(event, names, *, deliveries=()) -> str:
    """One line under the event's label: who, to whom, with what result."""
    kind, data, delivery = event.kind, _data(event), getattr(event, "delivery", None)
    message = getattr(event, "message", None)
    to = _party(delivery.her_id if delivery is not None else data.get("her_id", ""), names)
    if kind == "submitted":
        n = len(deliveries) or int(data.get("receivers", 0) or 0)
        what = " ".join(p for p in (message.family, message.doc_version) if p) if message is not None else ""
        count = ngettext("%(n)s mottaker", "%(n)s mottakere", n) % {"n": n} if n else ""
        return ", ".join(p for p in (what, count) if p)
    if kind == "received":
        sender = _party(message.sender_her_id, names) if message is not None else ""
        return _("fra %(party)s via transporten") % {"party": sender} if sender else ""
    if kind == "sent":
        return _("til %(party)s") % {"party": to} if to else ""
    if kind == "delivered":
        if delivery is None:
            return ""
        return _("til %(party)s (%(role)s)") % {"party": to, "role": delivery.get_role_display()}
    if kind == "retry":
        attempt = data.get("attempt")
        return (_("forsøk %(n)s til %(party)s") % {"n": attempt, "party": to} if attempt
                else _("til %(party)s") % {"party": to} if to else "")
    if kind == "failed":
        n = data.get("attempts") or (delivery.attempts if delivery is not None else 0)
        return ngettext("til %(party)s etter %(n)s forsøk", "til %(party)s etter %(n)s forsøk", n) % {
            "party": to, "n": n} if to else ""
    if kind == "refused":
        code = data.get("code") or _code_of(event.detail)
        return f"{code}: {labels.apprec_error(code)}" if code else ""
    if kind == "read":
        return _("av %(party)s") % {"party": to} if to else ""
    if kind == "apprec-sent":
        status = data.get("status") or (delivery.answer.apprec_status if delivery is not None and
                                        delivery.answer_id and delivery.answer else "")
        return _status(status)
    if kind == "apprec-received":
        status = data.get("status") or (delivery.apprec.apprec_status if delivery is not None and
                                        delivery.apprec_id and delivery.apprec else "")
        text = _status(status)
        return _("%(status)s fra %(party)s") % {"status": text, "party": to} if to and text else text
    if kind == "apprec-timeout":
        return _("ingen kvittering fra %(party)s innen fristen") % {"party": to} if to else ""
    if kind == "apprec-ignored":
        return _("en ekstra kvittering for samme melding")
    if kind == "duplicate-ignored":
        return _("samme MsgId kom på nytt")
    if kind == "uncorrelated":
        return _("ingen sendt melding passer med kvitteringens OriginalMsgId")
    if kind in ("handled-manually", "already-handled-manually", "manual-reconciled"):
        return _("av %(who)s") % {"who": event.actor} if event.actor and event.actor not in ("node", "transport") else ""
    return ""


def _code_of(detail: str) -> str:
    found = _CODE.match(detail or "")
    return found.group(1) if found else ""
