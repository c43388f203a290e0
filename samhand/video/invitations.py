"""Invitations (RFC 5545 iCalendar by e-mail) and the information text for patients and relatives.

Health personnel get a calendar invitation (METHOD:REQUEST) with their personal link; patients and
relatives get their link and a plain-Norwegian text on what to expect, how to test and whom to
call. Moving a meeting sends REQUEST again with a higher SEQUENCE; cancelling sends METHOD:CANCEL.
The calendar event never names the patient: the summary is the meeting's title and purpose.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from icalendar import Calendar, Event, vCalAddress, vText

from samhand.lib import clock

from .models import Meeting, Participant

log = logging.getLogger(__name__)

PRODID = "-//samhand//videomøter//NO"


def uid(meeting: Meeting) -> str:
    return f"video-{meeting.pk}@samhand"


def calendar(meeting: Meeting, *, method: str = "REQUEST", link: str = "", attendees=None) -> bytes:
    """The meeting as an iCalendar object; ``link`` is the recipient's personal URL (never in the
    API's shared copy); ``attendees`` default to the health personnel with an e-mail address."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", clock.now())
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end)
    event.add("summary", f"Videomøte: {meeting.title}")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    description = [f"Formål: {meeting.get_purpose_display()}."]
    if link:
        description.append(f"Din personlige lenke (ikke del den): {link}")
        event.add("location", vText(link))
        event.add("url", link)
    else:
        description.append("Hver deltaker får sin egen lenke på e-post.")
    if meeting.support_phone:
        description.append(f"Brukerstøtte: {meeting.support_phone} ({meeting.support_hours}).")
    event.add("description", "\n".join(description))
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(meeting.organisation.name)
    event.add("organizer", organizer)
    people = attendees if attendees is not None else [p for p in meeting.participants.all()
                                                      if p.is_health_personnel and p.email]
    for person in people:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.name)
        attendee.params["role"] = vText("CHAIR" if person.role == Participant.Role.HOST else "REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()


def information_text(meeting: Meeting, participant: Participant, link: str) -> str:
    """What a patient or relative needs, in plain Norwegian (S2)."""
    when = clock_text(meeting)
    host = next((p for p in meeting.participants.all() if p.role == Participant.Role.HOST), None)
    lines = [
        f"Hei {participant.name},",
        "",
        f"Du er invitert til et videomøte {when}.",
        f"Møtet handler om: {meeting.title}.",
        "",
        "Slik går du fram:",
        "1. Bruk en mobil, et nettbrett eller en PC med kamera og mikrofon.",
        "2. Åpne lenken under noen minutter før møtet. Lenken virker bare i møtetiden, og den er bare til deg.",
        "3. Du kommer først til et venterom. Møtelederen slipper deg inn.",
        "4. Ha legitimasjon klar: du blir bedt om å vise den på kameraet, eller logge inn med BankID.",
        "",
        f"Din lenke: {link}",
        "",
        "Test gjerne utstyret ditt før møtet: åpne lenken i god tid, så ser du om kamera og lyd virker.",
        "Møtet blir ikke tatt opp.",
        "",
    ]
    if meeting.support_phone:
        lines.append(f"Trenger du hjelp? Ring {meeting.support_phone} ({meeting.support_hours}).")
    if host is not None:
        lines.append(f"Møteleder er {host.name}.")
    return "\n".join(lines)


def clock_text(meeting: Meeting) -> str:
    from django.utils import timezone

    start, end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
    return f"{start:%d.%m.%Y} kl. {start:%H:%M}–{end:%H:%M}"


def send_invitations(meeting: Meeting, links: dict, *, method: str = "REQUEST") -> None:
    """Queue the e-mails to go out when the transaction commits (never for a booking rolled back)."""
    transaction.on_commit(lambda: _send(meeting.pk, links, method))


def _send(meeting_id, links: dict, method: str) -> None:
    meeting = Meeting.objects.select_related("organisation").get(pk=meeting_id)
    sent = []
    for person in meeting.participants.all():
        if not person.email:
            continue
        link = links.get(person.pk, "")
        subject = ("Avlyst: " if method == "CANCEL" else "Endret: " if meeting.sequence else "") + \
            f"Videomøte {clock_text(meeting)}"
        try:
            if person.is_health_personnel or person.role == Participant.Role.INTERPRETER:
                body = (f"Videomøte: {meeting.title}\n{clock_text(meeting)}\n\n" +
                        ("Møtet er avlyst." if method == "CANCEL" else f"Din personlige lenke: {link}"))
                mail = EmailMessage(subject, body, to=[person.email])
                mail.attach("invitation.ics", calendar(meeting, method=method, link=link, attendees=[person]),
                            f"text/calendar; method={method}; charset=utf-8")
            else:
                body = (f"Hei {person.name},\n\nVideomøtet {clock_text(meeting)} er avlyst.\n" if method == "CANCEL"
                        else information_text(meeting, person, link))
                mail = EmailMessage(subject, body, to=[person.email])
            mail.send()
            sent.append(person.pk)
        except Exception:  # noqa: BLE001 - one bad address must not stop the others; the page shows who got it
            log.exception("video invitation to participant %s of meeting %s failed", person.pk, meeting.pk)
    if sent and method != "CANCEL":
        Participant.objects.filter(pk__in=sent).update(invited_at=clock.now())
