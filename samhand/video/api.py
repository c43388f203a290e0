"""REST endpoints for booking systems and EPRs, mounted under /api/v1/video.

An API key acts for its organisation (the one its parties belong to); a key acting for none gets
403. Rules and checklist items that are not met come back as 422 problem details whose ``errors``
list every unmet item (``{code, text}``), so the caller can show them all at once.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.http import HttpResponse
from ninja import Field, Router, Schema

from samhand.lib.problems import PROBLEMS, Problem

from . import invitations, meetings, rooms
from .access import actor_for_client, meeting_for
from .models import Room, Service

router = Router(tags=["video"])


class RoomOut(Schema):
    id: int
    name: str
    organisation: str
    organisationHerId: str
    site: str
    kind: str
    capacity: int
    network: str
    checkDue: date | None
    overdue: bool
    bookableClinical: bool
    supportPhone: str
    supportHours: str


class ContactOut(Schema):
    name: str
    phone: str
    email: str | None


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    organisation: str
    organisationHerId: str
    department: str | None
    departmentHerId: str | None
    purpose: str
    description: str
    durationMinutes: int
    whoMayRequest: str
    leadTimeHours: int
    contact: ContactOut


class ParticipantIn(Schema):
    role: str = Field(..., description="host | health-personnel | patient | relative | interpreter")
    name: str = Field(..., min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    organisationHerId: str | None = Field(None, max_length=10)


class ChecklistIn(Schema):
    patientInformed: bool = False
    identification: str | None = Field(None, description="id-on-camera | electronic-id | known-to-staff")
    lobby: bool = False
    recordingOff: bool = False


class MeetingIn(Schema):
    purpose: str = Field(..., description="clinical | competence | administrative")
    title: str | None = Field(None, max_length=200, description="No personal data: it goes into calendars")
    serviceId: int | None = None
    episodeId: UUID | None = None
    roomId: int | None = None
    start: datetime
    end: datetime
    participants: list[ParticipantIn]
    checklist: ChecklistIn


class LinkOut(Schema):
    participant: str
    participantId: UUID
    role: str
    url: str


class MeetingOut(Schema):
    id: UUID
    requestState: str | None
    links: list[LinkOut]
    warnings: list[str]


def room_out(room: Room) -> RoomOut:
    due = rooms.check_due(room)
    return RoomOut(id=room.pk, name=room.name, organisation=room.organisation.name,
                   organisationHerId=room.organisation.her_id, site=room.site, kind=room.kind,
                   capacity=room.capacity, network=room.network, checkDue=due, overdue=rooms.overdue(room),
                   bookableClinical=rooms.bookable(room, "clinical").allowed, supportPhone=room.support_phone,
                   supportHours=room.support_hours)


@router.get("/video/rooms", response={200: list[RoomOut], **PROBLEMS},
            summary="Your organisation's video rooms, with the due date of their quality check")
def list_rooms(request):
    actor = actor_for_client(request.api_client)
    return 200, [room_out(r) for r in rooms.rooms_for(actor.organisation)]


@router.get("/video/services", response={200: list[ServiceOut], **PROBLEMS},
            summary="The catalogue of video services (e.g. UNN's discharge meeting)")
def list_services(request):
    actor_for_client(request.api_client)
    services = Service.objects.filter(active=True).select_related("organisation", "department")
    return 200, [ServiceOut(
        id=s.pk, code=s.code, name=s.name, organisation=s.organisation.name, organisationHerId=s.organisation.her_id,
        department=s.department.name if s.department else None,
        departmentHerId=s.department.her_id if s.department else None, purpose=s.purpose,
        description=s.description, durationMinutes=s.duration_minutes, whoMayRequest=s.who_may_request,
        leadTimeHours=s.lead_time_hours,
        contact=ContactOut(name=s.contact_name, phone=s.contact_phone, email=s.contact_email or None))
        for s in services]


@router.post("/video/meetings", response={201: MeetingOut, **PROBLEMS, 503: Problem},
             summary="Book a meeting; every participant gets a personal link (422: unmet checklist or blocked room)")
def post_meeting(request, body: MeetingIn):
    actor = actor_for_client(request.api_client)
    c = body.checklist
    booking = meetings.Booking(
        purpose=body.purpose, title=body.title or "", service_id=body.serviceId,
        episode_id=str(body.episodeId) if body.episodeId else None, room_id=body.roomId,
        start=body.start, end=body.end,
        participants=[meetings.Person(p.role, p.name, p.email or "", p.organisationHerId or "")
                      for p in body.participants],
        patient_informed=c.patientInformed, identification=c.identification or "", lobby=c.lobby,
        recording_off=c.recordingOff)
    meeting, links = meetings.book_meeting(actor, booking)
    return 201, MeetingOut(id=meeting.pk, requestState=meeting.request_state or None, warnings=meeting.warnings,
                           links=[LinkOut(participant=p.name, participantId=p.pk, role=p.role, url=url)
                                  for p, url in links])


@router.get("/video/meetings/{id}/calendar.ics", response={200: None, **PROBLEMS},
            summary="The meeting as an iCalendar invitation (text/calendar; personal links go by e-mail)")
def meeting_calendar(request, id: UUID):
    actor = actor_for_client(request.api_client)
    meeting = meeting_for(actor, id)
    method = "CANCEL" if meeting.status == meeting.Status.CANCELLED else "REQUEST"
    response = HttpResponse(invitations.calendar(meeting, method=method),
                            content_type=f"text/calendar; method={method}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="videomote-{meeting.pk}.ics"'
    return response
