"""Video cooperation in the portal (S15–S18): rooms and their checks, the service catalogue,
booking a meeting, the meeting page (links, the department's answer, outcome, record note) and
the video plan with quarterly use. The rules live in samhand.video; these views only call them.

Every page needs a member of an organisation; a meeting is shown only to the organisations taking
part (404 for others), and reading its patient data is written to the access log.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samhand.access import door
from samhand.chains import queries as episode_queries
from samhand.exchange.errors import NotFound, Refused
from samhand.video import access, invitations, meetings, plans, rooms, use
from samhand.video.models import Equipment, Meeting, Participant, Plan, Room, Service

from ..decorators import member_view
from .video_forms import BookingForm, CheckForm, OutcomeForm, ProposeForm, default_start


def _actor(request) -> access.Actor:
    return access.actor_for_scope(request.scope)


def _meeting(request, pk) -> Meeting:
    try:
        return access.meeting_for(_actor(request), pk)
    except NotFound:
        raise Http404(_("Ingen slikt videomøte for din organisasjon.")) from None


@member_view
def video_meetings(request):
    actor = _actor(request)
    now = meetings.clock.now()
    visible = access.visible_meetings(actor).select_related("service", "organisation", "room")
    upcoming = list(visible.filter(end__gte=now - timedelta(hours=2)).exclude(status=Meeting.Status.CANCELLED)
                    .order_by("start")[:100])
    to_answer = [m for m in upcoming if m.service and m.service.organisation_id == actor.organisation.pk
                 and m.request_state == Meeting.Request.REQUESTED]
    recent = list(visible.filter(end__lt=now - timedelta(hours=2)).order_by("-start")[:30])
    return render(request, "portal/video/meetings.html", {
        "upcoming": upcoming, "to_answer": to_answer, "recent": recent,
        "notes_pending": use.notes_pending(actor.organisation)})


@member_view
def video_rooms(request):
    listed = []
    for room in rooms.rooms_for(request.scope.organisation):
        listed.append({"room": room, "due": rooms.check_due(room), "overdue": rooms.overdue(room),
                       "clinical": rooms.bookable(room, "clinical").allowed,
                       "equipment": list(room.equipment.all())})
    return render(request, "portal/video/rooms.html", {"rooms": listed, "check_form": CheckForm()})


@member_view  # outermost: an outsider gets 403 and an anonymous visitor the login page, even on GET
@require_POST
def video_check(request, pk: str):
    # ``pk`` is the equipment's asset id (inventarnummer): what the checker reads off the label.
    equipment = (Equipment.objects.select_related("room")
                 .filter(asset_id=pk, room__organisation=request.scope.organisation).first())
    if equipment is None:
        raise Http404(_("Intet slikt utstyr for din organisasjon."))
    form = CheckForm(request.POST)
    form.is_valid()
    check = rooms.record_check(equipment, by=request.scope.username, items=form.cleaned_data)
    if check.passed:
        messages.success(request, _("Kontrollen er registrert. Neste kontroll: %(due)s.") % {
            "due": (meetings.clock.today() + equipment.interval).strftime("%d.%m.%Y")})
    else:
        messages.error(request, _("Kontrollen er registrert med avvik; utstyret er fortsatt ikke godkjent."))
    return redirect("portal:video_rooms")


@member_view
def video_services(request):
    services = Service.objects.filter(active=True).select_related("organisation", "department")
    return render(request, "portal/video/services.html", {"services": services})


def _booking_choices(request):
    scope = request.scope
    services = [(str(s.pk), f"{s.name} ({s.organisation.name})")
                for s in Service.objects.filter(active=True).select_related("organisation")]
    episodes = []
    if scope.sees_content:
        shown = list(episode_queries.with_details(episode_queries.visible_episodes(sorted(scope.her_ids)))[:200])
        # The list names patients: logged like every other list of episodes.
        door.episodes_read(door.user_actor(request.user), shown, purpose="video-booking-form", her_ids=scope.her_ids,
                           listing=True)
        episodes = [(str(e.pk), _("Pasient %(patient)s, startet %(day)s") % {
            "patient": e.patient_id, "day": e.started_at.strftime("%d.%m.%Y")}) for e in shown]
    room_list = [(str(r.pk), f"{r.name}, {r.site}" + ("" if rooms.bookable(r, "clinical").allowed
                                                       else " – " + _("kontroll forfalt")))
                 for r in rooms.rooms_for(scope.organisation) if r.active]
    return {"services": services, "episodes": episodes, "rooms": room_list}


@member_view
def video_book(request):
    if not request.scope.sees_content:
        raise PermissionDenied("meetings may carry patient data")
    choices = _booking_choices(request)
    initial = {"start": default_start(), "minutes": 45, "lobby": True, "recording_off": True,
               "p0_role": "host", "p0_her_id": request.scope.organisation.her_id}
    if request.GET.get("tjeneste"):
        service = Service.objects.filter(pk=request.GET["tjeneste"], active=True).first() \
            if request.GET["tjeneste"].isdigit() else None
        if service is not None:
            initial.update(service=str(service.pk), purpose=service.purpose, minutes=service.duration_minutes)
    form = BookingForm(request.POST or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        try:
            meeting, _links = meetings.book_meeting(_actor(request), form.booking())
        except meetings.Unmet as exc:
            for _code, text in exc.items:
                form.add_error(None, text)
        except NotFound:
            form.add_error(None, _("Tjenesten, rommet eller forløpet finnes ikke for din organisasjon."))
        except Refused as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(request, _("Videomøtet er booket, og invitasjonene er sendt."))
            return redirect("portal:video_meeting", pk=meeting.pk)
    return render(request, "portal/video/book.html", {"form": form}, status=400 if form.errors else 200)


@member_view
def video_meeting(request, pk):
    meeting = _meeting(request, pk)
    actor = _actor(request)
    try:
        access.log_read(meeting, actor, "portal-video-meeting")
    except Refused:
        raise PermissionDenied("the meeting carries patient data") from None
    participants = list(meeting.participants.select_related("organisation"))
    own = meeting.organisation_id == actor.organisation.pk
    links = {}
    if own:  # personal links are for the booking organisation to hand over, nobody else
        links = {p.pk: url for p, url in meetings.issue_links(meeting)}
    texts = {p.pk: invitations.information_text(meeting, p, links.get(p.pk, "")) for p in participants
             if p.role in (Participant.Role.PATIENT, Participant.Role.RELATIVE) and p.pk in links}
    host = next((p for p in participants if p.role == Participant.Role.HOST), None)
    department = bool(meeting.service and meeting.service.organisation_id == actor.organisation.pk)
    return render(request, "portal/video/meeting.html", {
        "meeting": meeting, "participants": [(p, links.get(p.pk), texts.get(p.pk)) for p in participants],
        "own": own, "department": department, "is_host_org": bool(host and host.organisation_id == actor.organisation.pk),
        "propose_form": ProposeForm(), "outcome_form": OutcomeForm(),
        "identification": dict(meetings.IDENTIFICATION).get(meeting.identification, ""),
        "ended": meeting.end <= meetings.clock.now(), "started": meeting.start <= meetings.clock.now()})


def _act(request, pk, action, done: str):
    meeting = _meeting(request, pk)
    try:
        action(meeting, _actor(request))
    except meetings.Unmet as exc:
        messages.error(request, " ".join(text for _c, text in exc.items))
    except Refused as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.reason) from None
        messages.error(request, exc.reason)
    else:
        messages.success(request, done)
    return redirect("portal:video_meeting", pk=meeting.pk)


@member_view
@require_POST
def video_cancel(request, pk):
    return _act(request, pk, meetings.cancel_meeting, _("Møtet er avlyst, og deltakerne har fått beskjed."))


@member_view
@require_POST
def video_confirm(request, pk):
    return _act(request, pk, meetings.confirm, _("Bestillingen er bekreftet."))


@member_view
@require_POST
def video_propose(request, pk):
    form = ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Oppgi et gyldig tidspunkt."))
        return redirect("portal:video_meeting", pk=pk)

    def propose(meeting, actor):
        start = form.cleaned_data["start"]
        meetings.propose(meeting, actor, start, start + (meeting.end - meeting.start))
    return _act(request, pk, propose, _("Nytt tidspunkt er foreslått for bestilleren."))


@member_view
@require_POST
def video_accept(request, pk):
    return _act(request, pk, meetings.accept_proposal, _("Møtet er flyttet til det foreslåtte tidspunktet."))


@member_view
@require_POST
def video_outcome(request, pk):
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Velg et utfall."))
        return redirect("portal:video_meeting", pk=pk)
    d = form.cleaned_data

    def record(meeting, actor):
        use.record_outcome(meeting, actor, outcome=d["outcome"], duration_minutes=d.get("duration"),
                           cause=d.get("cause") or "")
    return _act(request, pk, record, _("Utfallet er registrert."))


@member_view
@require_POST
def video_note(request, pk):
    return _act(request, pk, use.record_note, _("Journalnotatet er registrert som skrevet."))


@member_view
def video_plans(request):
    org = request.scope.organisation
    today = meetings.clock.today()
    try:
        year = int(request.GET.get("ar", today.year))
        quarter = int(request.GET.get("kvartal", (today.month - 1) // 3 + 1))
        report = plans.quarter_use(org, year, quarter)
    except ValueError:
        raise Http404(_("Ukjent kvartal.")) from None
    chart = plans.year_chart(org, year)
    chart_rows = [(label, [s["data"][i] for s in chart["series"]]) for i, label in enumerate(chart["labels"])]
    plan = Plan.objects.filter(organisation=org, year=year).prefetch_related("services", "goals").first()
    return render(request, "portal/video/plans.html", {
        "plan": plan, "report": report, "chart": chart, "chart_rows": chart_rows, "year": year, "quarter": quarter,
        "years": sorted({today.year - 1, today.year, year}), "quarters": (1, 2, 3, 4),
        "rooms_total": Room.objects.filter(organisation=org, active=True).count()})
