"""Use of video (S17): what happened in a meeting, technical failures, and the record note.

A technical failure is recorded with its cause and published as the outbox event
``video-technical-failure`` (data: meeting, cause, organisation HER-id), so the deviations room can
turn it into an avvik draft. After a clinical meeting the host is reminded to write a note in the
patient's record; the reminder and its completion are both recorded.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction

from samhand.exchange.errors import Refused
from samhand.exchange.outbox import publish
from samhand.lib import clock


from .access import Actor
from .models import Meeting, Participant

log = logging.getLogger(__name__)

OUTCOMES = ("held", "failed")
FAILURE_EVENT = "video-technical-failure"


@transaction.atomic
def record_outcome(meeting: Meeting, actor: Actor, *, outcome: str, duration_minutes: int | None = None,
                   cause: str = "") -> Meeting:
    """Record that the meeting was held, or failed for a technical reason (``cause`` required)."""
    if actor.organisation.pk not in set(meeting.organisations.values_list("pk", flat=True)):
        raise Refused("forbidden", "only a party to the meeting records its outcome", status=403)
    if outcome not in OUTCOMES:
        raise Refused("bad-request", f"outcome must be one of {', '.join(OUTCOMES)}", status=400)
    if outcome == "failed" and not cause.strip():
        raise Refused("bad-request", "a technical failure needs its cause", status=400)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.start > clock.now():
        raise Refused("not-started", "a meeting's outcome is recorded once it has started", status=409)
    if meeting.status not in (Meeting.Status.BOOKED, Meeting.Status.HELD, Meeting.Status.FAILED):
        raise Refused("cancelled", "a cancelled meeting has no outcome", status=409)
    first_failure = outcome == "failed" and meeting.status != Meeting.Status.FAILED
    meeting.status = Meeting.Status.HELD if outcome == "held" else Meeting.Status.FAILED
    meeting.outcome_at = clock.now()
    if duration_minutes is not None:  # a correction without a duration keeps the one recorded
        meeting.duration_minutes = duration_minutes
    meeting.failure_cause = cause.strip() if outcome == "failed" else ""
    meeting.save(update_fields=["status", "outcome_at", "duration_minutes", "failure_cause"])
    if first_failure:
        publish(FAILURE_EVENT, data={"meeting": str(meeting.pk), "cause": meeting.failure_cause,
                                      "organisation_her_id": actor.her_id, "purpose": meeting.purpose,
                                      "room": meeting.room_id},
                 detail=f"video meeting {meeting.pk}: {meeting.failure_cause}"[:500], actor=actor.name)
    return meeting


@transaction.atomic
def record_note(meeting: Meeting, actor: Actor) -> None:
    """The host's organisation confirms that the note is written in the patient's record."""
    host = meeting.participants.filter(role=Participant.Role.HOST).first()
    if host is None or host.organisation_id != actor.organisation.pk:
        raise Refused("forbidden", "only the host's organisation records the note", status=403)
    if meeting.start > clock.now():
        raise Refused("not-started", "the note is written after the meeting", status=409)
    Meeting.objects.filter(pk=meeting.pk, note_required=True, note_recorded_at__isnull=True).update(
        note_recorded_at=clock.now(), note_recorded_by=actor.name)


def notes_pending(organisation) -> list[Meeting]:
    """Clinical meetings that have ended whose host (of this organisation) has not confirmed the note."""
    return list(Meeting.objects.filter(
        note_required=True, note_recorded_at__isnull=True, end__lte=clock.now(),
        status__in=(Meeting.Status.BOOKED, Meeting.Status.HELD, Meeting.Status.FAILED),
        participants__role=Participant.Role.HOST, participants__organisation=organisation).distinct()
        .order_by("end"))


def note_reminder_step(owner: str) -> int:
    """Worker step: e-mail the host once after a clinical meeting ended without a recorded note."""
    due = list(Meeting.objects.filter(note_required=True, note_recorded_at__isnull=True, note_reminded_at__isnull=True,
                                      end__lte=clock.now(), status__in=(Meeting.Status.BOOKED, Meeting.Status.HELD,
                                                                        Meeting.Status.FAILED))
               .order_by("end")[:20])
    for meeting in due:
        if not Meeting.objects.filter(pk=meeting.pk, note_reminded_at__isnull=True).update(
                note_reminded_at=clock.now()):
            continue  # another worker got there first
        host = meeting.participants.filter(role=Participant.Role.HOST).first()
        if host is None or not host.email:
            continue
        try:
            send_mail(f"Husk journalnotat: {meeting.title}",
                      f"Videomøtet «{meeting.title}» er over. Husk å skrive notat i pasientens journal, og "
                      f"marker det som gjort på møtesiden i samhand.", None, [host.email])
        except Exception:  # noqa: BLE001 - the page still shows the pending note
            log.exception("note reminder for meeting %s failed", meeting.pk)
    return len(due)
