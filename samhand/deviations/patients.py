"""The patient a deviation concerns: never described in free text, shown from the linked messages.

Showing it is a read of a patient identifier, so it goes to the access log like any other read
(purpose "deviation-view"), and only for linked messages the viewer's organisation took part in.
"""

from __future__ import annotations

from samhand.access.models import AccessLog

from .actors import Actor
from .models import Deviation, DeviationLink


def patient_ids(actor: Actor, deviation: Deviation, *, purpose: str = "deviation-view") -> list[str]:
    if not actor.sees_patient:
        return []
    shown: list[str] = []
    links = deviation.links.filter(kind=DeviationLink.Kind.MESSAGE).select_related("message")
    for link in links:
        message = link.message
        involved = {message.sender_her_id, message.receiver_her_id} | set(
            message.deliveries.values_list("her_id", flat=True))
        if not message.patient_id or not involved & actor.her_ids:
            continue
        AccessLog.objects.create(actor_kind=actor.kind, actor=actor.name, message=message,
                                 patient_id=message.patient_id, purpose=purpose,
                                 organisation_her_id=actor.organisation.her_id)
        if message.patient_id not in shown:
            shown.append(message.patient_id)
    return shown
