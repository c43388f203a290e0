"""A transport error another node reported about a message we sent (AMQP ``_error`` queue)."""

from __future__ import annotations

from django.db import transaction

from .models import Delivery, Message, NodeEvent
from .store import event


@transaction.atomic
def record_transport_error(*, sender_her_id: str, receiver_her_id: str, msg_id: str, condition: str,
                           description: str) -> Delivery | None:
    NodeEvent.objects.create(kind=NodeEvent.Kind.TRANSPORT, code=condition[:40], her_id=receiver_her_id,
                             actor="transport", detail=f"{msg_id}: {description}"[:2000])
    message = Message.objects.filter(sender_her_id=sender_her_id, msg_id=msg_id).first()
    if message is None:
        return None
    delivery = (Delivery.objects.select_for_update(of=("self",))
                .filter(message=message, her_id=receiver_her_id).first())
    event(message, "transport-error", f"{receiver_her_id}: {condition}: {description}", delivery=delivery,
          actor="transport")
    if delivery is not None and delivery.apprec_id is None:
        delivery.state = Delivery.State.FAILED
        delivery.last_error = f"{condition}: {description}"[:2000]
        delivery.save(update_fields=["state", "last_error"])
    return delivery
