"""Who receives a deviation: the responsible organisation's handler for its category (Handler),
else the organisation's meldingsansvarlig from the directory; a disagreement goes to the
cooperation agreement's dispute route (the cooperation committee) instead of a handler."""

from __future__ import annotations

from dataclasses import dataclass

from samhand.directory.models import Organisation

from . import procedures
from .models import Deviation, Handler


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    dispute: bool = False


def handler_for(organisation: Organisation, category: str) -> Recipient:
    handlers = Handler.objects.filter(organisation=organisation, role=Handler.Role.HANDLER)
    chosen = handlers.filter(category=category).first() or handlers.filter(category="").first()
    if chosen is not None:
        return Recipient(chosen.name, chosen.email)
    name = organisation.ma_name or f"Meldingsansvarlig, {organisation.name}"
    return Recipient(name, organisation.ma_email)


def recipient_for(deviation: Deviation) -> Recipient:
    if deviation.is_dispute:
        body, email = procedures.dispute_route()
        return Recipient(body, email, dispute=True)
    return handler_for(deviation.responsible, deviation.category)


def leader_addresses(organisation: Organisation) -> list[str]:
    """Escalation after the deadline: the organisation's leader contact(s), else meldingsansvarlig."""
    leaders = list(Handler.objects.filter(organisation=organisation, role=Handler.Role.LEADER)
                   .values_list("email", flat=True))
    return leaders or ([organisation.ma_email] if organisation.ma_email else [])


def reporter_addresses(deviation: Deviation) -> list[str]:
    return [handler_for(deviation.reporter, deviation.category).email]


def usernames_handling(organisation: Organisation) -> set[str]:
    """Portal users named as handlers of the organisation (their inbox shows "mine to answer")."""
    return set(Handler.objects.filter(organisation=organisation).exclude(username="")
               .values_list("username", flat=True))
