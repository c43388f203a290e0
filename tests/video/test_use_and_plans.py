"""Use against the plan (S17), technical failures as events, the record-note reminder with time
travel, equipment checks (S18) and the care relations the access broker may ask for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from videobooking import discharge_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    """The video-technical-failure events in the outbox."""
    from samhand.exchange.models import Event

    return lambda: [{"kind": e.kind, "data": e.data, "detail": e.detail, "actor": e.actor}
                    for e in Event.objects.filter(kind="video-technical-failure").order_by("id")]


def _actor(caller):
    from samhand.api.models import ApiClient
    from samhand.video.access import actor_for_client

    return actor_for_client(ApiClient.objects.get(system=caller.system))


def _book(tromso, episode, **changes):
    from samhand.video.models import Meeting

    response = tromso.post("/video/meetings", discharge_booking(episode, **changes))
    assert response.status_code == 201, response.content
    return Meeting.objects.get(pk=response.json()["id"])


def test_technical_failure_appears_in_the_quarter_report_against_the_plan(episode, tromso, unn, published, clock):
    from samhand.chains.models import Episode
    from samhand.directory.models import Organisation
    from samhand.exchange.errors import Refused
    from samhand.video import plans, use

    failed = _book(tromso, episode)
    held = _book(tromso, episode)
    cancelled = _book(tromso, episode)
    with pytest.raises(Refused):  # not before the meeting has started
        use.record_outcome(failed, _actor(unn), outcome="held")
    clock.now = failed.end
    use.record_outcome(failed, _actor(unn), outcome="failed", cause="Lyd falt ut hos kommunen", duration_minutes=10)
    use.record_outcome(held, _actor(tromso), outcome="held", duration_minutes=40)
    from samhand.video import meetings
    meetings.cancel_meeting(cancelled, _actor(tromso))
    Episode.objects.filter(pk=episode.pk).update(discharged_at=failed.start)

    events = published()
    assert [e["kind"] for e in events] == ["video-technical-failure"]
    assert events[0]["data"]["meeting"] == str(failed.pk) and events[0]["data"]["cause"] == "Lyd falt ut hos kommunen"
    use.record_outcome(failed, _actor(unn), outcome="failed", cause="Lyd falt ut hos kommunen")
    assert len(published()) == 1  # recording it again does not publish twice

    year, quarter = plans.quarter_of(failed.start)
    for org_her_id in ("8100000", "8201000"):  # both parties see the same use
        report = plans.quarter_use(Organisation.objects.get(her_id=org_her_id), year, quarter)
        assert (report.held, report.failed, report.cancelled) == (1, 1, 1)
        assert report.failures == [(failed, "Lyd falt ut hos kommunen")]
        assert report.minutes == 50
        assert report.by_role == {"Helsepersonell": 2, "Møteleder": 2, "Pasient": 2, "Pårørende": 2}
    unn_report = plans.quarter_use(Organisation.objects.get(her_id="8100000"), year, quarter)
    goals = {g.kind: g for g in unn_report.goals}
    # One discharge in the quarter and one discharge meeting held on video: 100 % against a goal of 30 %.
    assert goals["discharge-share"].actual == 100.0 and goals["discharge-share"].met is True
    # One of two meetings failed: 50 % against at most 10 %.
    assert goals["max-failure-share"].actual == 50.0 and goals["max-failure-share"].met is False
    assert goals["competence-sessions"].actual == 0 and goals["competence-sessions"].met is False
    chart = plans.year_chart(Organisation.objects.get(her_id="8100000"), year)
    assert chart["series"][1]["label"] == "Teknisk feil" and chart["series"][1]["data"][quarter - 1] == 1


def test_failure_needs_a_cause_and_a_party(episode, tromso, balsfjord):
    from samhand.exchange.errors import Refused
    from samhand.video import use

    meeting = _book(tromso, episode)
    with pytest.raises(Refused):
        use.record_outcome(meeting, _actor(tromso), outcome="failed", cause=" ")
    with pytest.raises(Refused):
        use.record_outcome(meeting, _actor(balsfjord), outcome="held")


def test_host_is_reminded_of_the_record_note_after_a_clinical_meeting(episode, tromso, clock):
    from samhand.video import use
    from samhand.video.models import Meeting

    meeting = _book(tromso, episode)
    mail.outbox.clear()
    assert use.note_reminder_step("test") == 0  # not over yet
    clock.now = meeting.end + timedelta(minutes=5)
    tromso_org = _actor(tromso).organisation
    assert use.notes_pending(tromso_org) == [meeting]
    assert use.note_reminder_step("test") == 1
    assert [m.to for m in mail.outbox] == [["kari.nordmann@tromso.kommune.example.no"]]
    assert "journal" in mail.outbox[0].body
    assert use.note_reminder_step("test") == 0  # once only
    use.record_note(meeting, _actor(tromso))
    meeting.refresh_from_db()
    assert meeting.note_recorded_at == clock.now and meeting.note_recorded_by == "Gerica Tromsø"
    assert use.notes_pending(tromso_org) == []
    assert Meeting.objects.get(pk=meeting.pk).note_pending is False


def test_only_the_hosts_organisation_records_the_note(episode, tromso, unn):
    from samhand.exchange.errors import Refused
    from samhand.video import use

    meeting = _book(tromso, episode)
    with pytest.raises(Refused):
        use.record_note(meeting, _actor(unn))


def test_equipment_check_moves_the_due_date_only_when_every_item_passes(video, clock):
    from samhand.video import rooms
    from samhand.video.models import CHECK_ITEMS, Equipment, Room

    room = Room.objects.get(name="Møterom Malangen")
    assert rooms.overdue(room) and not rooms.bookable(room, "clinical").allowed
    assert rooms.bookable(room, "administrative").warning
    equipment = Equipment.objects.get(asset_id="BAL-VID-001")
    check = rooms.record_check(equipment, by="it.balsfjord", items={k: k != "privacy" for k in CHECK_ITEMS})
    assert check.passed is False
    room = Room.objects.prefetch_related("equipment").get(pk=room.pk)
    assert rooms.overdue(room)
    rooms.record_check(equipment, by="it.balsfjord", items=dict.fromkeys(CHECK_ITEMS, True))
    room = Room.objects.prefetch_related("equipment").get(pk=room.pk)
    assert rooms.check_due(room) == timezone.localdate(clock.now) + timedelta(days=90)
    assert rooms.bookable(room, "clinical").allowed
    # Time passes: 91 days later it is overdue again.
    clock.now += timedelta(days=91)
    assert rooms.overdue(room)
    with pytest.raises(ValueError):
        rooms.record_check(equipment, by="x", items={"coffee": True})


def test_meetings_for_gives_care_relations(episode, tromso):
    from samhand.directory.models import Organisation
    from samhand.video import meetings
    from samhand.video.relations import meetings_for

    meeting = _book(tromso, episode)
    unn, tromso_org = (Organisation.objects.get(her_id=h).pk for h in ("8100000", "8201000"))
    relations = meetings_for(episode.patient_id, since=meeting.start - timedelta(days=1))
    assert relations == [(min(unn, tromso_org), max(unn, tromso_org), meeting.start)]
    assert meetings_for(episode.patient_id, since=meeting.start + timedelta(minutes=1)) == []
    assert meetings_for("01010100000") == []
    meetings.cancel_meeting(meeting, _actor(tromso))
    assert meetings_for(episode.patient_id) == []
