"""Meetings (S15, S2): booking with the security checklist, links per participant, moving,
cancelling, the department's answer to a service booking (S16), outcome and the record note.

Every function that changes state is atomic; the API and the portal validate input, build a
``Booking`` and call these. A booking either passes every check and gets its links, or is refused
as a whole (``Unmet``, 422) and nothing is stored: a meeting with an unmet checklist has no links.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samhand.chains.models import Episode
from samhand.chains.queries import visible_episodes
from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import NotFound, Refused
from samhand.lib import clock

from . import invitations, rooms
from .access import Actor
from .models import Meeting, Participant, Room, Service
from .providers import Guest, ProviderNotConfigured, Slot, get_provider

ROLES = {r.value for r in Participant.Role}
PURPOSES = {p.value for p in Service.Purpose}
IDENTIFICATION = {"id-on-camera": _("Legitimasjon vist på kamera"), "electronic-id": _("Elektronisk ID (BankID)"),
                  "known-to-staff": _("Kjent av helsepersonell i møtet")}
MAX_LENGTH = timedelta(hours=8)


class Unmet(Refused):
    """The booking breaks a rule: the items say which (checklist keys or room/booking rules)."""

    def __init__(self, items: list[tuple[str, str]]):
        super().__init__("unmet-checklist" if any(c in CHECKLIST for c, _t in items) else "refused",
                         "; ".join(text for _code, text in items), status=422, errors=items)
        self.items = items


CHECKLIST = ("patientInformed", "identification", "lobby", "recordingOff", "hostHealthPersonnel")


@dataclass
class Person:
    role: str
    name: str
    email: str = ""
    organisation_her_id: str = ""


@dataclass
class Booking:
    purpose: str
    start: datetime
    end: datetime
    participants: list[Person]
    title: str = ""
    service_id: int | None = None
    episode_id: str | None = None
    room_id: int | None = None
    patient_informed: bool = False
    identification: str = ""
    lobby: bool = False
    recording_off: bool = False
    notes: list[str] = field(default_factory=list)


def _organisation_of(her_id: str) -> Organisation | None:
    if not her_id:
        return None
    org = Organisation.objects.filter(her_id=her_id).first()
    if org is None:
        party = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
        org = party.organisation if party else None
    return org


def checklist_unmet(booking: Booking, host_org: Organisation | None, parties: set[int]) -> list[tuple[str, str]]:
    """The security checklist (S15): what is not met, as (item, Norwegian text)."""
    unmet = []
    roles = [p.role for p in booking.participants]
    with_patient = "patient" in roles or "relative" in roles
    if with_patient and not booking.patient_informed:
        unmet.append(("patientInformed", _("Pasienten er ikke informert om videomøtet.")))
    if "patient" in roles and booking.identification not in IDENTIFICATION:
        unmet.append(("identification", _("Metode for identifisering av pasienten er ikke registrert.")))
    if not booking.lobby:
        unmet.append(("lobby", _("Venterom (lobby) må være på.")))
    if not booking.recording_off:
        unmet.append(("recordingOff", _("Opptak må være slått av.")))
    if roles.count("host") != 1:
        unmet.append(("hostHealthPersonnel", _("Møtet må ha nøyaktig én møteleder.")))
    elif host_org is None or host_org.pk not in parties:
        unmet.append(("hostHealthPersonnel", _("Møtelederen må være helsepersonell hos en av partene i møtet.")))
    return unmet


def _service(booking: Booking) -> Service | None:
    if booking.service_id is None:
        return None
    service = Service.objects.select_related("organisation").filter(pk=booking.service_id, active=True).first()
    if service is None:
        raise NotFound(f"service {booking.service_id}")
    return service


def _episode(actor: Actor, booking: Booking) -> Episode | None:
    if not booking.episode_id:
        return None
    try:
        episode = visible_episodes(actor.her_ids, state="all").filter(pk=booking.episode_id).first()
    except (ValueError, ValidationError):  # a malformed id is simply not found
        episode = None
    if episode is None:
        raise NotFound(f"episode {booking.episode_id}")
    return episode


def _room(actor: Actor, booking: Booking, allowed_orgs: set[int]) -> Room | None:
    if booking.room_id is None:
        return None
    room = Room.objects.prefetch_related("equipment").filter(pk=booking.room_id, organisation_id__in=allowed_orgs).first()
    if room is None:
        raise NotFound(f"room {booking.room_id}")
    return room


def _rules(actor: Actor, booking: Booking, service: Service | None, episode: Episode | None) -> list[tuple[str, str]]:
    problems = []
    now = clock.now()
    if booking.purpose not in PURPOSES:
        problems.append(("purpose", _("Ukjent formål.")))
    if booking.end <= booking.start or booking.end - booking.start > MAX_LENGTH:
        problems.append(("slot", _("Møtet må slutte etter at det starter, og vare høyst åtte timer.")))
    if booking.end <= now:
        problems.append(("slot", _("Møtet kan ikke legges i fortiden.")))
    if not booking.participants:
        problems.append(("participants", _("Møtet må ha deltakere.")))
    for person in booking.participants:
        if person.role not in ROLES or not person.name.strip():
            problems.append(("participants", _("Hver deltaker må ha en gyldig rolle og et navn.")))
            break
    roles = {p.role for p in booking.participants}
    if roles & {"patient", "relative"}:
        if booking.purpose != "clinical":
            problems.append(("purpose", _("Pasient og pårørende kan bare delta i kliniske møter.")))
        elif episode is None:
            problems.append(("episode", _("Et klinisk møte med pasient må knyttes til pasientens forløp.")))
    if episode is not None and episode.state != Episode.State.OPEN:
        problems.append(("episode", _("Pasientforløpet er ikke åpent.")))
    if service is not None:
        if service.purpose != booking.purpose:
            problems.append(("service", _("Formålet stemmer ikke med tjenesten.")))
        if service.organisation_id != actor.organisation.pk and booking.start < now + timedelta(
                hours=service.lead_time_hours):
            problems.append(("leadTime", _("Tjenesten må bestilles minst %(hours)s timer før.")
                             % {"hours": service.lead_time_hours}))
    return problems


@transaction.atomic
def book_meeting(actor: Actor, booking: Booking) -> tuple[Meeting, list[tuple[Participant, str]]]:
    """Book a meeting and issue one link per participant; Unmet (422) if any rule or checklist item fails."""
    service = _service(booking)
    episode = _episode(actor, booking)
    problems = _rules(actor, booking, service, episode)
    parties = {actor.organisation.pk} | ({service.organisation_id} if service else set())
    orgs_of = {p.organisation_her_id: _organisation_of(p.organisation_her_id) for p in booking.participants}
    for her_id, org in orgs_of.items():
        if her_id and org is None:
            problems.append(("participants", _("Ukjent HER-id %(her_id)s.") % {"her_id": her_id}))
    room = _room(actor, booking, parties)
    warnings = []
    if room is not None:
        decision = rooms.bookable(room, booking.purpose, on=booking.start.date())
        if not decision.allowed:
            problems.append(("room", decision.reason))
        elif decision.warning:
            warnings.append(decision.warning)
    host = next((p for p in booking.participants if p.role == "host"), None)
    problems += checklist_unmet(booking, orgs_of.get(host.organisation_her_id) if host else None, parties)
    if problems:
        raise Unmet(problems)
    support = room or _default_support(actor.organisation)
    meeting = Meeting.objects.create(
        purpose=booking.purpose, title=booking.title or (service.name if service else _("Videomøte")),
        service=service, episode=episode, patient_id=episode.patient_id if episode else "",
        request_state=(Meeting.Request.CONFIRMED if service and service.organisation_id == actor.organisation.pk
                       else Meeting.Request.REQUESTED if service else Meeting.Request.NONE),
        organisation=actor.organisation, booked_by=actor.name, room=room, start=booking.start, end=booking.end,
        room_name=new_room_name(), warnings=warnings, patient_informed=booking.patient_informed,
        identification=booking.identification, lobby=booking.lobby, recording_off=booking.recording_off,
        support_phone=getattr(support, "support_phone", ""), support_hours=getattr(support, "support_hours", ""),
        note_required=booking.purpose == "clinical")
    Participant.objects.bulk_create([
        Participant(meeting=meeting, role=p.role, name=p.name.strip(), email=p.email.strip(),
                    organisation=orgs_of.get(p.organisation_her_id), position=i)
        for i, p in enumerate(booking.participants)])
    meeting.organisations.set(parties | {o.pk for o in orgs_of.values() if o is not None}
                              | ({room.organisation_id} if room else set()))
    links = issue_links(meeting)
    invitations.send_invitations(meeting, {p.pk: url for p, url in links})
    return meeting, links


class _Support:
    def __init__(self, phone: str, hours: str):
        self.support_phone, self.support_hours = phone, hours


def _default_support(org: Organisation) -> _Support:
    """Without a room, the organisation's support contact point (or its on-call line) is named."""
    contact = org.contacts.filter(role__icontains="støtte").first() or org.contacts.first()
    if contact is not None:
        return _Support(contact.phone, contact.available)
    return _Support(org.ma_on_call_phone or org.ma_phone, "")


