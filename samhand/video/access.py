"""The choke point for meetings: who may see which meeting, and the access log for reads of
the patient data a meeting carries (the patient's national id from the episode, the names of
the patient and relatives).

An API key acts for the organisations of the parties it is bound to; a portal user for their
organisation. A meeting is visible to every organisation taking part in it and to nobody else
(NotFound, so an outsider learns nothing about its existence).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from samhand.access.models import AccessLog
from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import NotFound, Refused

from .models import Meeting


@dataclass(frozen=True)
class Actor:
    """Who acts: the organisation, the HER-ids it acts for, and a name for the logs."""
    organisation: Organisation
    her_ids: frozenset[str]
    kind: str  # "api-client" | "user"
    name: str
    sees_content: bool = True

    @property
    def her_id(self) -> str:
        return self.organisation.her_id


def actor_for_client(client) -> Actor:
    """An API key acts for its organisation: the one all its parties belong to."""
    her_ids = client.her_ids()
    orgs = set(CommunicationParty.objects.filter(her_id__in=her_ids).values_list("organisation_id", flat=True))
    if len(orgs) != 1:
        raise Refused("forbidden", f"{client.system} does not act for exactly one organisation", status=403)
    org = Organisation.objects.get(pk=orgs.pop())
    return Actor(org, frozenset(her_ids) | {org.her_id}, "api-client", client.system)


def actor_for_scope(scope) -> Actor:
    return Actor(scope.organisation, scope.her_ids, "user", scope.username, scope.sees_content)


def visible_meetings(actor: Actor):
    return Meeting.objects.filter(organisations=actor.organisation).distinct()


def meeting_for(actor: Actor, meeting_id) -> Meeting:
    try:
        meeting = (visible_meetings(actor).select_related("service", "room", "organisation", "episode")
                   .filter(pk=meeting_id).first())
    except (ValueError, ValidationError):
        meeting = None
    if meeting is None:
        raise NotFound(str(meeting_id))
    return meeting


def has_patient_data(meeting: Meeting) -> bool:
    return bool(meeting.patient_id) or meeting.participants.filter(role__in=("patient", "relative")).exists()


def log_read(meeting: Meeting, actor: Actor, purpose: str) -> None:
    """One access-log line for a read of the meeting's patient data, against the episode's first
    message (the log is keyed on messages). Refused for a reader who may not see patient content."""
    if not has_patient_data(meeting):
        return
    if not actor.sees_content:
        raise Refused("forbidden", "the node operator does not see patient data", status=403)
    first = meeting.episode.entries.order_by("at", "id").first() if meeting.episode_id else None
    if first is None:
        # Patient data only ever enters with an episode (services.book_meeting), which always has a message.
        raise Refused("no-episode", "a meeting with patient data must belong to an episode", status=409)
    AccessLog.objects.create(actor_kind=actor.kind, actor=actor.name, message_id=first.message_id,
                             patient_id=meeting.patient_id, purpose=purpose, organisation_her_id=actor.her_id)
