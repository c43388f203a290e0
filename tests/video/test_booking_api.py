"""The issue's main scenario through the API: a municipal nurse books UNN's discharge meeting for a
patient with an open episode, with the patient and a relative. Every participant's JWT is checked
with PyJWT against the real secret; the invitation must parse as iCalendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.conf import settings
from django.core import mail
from icalendar import Calendar
from videobooking import discharge_booking, room_id, service_id, slot

pytestmark = pytest.mark.django_db(transaction=True)  # invitations go out on commit


def _claims(url: str) -> dict:
    token = parse_qs(urlsplit(url).query)["jwt"][0]
    # Real verification: signature with the configured secret, audience and issuer; the window
    # itself is checked below against the slot, so nbf/exp are not enforced at "now" here.
    return jwt.decode(token, settings.SAMHAND_VIDEO_SECRET, algorithms=["HS256"],
                      audience=settings.SAMHAND_VIDEO_AUDIENCE, issuer=settings.SAMHAND_VIDEO_APP_ID,
                      options={"verify_nbf": False, "verify_exp": False})


def test_municipal_nurse_books_discharge_meeting_with_patient_and_relative(episode, tromso):
    body = discharge_booking(episode)
    response = tromso.post("/video/meetings", body)
    assert response.status_code == 201, response.content
    out = response.json()
    links = {link["role"]: link for link in out["links"]}
    assert sorted(links) == ["health-personnel", "host", "patient", "relative"]
    assert out["requestState"] == "requested"  # UNN's department still has to confirm

    from samhand.video.models import Meeting
    meeting = Meeting.objects.get(pk=out["id"])
    start, end = datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"])
    room_names = set()
    for link in links.values():
        assert link["url"].startswith(f"{settings.SAMHAND_VIDEO_URL}/{meeting.room_name}?jwt=")
        claims = _claims(link["url"])
        room_names.add(claims["room"])
        assert claims["sub"] == "meet.samhand-demo.invalid"
        assert start.timestamp() <= claims["nbf"] < claims["exp"] <= end.timestamp()
        assert claims["context"]["user"]["name"] == link["participant"]
        assert claims["context"]["features"]["recording"] is False
    assert room_names == {meeting.room_name}
    assert meeting.room_name.startswith("samhand-") and len(meeting.room_name) == 40
    assert "Per" not in meeting.room_name and "Pasient" not in meeting.room_name

    host = _claims(links["host"]["url"])
    assert host["moderator"] is True and host["context"]["user"]["affiliation"] == "owner"
    assert host["context"]["user"]["organisation"] == "Tromsø kommune"
    assert host["context"]["features"]["lobby_bypass"] is True
    for role in ("patient", "relative", "health-personnel"):
        claims = _claims(links[role]["url"])
        assert claims["moderator"] is False, role
        assert claims["context"]["user"]["moderator"] is False
        assert claims["context"]["user"]["affiliation"] == "member"
        assert claims["lobby"] is True and claims["context"]["features"]["lobby_bypass"] is False

    # Before the slot the token is not yet valid, and it is refused with another secret.
    token = parse_qs(urlsplit(links["patient"]["url"]).query)["jwt"][0]
    with pytest.raises(jwt.ImmatureSignatureError):
        jwt.decode(token, settings.SAMHAND_VIDEO_SECRET, algorithms=["HS256"], audience=settings.SAMHAND_VIDEO_AUDIENCE)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "x" * 40, algorithms=["HS256"], audience=settings.SAMHAND_VIDEO_AUDIENCE)

    # The episode, patient and both organisations are on the meeting.
    assert meeting.episode_id == episode.pk and meeting.patient_id == episode.patient_id
    assert set(meeting.organisations.values_list("her_id", flat=True)) == {"8201000", "8100000"}

    # Invitations: health personnel get an iCalendar REQUEST with their own link; the patient the text.
    by_to = {m.to[0]: m for m in mail.outbox}
    nurse = by_to["kari.nordmann@tromso.kommune.example.no"]
    ics = next(a for a in nurse.attachments if a[0] == "invitation.ics")[1]
    cal = Calendar.from_ical(ics)
    assert str(cal["method"]) == "REQUEST"
    event = next(iter(cal.walk("VEVENT")))
    assert event.decoded("dtstart") == start and event.decoded("dtend") == end
    assert links["host"]["url"] in str(event["description"])
    assert links["patient"]["url"] not in str(event["description"]) and "Per Pasient" not in str(ics)
    patient_mail = by_to["per@example.no"]
    assert links["patient"]["url"] in patient_mail.body
    assert "venterom" in patient_mail.body and "+47 77 01 30 00" in patient_mail.body
    assert not patient_mail.attachments

    # The API's shared calendar copy parses too and carries no personal link.
    response = tromso.get(f"/video/meetings/{meeting.pk}/calendar.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["uid"]) == f"video-{meeting.pk}@samhand" and int(event["sequence"]) == 0
    assert "jwt=" not in response.content.decode()
    assert episode.patient_id not in response.content.decode() and "Per Pasient" not in response.content.decode()


def test_room_with_overdue_check_is_refused_for_the_discharge_meeting(episode, tromso):
    # Balsfjord's meeting room is overdue; Tromsø may not use it anyway, so give Tromsø an overdue room.
    from samhand.video.models import Meeting, Room
    room = Room.objects.get(name="Klinisk videorom 2. etasje")
    room.equipment.update(next_due=room.equipment.first().next_due.replace(year=2020))
    response = tromso.post("/video/meetings", discharge_booking(episode))
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["code"] == "refused"
    assert [e["code"] for e in problem["errors"]] == ["room"]
    assert "forfalt" in problem["errors"][0]["text"]
    assert Meeting.objects.count() == 0


def test_overdue_room_is_allowed_with_a_warning_for_an_administrative_meeting(video, balsfjord):
    start, end = slot()
    body = {"purpose": "administrative", "title": "Samarbeidsmøte IKT", "roomId": room_id("Møterom Malangen"),
            "start": start.isoformat(), "end": end.isoformat(),
            "participants": [{"role": "host", "name": "Berit Balsfjord", "organisationHerId": "8202001"}],
            "checklist": {"lobby": True, "recordingOff": True}}
    response = balsfjord.post("/video/meetings", body)
    assert response.status_code == 201, response.content
    assert "forfalt" in response.json()["warnings"][0]
    # The same room for a clinical meeting: refused.
    rooms = {r["name"]: r for r in balsfjord.get("/video/rooms").json()}
    assert rooms["Møterom Malangen"]["bookableClinical"] is False and rooms["Møterom Malangen"]["overdue"] is True
    assert rooms["Videorom sykehjemmet"]["bookableClinical"] is True


def test_incomplete_checklist_gets_no_links_and_lists_every_unmet_item(episode, tromso):
    from samhand.video.models import Meeting

    body = discharge_booking(episode, checklist={"patientInformed": False, "lobby": False, "recordingOff": True})
    response = tromso.post("/video/meetings", body)
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["code"] == "unmet-checklist"
    assert {e["code"] for e in problem["errors"]} == {"patientInformed", "identification", "lobby"}
    assert "links" not in problem and Meeting.objects.count() == 0
    assert not mail.outbox


def test_host_must_be_health_personnel_of_a_party(episode, tromso):
    body = discharge_booking(episode)
    body["participants"][0]["organisationHerId"] = "8204001"  # Lyngen: not a party to this meeting
    response = tromso.post("/video/meetings", body)
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["errors"]] == ["hostHealthPersonnel"]
    body["participants"][0]["role"] = "health-personnel"  # and without a host at all
    response = tromso.post("/video/meetings", body)
    assert [e["code"] for e in response.json()["errors"]] == ["hostHealthPersonnel"]


def test_patient_needs_the_episode_and_a_clinical_purpose(episode, tromso):
    body = discharge_booking(episode, episodeId=None)
    response = tromso.post("/video/meetings", body)
    assert response.status_code == 422 and "episode" in [e["code"] for e in response.json()["errors"]]


def test_lead_time_of_the_service(episode, tromso):
    start, end = slot(days=0, hour=23)
    response = tromso.post("/video/meetings", discharge_booking(episode, start=start.isoformat(), end=end.isoformat()))
    assert response.status_code == 422 and "leadTime" in [e["code"] for e in response.json()["errors"]]


def test_other_organisation_cannot_see_the_meeting_or_use_the_episode(episode, tromso, balsfjord):
    response = tromso.post("/video/meetings", discharge_booking(episode))
    meeting_id = response.json()["id"]
    assert balsfjord.get(f"/video/meetings/{meeting_id}/calendar.ics").status_code == 404
    # Balsfjord does not take part in the episode: it is not found for Balsfjord.
    body = discharge_booking(episode, roomId=room_id("Videorom sykehjemmet"))
    body["participants"][0]["organisationHerId"] = "8202001"
    assert balsfjord.post("/video/meetings", body).status_code == 404


def test_services_catalogue_and_rooms(video, tromso, unn):
    services = {s["code"]: s for s in tromso.get("/video/services").json()}
    assert set(services) == {"discharge-meeting", "joint-assessment", "guidance", "competence-session"}
    discharge = services["discharge-meeting"]
    assert discharge["organisationHerId"] == "8100000" and discharge["departmentHerId"] == "8100101"
    assert discharge["leadTimeHours"] == 24 and discharge["contact"]["phone"]
    rooms = unn.get("/video/rooms").json()
    assert {r["organisation"] for r in rooms} == {"Universitetssykehuset Nord-Norge HF"}
    assert all(r["checkDue"] and r["bookableClinical"] for r in rooms)
    assert service_id("discharge-meeting") == discharge["id"]


def test_moving_and_cancelling_send_updates_with_a_higher_sequence(episode, tromso):
    from samhand.video import meetings
    from samhand.video.access import actor_for_client
    from samhand.video.models import Meeting

    out = tromso.post("/video/meetings", discharge_booking(episode)).json()
    meeting = Meeting.objects.get(pk=out["id"])
    mail.outbox.clear()
    from samhand.api.models import ApiClient
    actor = actor_for_client(ApiClient.objects.get(system=tromso.system))
    links = meetings.move_meeting(meeting, actor, meeting.start + timedelta(days=1), meeting.end + timedelta(days=1))
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and len(links) == 4
    cal = Calendar.from_ical(next(a for m in mail.outbox for a in m.attachments)[1])
    assert str(cal["method"]) == "REQUEST" and int(next(iter(cal.walk("VEVENT")))["sequence"]) == 1
    assert _claims(links[0][1])["nbf"] == int(meeting.start.timestamp())
    mail.outbox.clear()
    meetings.cancel_meeting(meeting, actor)
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and meeting.sequence == 2
    invites = [a for m in mail.outbox for a in m.attachments]
    assert invites, "the health personnel get the cancellation"
    cal = Calendar.from_ical(invites[0][1])
    event = next(iter(cal.walk("VEVENT")))
    assert str(cal["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 2
    assert any("avlyst" in m.body for m in mail.outbox if m.to == ["per@example.no"])
    assert meetings.issue_links(meeting) == []  # a cancelled meeting has no links
    response = tromso.get(f"/video/meetings/{meeting.pk}/calendar.ics")
    assert str(Calendar.from_ical(response.content)["method"]) == "CANCEL"


def test_department_confirms_or_proposes_another_time(episode, tromso, unn):
    from samhand.api.models import ApiClient
    from samhand.exchange.errors import Refused
    from samhand.video import meetings
    from samhand.video.access import actor_for_client
    from samhand.video.models import Meeting

    out = tromso.post("/video/meetings", discharge_booking(episode)).json()
    meeting = Meeting.objects.get(pk=out["id"])
    tromso_actor = actor_for_client(ApiClient.objects.get(system=tromso.system))
    unn_actor = actor_for_client(ApiClient.objects.get(system=unn.system))
    with pytest.raises(Refused):
        meetings.confirm(meeting, tromso_actor)  # only the department answers
    new_start = meeting.start + timedelta(days=2)
    meetings.propose(meeting, unn_actor, new_start, new_start + timedelta(minutes=45))
    meeting.refresh_from_db()
    assert meeting.request_state == "proposed"
    links = meetings.accept_proposal(meeting, tromso_actor)
    meeting.refresh_from_db()
    assert meeting.request_state == "confirmed" and meeting.start == new_start and meeting.sequence == 1
    assert _claims(links[0][1])["nbf"] == int(new_start.timestamp())


def test_provider_fails_closed_without_credentials(episode, tromso, settings):
    from samhand.video.models import Meeting

    settings.SAMHAND_VIDEO_SECRET = ""
    response = tromso.post("/video/meetings", discharge_booking(episode))
    assert response.status_code == 503 and response.json()["code"] == "video-provider-not-configured"
    assert Meeting.objects.count() == 0
