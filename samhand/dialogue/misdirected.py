"""Misdirected and unknown messages (S11).

The receiver marks a delivered message as not its own ("feil mottaker", "ukjent pasient", or
content outside the message's purpose). In one transaction the node then
- withdraws the content from the receiver (exchange Delivery.withdrawn_at: the access choke point
  refuses every later read with 410, and logs the attempt);
- sends "Tilbakemelding om feil i mottatt melding" to the sender: a Dialogmelding 1.0 DIALOG_AVVIK
  per HIS 1151, patient taken from the received message (§4.2.1), ConversationRef to the original
  (HITS 1218 §3.3), TemaKodet 8117 and the reason; it is signed, sent and receipted like any message;
- publishes the outbox event "misdirected" (the deviations app opens a draft from it).
The envelope stays encrypted for the audit period of the approved routine, then the retention
step deletes it and records that it did.

The sender side (this node or another) links an arriving DIALOG_AVVIK to its original, alerts its
meldingsansvarlig and may re-send the content to the right receiver as a new message that refers to
the first. A negative AppRec E35 (patient unknown at the receiver) opens the same re-send path.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from samhand import kith
from samhand.access import door
from samhand.directory.models import CommunicationParty
from samhand.directory.services import party_by_her_id
from samhand.exchange import protection
from samhand.exchange.actors import LocalActor
from samhand.exchange.errors import Refused
from samhand.exchange.models import Delivery, Message, MessageContent
from samhand.exchange.store import event
from samhand.exchange.submit import submit
from samhand.kith import dialog as dm
from samhand.lib import clock

from . import conf
from .models import AvvikNotice, Misdirection, Reason, Resend
from .outbox import publish

RESEND_CODES = {"E35"}  # AppRec 8221: patient not in the receiving system (HIS 80415)


def kith_party(party: CommunicationParty) -> kith.Party:
    org = party.organisation
    if party.her_id == org.her_id:
        return kith.Party(organisation_name=org.name, organisation_her_id=org.her_id)
    return kith.Party(organisation_name=org.name, organisation_her_id=org.her_id, service_name=party.name,
                      service_her_id=party.her_id)


def node_read(message: Message, reader: CommunicationParty, *, purpose: str) -> kith.MsgHead:
    """The node itself opens a message as one of its hosted parties (to answer or thread it); the
    read is logged like any other, with the node as actor."""
    plain = door.node_read(message, reader, purpose=purpose)
    try:
        return kith.parse_msghead(kith.parse_xml(plain, max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES))
    except kith.KithError as exc:
        raise Refused(exc.code, exc.text, status=409) from None


def mark_misdirected(delivery: Delivery, *, reason: str, text: str = "", by: str) -> Misdirection:
    """The receiver's routine for a message that is not theirs. Refused 409 when the delivery is not
    in the inbox, is an AppRec, or was marked already."""
    if reason not in Reason.values:
        raise Refused("bad-request", f"reason must be one of {', '.join(Reason.values)}", status=400)
    text = (text or "").strip()[:500]
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("message", "party")
                    .get(pk=delivery.pk))
        message = delivery.message
        if delivery.delivered_at is None or message.is_apprec:
            raise Refused("not-delivered", "only a delivered message can be marked misdirected", status=409)
        if delivery.withdrawn_at is not None or hasattr(delivery, "misdirection"):
            raise Refused("already-marked", "this message was already marked misdirected", status=409)
        if delivery.party is None:
            raise Refused("S99", f"no key on this node to act as {delivery.her_id}", status=409)
        original = node_read(message, delivery.party, purpose="misdirected-feedback")
        avvik_xml = build_avvik(original, delivery.party, reason=reason, text=text)
        now = clock.now()
        sent = submit(LocalActor(f"samhand for {delivery.her_id} ({by})", {delivery.party.her_id}), avvik_xml,
                      actor=f"{by} (feilsendt melding)")
        label = dm.MISDIRECTED_REASONS[reason]
        delivery.withdrawn_at = now
        delivery.withdrawn_reason = f"{label}" + (f": {text}" if text else "")
        delivery.read_at = delivery.read_at or now  # out of the unread inbox
        delivery.save(update_fields=["withdrawn_at", "withdrawn_reason", "read_at"])
        misdirection = Misdirection.objects.create(
            delivery=delivery, reason=reason, text=text, marked_by=by, marked_at=now, avvik=sent.message,
            retain_until=now + timedelta(days=conf.audit_days()))
        event(message, "withdrawn", f"marked {reason} by {by} at {delivery.her_id}; content withdrawn; "
              f"DIALOG_AVVIK {sent.message.msg_id} to {message.sender_her_id}", delivery=delivery, actor=by)
        publish("misdirected", message=message, delivery=delivery, actor=by,
                data={"reason": reason, "text": text, "sender_her_id": message.sender_her_id,
                      "receiver_her_id": delivery.her_id, "avvik_msg_id": sent.message.msg_id},
                detail=f"{reason} at {delivery.her_id}")
    return misdirection


def build_avvik(original: kith.MsgHead, sender: CommunicationParty, *, reason: str, text: str) -> bytes:
    """HIS 1151: from the receiver of the original to its sender, Patient from the original
    (§4.2.1), ConversationRef to the original (RefToParent its MsgId; RefToConversation the start of
    its conversation, HITS 1218 §3.3), one Notat with TemaKodet 8117."""
    conversation = original.conversation_ref.ref_to_conversation if original.conversation_ref else original.msg_id
    return kith.build_msghead(
        msg_type="DIALOG_AVVIK", msg_type_dn=dm.MSG_TYPES["DIALOG_AVVIK"], sender=kith_party(sender),
        receiver=original.sender, patient=original.patient, msg_id=str(uuid.uuid4()),
        conversation_ref=kith.ConversationRef(ref_to_parent=original.msg_id, ref_to_conversation=conversation),
        document=dm.build_dialog(dm.avvik(reason, text)))


# -- sending side ---------------------------------------------------------------------------------

def link_avvik(message: Message, delivery: Delivery) -> AvvikNotice | None:
    """A DIALOG_AVVIK arrived for one of our parties: tie it to the message it is about (its
    RefToParent, sent by us to the avvik's sender), alert our meldingsansvarlig, and publish
    "misdirected" when the flagging receiver is on another node (else marking published it)."""
    if AvvikNotice.objects.filter(avvik=message).exists():
        return None
    reader = delivery.party
    reason = "wrong-receiver"
    if reader is not None:
        try:
            head = node_read(message, reader, purpose="misdirected-link")
            dialog = dm.dialog_of_msghead(head.root)
            reason = dm.avvik_reason(dialog) if dialog is not None else reason
        except Refused:
            pass
    original = (Message.objects.filter(msg_id=message.parent_ref, sender_her_id=delivery.her_id, is_apprec=False)
                .first() if message.parent_ref else None)
    notice = AvvikNotice.objects.create(avvik=message, original=original, original_msg_id=message.parent_ref,
                                        her_id=delivery.her_id, from_her_id=message.sender_her_id, reason=reason)
    if original is None:
        event(message, "avvik-unlinked", f"no message {message.parent_ref} sent by {delivery.her_id}", actor="node")
        return notice
    target = original.deliveries.filter(her_id=message.sender_her_id).first()
    event(original, "avvik-received", f"{message.sender_her_id} reports {reason} (DIALOG_AVVIK {message.msg_id})",
          delivery=target, actor="node")
    if target is not None and not hasattr(target, "misdirection"):
        publish("misdirected", message=original, delivery=target, actor="node",
                data={"reason": reason, "text": "", "sender_her_id": original.sender_her_id,
                      "receiver_her_id": message.sender_her_id, "avvik_msg_id": message.msg_id},
                detail=f"{reason} reported by {message.sender_her_id}")
    _alert_sender(original, message, reason, target)
    return notice


def _alert_sender(original: Message, avvik: Message, reason: str, target: Delivery | None) -> None:
    from samhand.monitoring import alerts

    party = party_by_her_id(original.sender_her_id)
    if party is None:
        return
    partner = party_by_her_id(avvik.sender_her_id)
    raised = alerts.raise_finding(alerts.Finding(
        kind="misdirected", organisation_id=party.organisation_id, partner_her_id=avvik.sender_her_id,
        partner_name=str(partner.name if partner else avvik.sender_her_id),
        delivery_id=target.pk if target else None, message_id=original.pk,
        detail=f"{dm.MISDIRECTED_REASONS.get(reason, reason)}: send på nytt til riktig mottaker "
               f"(POST /api/v1/messages/{original.pk}/resend)"))
    if raised.opened and raised.alert is not None:
        alerts.notify_opened(raised.alert)


def resend_reason(message: Message) -> str | None:
    """Why this sent message may be re-sent to another receiver (None: it may not)."""
    if message.is_apprec:
        return None
    if AvvikNotice.objects.filter(original=message).exists():
        return "misdirected"
    if Misdirection.objects.filter(delivery__message=message).exists():
        return "misdirected"
    for delivery in message.deliveries.select_related("apprec"):
        codes = {e.get("code") for e in (delivery.apprec.apprec_errors if delivery.apprec else [])}
        if codes & RESEND_CODES:
            return "E35"
    return None


def resend(message: Message, *, receiver_her_id: str, by: str, actor_kind: str, actor: str) -> Resend:
    """The same business document (and attachments) as a new message to another receiver, with a
    new MsgId and ConversationRef to the first (HITS 1218), through the normal submission."""
    if resend_reason(message) is None:
        raise Refused("not-misdirected", "only a message reported misdirected (DIALOG_AVVIK) or rejected with "
                      "E35 can be re-sent this way", status=409)
    if receiver_her_id in {d.her_id for d in message.deliveries.all()}:
        raise Refused("same-receiver", f"{receiver_her_id} already received this message", status=409)
    target = party_by_her_id(receiver_her_id)
    if target is None:
        raise Refused("E21", f"no communication party {receiver_her_id} in the directory", status=422)
    view = door.MessageView(message, None, "sender")
    raw = door.read_content(view, actor_kind=actor_kind, actor=actor, purpose="resend")
    root = kith.parse_xml(raw, max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES)
    head = kith.parse_msghead(root)
    conversation = head.conversation_ref.ref_to_conversation if head.conversation_ref else head.msg_id
    xml = kith.build_msghead(
        msg_type=head.msg_type, msg_type_dn=head.msg_type_dn or head.msg_type, sender=head.sender,
        receiver=kith_party(target), patient=head.patient, document=head.business_document, msg_id=str(uuid.uuid4()),
        conversation_ref=kith.ConversationRef(ref_to_parent=head.msg_id, ref_to_conversation=conversation))
    xml = dm.add_attachments(xml, [a for a in dm.attachments_of(root) if a.mime_type in dm.ATTACHMENT_TYPES])
    with transaction.atomic():
        sent = submit(LocalActor(f"samhand for {message.sender_her_id} ({by})", {message.sender_her_id}), xml,
                      actor=f"{by} (sendt på nytt)")
        record = Resend.objects.create(original=message, message=sent.message, receiver_her_id=receiver_her_id, by=by)
        event(message, "resent", f"to {receiver_her_id} as {sent.message.msg_id}", actor=by)
        _clear_alert(message, f"sendt på nytt til {receiver_her_id} av {by}")
    return record


def _clear_alert(message: Message, reason: str) -> None:
    """The re-send is what the misdirected alert asked for: its item clears; the alert resolves when
    nothing is left on it."""
    from samhand.monitoring import alerts
    from samhand.monitoring.models import AlertItem

    items = AlertItem.objects.filter(kind="misdirected", message=message, cleared_at__isnull=True)
    touched = set(items.values_list("alert_id", flat=True))
    items.update(cleared_at=clock.now(), cleared_reason=reason[:200])
    for alert in alerts.Alert.objects.filter(pk__in=touched):
        if not alert.items.filter(cleared_at__isnull=True).exists():
            alerts.resolve_alert(alert, by="samhand", automatically=True)


# -- retention ------------------------------------------------------------------------------------

def retention_step(owner: str, limit: int = 50) -> int:
    """Worker step: withdrawn messages past their audit period lose their stored envelope.

    What is deleted is this node's copy for the receiver. When other parties hosted here still hold
    the message legitimately (the sender on the same node, copy receivers), it is re-encrypted to
    them alone, so the withdrawn receiver's key no longer opens anything; otherwise the stored
    payload is deleted. Either way the misdirection records what was done and when.
    """
    now = clock.now()
    done = 0
    for pk in list(Misdirection.objects.filter(purged_at__isnull=True, retain_until__lte=now)
                   .values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            item = (Misdirection.objects.select_for_update().select_related("delivery__message")
                    .filter(pk=pk, purged_at__isnull=True).first())
            if item is None:
                continue  # another worker got there first
            note = _purge(item.delivery)
            item.purged_at, item.purge_note = now, note[:300]
            item.save(update_fields=["purged_at", "purge_note"])
            event(item.delivery.message, "purged", note, delivery=item.delivery, actor="node (retention)")
            done += 1
    return done


def _purge(delivery: Delivery) -> str:
    message = delivery.message
    content = MessageContent.objects.filter(message=message).first()
    if content is None:
        return "nothing stored any more"
    sender = party_by_her_id(message.sender_her_id)
    keepers = [d.party for d in message.deliveries.select_related("party")
               if d.pk != delivery.pk and d.withdrawn_at is None and d.party is not None and d.party.hosted]
    if sender is not None and sender.hosted:
        # The sealed copy (node data key) stays: it is the sender's record, and the receiver's reads
        # are refused at the choke point; the envelope itself no longer opens with the receiver's key.
        plain = door.node_read(message, sender, purpose="retention: re-encrypt without the receiver")
        content.payload = protection.protect(plain, sender=sender, recipients=keepers)
        content.save(update_fields=["payload"])
        return (f"envelope re-encrypted without {delivery.her_id} after the audit period; kept for the sender "
                f"{sender.her_id}" + (f" and {', '.join(p.her_id for p in keepers)}" if keepers else ""))
    if keepers:
        return f"envelope kept: still held by {', '.join(p.her_id for p in keepers)} on this node"
    content.delete()
    return f"envelope deleted after the audit period (withdrawn from {delivery.her_id})"