def new_room_name() -> str:
    # 128 random bits: not guessable, and no personal data in a name that travels in URLs and logs.
    return "samhand-" + secrets.token_hex(16)


def checklist_met(meeting: Meeting) -> bool:
    roles = set(meeting.participants.values_list("role", flat=True))
    with_patient = bool(roles & {"patient", "relative"})
    return (meeting.lobby and meeting.recording_off and (meeting.patient_informed or not with_patient)
            and ("patient" not in roles or meeting.identification in IDENTIFICATION))


def issue_links(meeting: Meeting) -> list[tuple[Participant, str]]:
    """One personal link per participant, valid for the slot; none unless the checklist holds."""
    if meeting.status != Meeting.Status.BOOKED or not checklist_met(meeting):
        return []
    try:
        provider = get_provider(meeting.provider)
    except ProviderNotConfigured as exc:
        raise Refused("video-provider-not-configured", str(exc), status=503) from None
    slot = Slot(meeting.room_name, meeting.start, meeting.end)
    people = list(meeting.participants.select_related("organisation"))
    return [(p, provider.link(slot, Guest(str(p.pk), p.name, p.email, p.role,
                                          p.organisation.name if p.organisation else ""))) for p in people]


def _own(meeting: Meeting, actor: Actor) -> None:
    if meeting.organisation_id != actor.organisation.pk:
        raise Refused("forbidden", "only the booking organisation may change the meeting", status=403)


