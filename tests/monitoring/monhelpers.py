"""Helpers for the monitoring tests: send as one EPR system, answer as another."""

from __future__ import annotations

from msgfactory import readdress

LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
DIALOG = "Helsefaglig dialog.xml"


def send(caller, *, sender: str, receiver: str, sample: str = LOGISTICS, **kwargs) -> str:
    """Submit as an EPR system; returns the message id the node assigned."""
    response = caller.send(readdress(sample, sender=sender, receiver=receiver, **kwargs))
    assert response.status_code == 202, response.content
    return response.json()["id"]


def answer(caller, her_id: str, message_id: str, status: str = "1", code: str = "E35") -> None:
    """The receiving EPR answers the message (found by its message id) with an AppRec."""
    from samhand.exchange.models import Delivery

    delivery = Delivery.objects.get(message_id=message_id, her_id=her_id)
    body = {"status": status}
    if status != "1":
        body["errors"] = [{"code": code, "text": "Pasienten finnes ikke i mottakers system"}]
    response = caller.post(f"/messages/{delivery.pk}/apprec", body)
    assert response.status_code == 202, response.content


def alerts_of(org_her_id: str, **filters):
    from samhand.monitoring.models import Alert

    return Alert.objects.filter(organisation__her_id=org_her_id, **filters)
