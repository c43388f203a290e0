"""The manual routine (S9): print what could not get through, phone it, reconcile afterwards.

``manual_routine_pdf`` renders the message for manual handling and records who handled it and
when, per receiver that has not positively receipted it. Each such ManualHandling stays on the
reconciliation lists of both organisations until both sides have confirmed it. When the message
is delivered electronically after all, the receiver's timeline says "already handled manually",
so it is not entered twice; a message already received is refused, so it is not handled twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from samhand import kith
from samhand.directory.models import CommunicationParty, Organisation
from samhand.access import door as access
from samhand.exchange.errors import Refused
from samhand.exchange.models import Delivery, Message
from samhand.exchange.outbox import publish
from samhand.exchange.store import event

from samhand.lib import clock

from . import readable, texts
from .models import ManualHandling
from .rules import POSITIVE
from .who import actor_name

SIDES = ("sender", "receiver")


def open_deliveries(message: Message) -> list[Delivery]:
    """Receivers that have not taken the message in (no positive AppRec)."""
    return list(message.deliveries.exclude(state__in=POSITIVE).order_by("created_at"))


def manual_routine_pdf(message: Message, *, by: str, reason: str = "", actor_kind: str = "user") -> bytes:
    """The PDF for manual handling (patient, sender, receiver, content, phone numbers to call).

    Reading the content is logged like any read of patient data (purpose "manual-routine").
    Records the manual handling for every receiver still without a positive AppRec; a reprint
    only counts. Refused (409) when every receiver already has the message.
    """
    by = actor_name(by)
    if message.is_apprec:
        raise Refused("not-a-business-message", "an AppRec is never handled manually", status=422)
    waiting = open_deliveries(message)
    if not waiting:
        raise Refused("already-received", "every receiver has positively receipted this message; handling it "
                      "manually as well would enter it twice", status=409)
    now = clock.now()
    reason = reason or _reason(waiting)
    raw = access.read_content(access.MessageView(message, None, "sender"), actor_kind=actor_kind, actor=by,
                              purpose="manual-routine")
    pdf = render_pdf(_context(message, kith.parse_msghead(kith.parse_xml(raw)), waiting, by=by, reason=reason,
                              now=now))
    _record(message, waiting, by=by, reason=reason, now=now)
    return pdf


def _reason(waiting: list[Delivery]) -> str:
    now = clock.now()
    states = ", ".join(sorted({
        "holdt tilbake under mottakers nedetid"
        if d.state == Delivery.State.QUEUED and _downtime_of(d.her_id, now) is not None
        else str(d.get_state_display()) for d in waiting}))
    return f"ikke mottatt elektronisk ({states})"


def _record(message: Message, waiting: list[Delivery], *, by: str, reason: str, now) -> None:
    orgs = dict(CommunicationParty.objects.filter(
        her_id__in={message.sender_her_id, *(d.her_id for d in waiting)}).values_list("her_id", "organisation_id"))
    with transaction.atomic():
        for delivery in waiting:
            handling, created = ManualHandling.objects.select_for_update().get_or_create(
                delivery=delivery, defaults={
                    "message": message, "sender_her_id": message.sender_her_id, "receiver_her_id": delivery.her_id,
                    "sender_organisation_id": orgs.get(message.sender_her_id),
                    "receiver_organisation_id": orgs.get(delivery.her_id), "reason": reason[:300],
                    "handled_by": by, "handled_at": now, "last_printed_by": by, "last_printed_at": now})
            if not created:
                handling.printed += 1
                handling.last_printed_by, handling.last_printed_at = by, now
                handling.save(update_fields=["printed", "last_printed_by", "last_printed_at"])
                continue
            # On the receiver's timeline at once: whenever it sees the message, it sees this first.
            event(message, "handled-manually", f"already handled manually (manuell rutine) by {by} "
                  f"at {now.isoformat()} for {delivery.her_id}: {reason}", delivery=delivery, actor=by)


def render_pdf(context: dict) -> bytes:
    from samhand.lib.pdf import html_to_pdf  # a deny-all URL fetcher: the PDF fetches nothing

    return html_to_pdf(render_to_string("monitoring/manual_routine.html", context))


def _context(message: Message, msghead: kith.MsgHead, waiting: list[Delivery], *, by: str, reason: str, now) -> dict:
    patient = msghead.patient
    document = msghead.documents[0].content if msghead.documents else None
    names = " ".join(p for p in (patient.given_name, patient.middle_name, patient.family_name) if p) if patient else ""
    known = {p.her_id: f"{p.name}, {p.organisation.name}" for p in CommunicationParty.objects
             .select_related("organisation").filter(her_id__in=[d.her_id for d in message.deliveries.all()])}
    downtime = _downtime_of(message.receiver_her_id, now)
    return {
        "message": message, "by": by, "reason": reason, "printed_at": texts.local(now),
        "msg_type_text": msghead.msg_type_dn or message.msg_type,
        "gen_date": texts.local(message.gen_date), "created": texts.local(message.created_at),
        "patient": {"name": names, "id": patient.id if patient else "",
                    "id_type": ID_TYPES.get(patient.id_type, "") if patient else "",
                    "birth": readable.format_value(patient.date_of_birth or "") if patient else ""},
        "sender": _who(message.sender_her_id, msghead.sender),
        "receiver": _who(message.receiver_her_id, msghead.receiver),
        "downtime": ({"until": texts.local(downtime.expected_end), "contact": downtime.contact,
                      "description": downtime.description, "planned": downtime.planned} if downtime else None),
        "deliveries": [{"name": known.get(d.her_id) or f"HER-id {d.her_id}",
                        "state": _state_text(d, downtime if d.her_id == message.receiver_her_id else None),
                        "last_error": d.last_error} for d in message.deliveries.all()],
        "rows": [{"indent": 1 + 4 * r.depth, "label": r.label, "value": r.value} for r in readable.rows(document)],
    }


ID_TYPES = {"FNR": "fødselsnummer", "DNR": "D-nummer", "HNR": "H-nummer", "FHN": "felles hjelpenummer"}


def _downtime_of(her_id: str, now):
    """The downtime in force for a receiver (its own or its organisation's), if any."""
    from .models import Downtime

    return (Downtime.objects.filter(ended_at__isnull=True, start__lte=now)
            .filter(Q(party__her_id=her_id) | Q(organisation__her_id=her_id) | Q(organisation__parties__her_id=her_id))
            .order_by("expected_end").first())


def _state_text(delivery: Delivery, downtime) -> str:
    if delivery.state == Delivery.State.QUEUED and downtime is not None:
        return f"holdt tilbake: mottaker har nedetid til {texts.local(downtime.expected_end)}"
    return str(delivery.get_state_display())


def _who(her_id: str, party: kith.Party) -> dict:
    known = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
    if known is None:
        name = ", ".join(p for p in (party.service_name, party.organisation_name) if p)
        return {"label": f"{name} (HER-id {her_id})", "phones": []}
    org = known.organisation
    phones = [f"Meldingsansvarlig {org.name}: {org.ma_phone}"] if org.ma_phone else []
    if org.ma_on_call_phone:
        phones.append(f"Vakttelefon {org.name}: {org.ma_on_call_phone}")
    phones += [f"{c.name}{f' ({c.available})' if c.available else ''}: {c.phone}"
               for c in org.contacts.all() if c.phone]
    return {"label": f"{known.name}, {org.name} (HER-id {her_id})", "phones": phones}


def manual_flag_for(delivery: Delivery) -> dict | None:
    """For the receiving EPR: whether this message was already handled manually, by whom and when."""
    handling = ManualHandling.objects.filter(delivery=delivery).first()
    if handling is None:
        return None
    return {"handledManually": True, "handledAt": handling.handled_at, "handledBy": handling.handled_by,
            "reason": handling.reason}


def manually_handled(deliveries: Iterable[Delivery]) -> list[Delivery]:
    """Of ``deliveries`` (delivered), those handled manually and not yet marked as delivered after
    it, in order: one statement for all, instead of a look-up per delivery that almost never
    finds anything."""
    delivered = [d for d in deliveries if d.delivered_at is not None]
    if not delivered:
        return []
    handled = set(ManualHandling.objects.filter(delivery_id__in={d.pk for d in delivered},
                                                delivered_after_at__isnull=True)
                  .values_list("delivery_id", flat=True))
    return [d for d in delivered if d.pk in handled]


def note_delivered(delivery: Delivery) -> bool:
    """Called when a manually handled message reaches its receiver electronically after all (also
    run by ``reconciliation_step`` for deliveries the exchange did not report)."""
    handling = ManualHandling.objects.filter(delivery=delivery, delivered_after_at__isnull=True).first()
    if handling is None or delivery.delivered_at is None:
        return False
    if not ManualHandling.objects.filter(pk=handling.pk, delivered_after_at__isnull=True).update(
            delivered_after_at=delivery.delivered_at):
        return False
    event(delivery.message, "already-handled-manually",
          f"delivered to {delivery.her_id} after manual handling by {handling.handled_by} "
          f"({timezone.localtime(handling.handled_at):%d.%m.%Y %H:%M}); do not enter it again", delivery=delivery,
          actor="node")
    # Two channels now carry the same message: a difference until both sides reconcile (deviations).
    publish("reconciliation-difference", message=delivery.message, delivery=delivery, actor="node",
            data={"manual": handling.pk, "text": "Meldingen ble levert elektronisk etter manuell behandling; "
                                                 "begge parter må avstemme så den ikke registreres to ganger."})
    return True


def reconciliation_step(owner: str) -> int:
    """Worker step: mark manually handled messages that have now been delivered electronically."""
    due = ManualHandling.objects.filter(delivered_after_at__isnull=True, delivery__delivered_at__isnull=False)
    return sum(note_delivered(h.delivery) for h in due.select_related("delivery__message")[:50])


def reconciliation_list(organisation: Organisation) -> QuerySet:
    """Manually handled messages of the organisation (as sender or receiver) not yet confirmed on both sides."""
    return (ManualHandling.objects.filter(Q(sender_organisation=organisation) | Q(receiver_organisation=organisation))
            .filter(Q(sender_confirmed_at__isnull=True) | Q(receiver_confirmed_at__isnull=True))
            .select_related("message", "delivery").order_by("handled_at", "id"))


def confirm_reconciliation(item: ManualHandling, *, side: str, by: str) -> ManualHandling:
    """One side confirms the manual handling is reconciled (sender: recorded as sent manually;
    receiver: registered once, electronic copy not entered again). Confirming twice changes nothing."""
    if side not in SIDES:
        raise Refused("bad-request", "side must be 'sender' or 'receiver'", status=400)
    by = actor_name(by)
    with transaction.atomic():
        item = ManualHandling.objects.select_for_update().get(pk=item.pk)
        if getattr(item, f"{side}_confirmed_at") is not None:
            return item
        now = clock.now()
        setattr(item, f"{side}_confirmed_at", now)
        setattr(item, f"{side}_confirmed_by", by)
        item.save(update_fields=[f"{side}_confirmed_at", f"{side}_confirmed_by"])
        her_id = item.sender_her_id if side == "sender" else item.receiver_her_id
        event(item.message, "manual-reconciled", f"{side} {her_id} confirmed the manual handling",
              delivery=item.delivery, actor=by)
    return item