@transaction.atomic
def move_meeting(meeting: Meeting, actor: Actor, start: datetime, end: datetime) -> list[tuple[Participant, str]]:
    """Move the meeting: the room is checked again, SEQUENCE goes up and everyone gets new links."""
    _own(meeting, actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.BOOKED:
        raise Refused("not-booked", "only a booked meeting can be moved", status=409)
    problems = []
    if end <= start or end - start > MAX_LENGTH or end <= clock.now():
        problems.append(("slot", _("Møtet må slutte etter at det starter, og vare høyst åtte timer.")))
    if meeting.room_id:
        decision = rooms.bookable(meeting.room, meeting.purpose, on=start.date())
        if not decision.allowed:
            problems.append(("room", decision.reason))
    if problems:
        raise Unmet(problems)
    meeting.start, meeting.end = start, end
    meeting.sequence += 1
    meeting.proposed_start = meeting.proposed_end = None
    meeting.save(update_fields=["start", "end", "sequence", "proposed_start", "proposed_end"])
    links = issue_links(meeting)
    invitations.send_invitations(meeting, {p.pk: url for p, url in links})
    return links


@transaction.atomic
def cancel_meeting(meeting: Meeting, actor: Actor) -> None:
    _own(meeting, actor)
    updated = Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.BOOKED).update(
        status=Meeting.Status.CANCELLED, sequence=meeting.sequence + 1, outcome_at=clock.now(), note_required=False)
    if not updated:
        raise Refused("not-booked", "only a booked meeting can be cancelled", status=409)
    meeting.refresh_from_db()
    invitations.send_invitations(meeting, {}, method="CANCEL")


# -- the department's answer to a service booking (S16) ----------------------------------------

def _department(meeting: Meeting, actor: Actor) -> None:
    if meeting.service is None or meeting.service.organisation_id != actor.organisation.pk:
        raise Refused("forbidden", "only the service's department answers a booking", status=403)
    if meeting.status != Meeting.Status.BOOKED:
        raise Refused("not-booked", "the meeting is not booked", status=409)


@transaction.atomic
def confirm(meeting: Meeting, actor: Actor) -> None:
    _department(meeting, actor)
    Meeting.objects.filter(pk=meeting.pk).update(request_state=Meeting.Request.CONFIRMED,
                                                 proposed_start=None, proposed_end=None)


@transaction.atomic
def propose(meeting: Meeting, actor: Actor, start: datetime, end: datetime) -> None:
    """The department cannot take the slot and proposes another; the booker accepts or cancels."""
    _department(meeting, actor)
    if end <= start or start <= clock.now():
        raise Unmet([("slot", _("Foreslått tidspunkt må ligge fram i tid."))])
    Meeting.objects.filter(pk=meeting.pk).update(request_state=Meeting.Request.PROPOSED,
                                                 proposed_start=start, proposed_end=end)


@transaction.atomic
def accept_proposal(meeting: Meeting, actor: Actor) -> list[tuple[Participant, str]]:
    _own(meeting, actor)
    if meeting.request_state != Meeting.Request.PROPOSED or meeting.proposed_start is None:
        raise Refused("no-proposal", "there is no proposed time to accept", status=409)
    links = move_meeting(meeting, actor, meeting.proposed_start, meeting.proposed_end)
    Meeting.objects.filter(pk=meeting.pk).update(request_state=Meeting.Request.CONFIRMED)
    return links
