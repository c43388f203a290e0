"""The video pages without a browser, and the persona matrix over every new API route and page:
the outsider gets 403 (or 401 without a key), another organisation 404 for what is not its own.
Reading a meeting's patient data is written to the access log."""

from __future__ import annotations

import pytest
from videobooking import discharge_booking, room_id, slot

from samhand.access.models import AccessLog

pytestmark = pytest.mark.django_db

MEETING_POSTS = ("video_cancel", "video_confirm", "video_propose", "video_accept", "video_outcome", "video_note")


@pytest.fixture
def meeting(episode, tromso):
    from samhand.video.models import Meeting

    response = tromso.post("/video/meetings", discharge_booking(episode))
    assert response.status_code == 201, response.content
    return Meeting.objects.get(pk=response.json()["id"])


def _urls(meeting):
    from django.urls import reverse

    from samhand.video.models import Equipment

    pages = [reverse(f"portal:{n}") for n in ("video_meetings", "video_rooms", "video_services", "video_book",
                                               "video_plans")]
    pages.append(reverse("portal:video_meeting", args=[meeting.pk]))
    posts = [reverse(f"portal:{n}", args=[meeting.pk]) for n in MEETING_POSTS]
    tromso_equipment = Equipment.objects.get(asset_id="TRK-VID-011")
    posts.append(reverse("portal:video_check", args=[tromso_equipment.asset_id]))
    return pages, posts


def test_outsider_and_other_organisation_api(meeting, episode, outsider, balsfjord, client):
    start, end = slot()
    own = {"purpose": "administrative", "start": start.isoformat(), "end": end.isoformat(),
           "participants": [{"role": "host", "name": "X", "organisationHerId": "8202001"}],
           "checklist": {"lobby": True, "recordingOff": True}}
    for caller, expected in ((outsider, 403), ):
        assert caller.get("/video/rooms").status_code == expected
        assert caller.get("/video/services").status_code == expected
        assert caller.post("/video/meetings", own).status_code == expected
        assert caller.get(f"/video/meetings/{meeting.pk}/calendar.ics").status_code == expected
    # Without a key: 401 everywhere.
    for path in ("/api/v1/video/rooms", "/api/v1/video/services", f"/api/v1/video/meetings/{meeting.pk}/calendar.ics"):
        assert client.get(path).status_code == 401
    assert client.post("/api/v1/video/meetings", own, content_type="application/json").status_code == 401
    # Balsfjord: not its meeting, not its episode, not its room; its own rooms only.
    assert balsfjord.get(f"/video/meetings/{meeting.pk}/calendar.ics").status_code == 404
    assert {r["organisationHerId"] for r in balsfjord.get("/video/rooms").json()} == {"8202000"}
    foreign_room = dict(own, roomId=room_id("Klinisk videorom 2. etasje"))
    assert balsfjord.post("/video/meetings", foreign_room).status_code == 404
    foreign_episode = discharge_booking(episode, roomId=room_id("Videorom sykehjemmet"))
    foreign_episode["participants"][0]["organisationHerId"] = "8202001"
    assert balsfjord.post("/video/meetings", foreign_episode).status_code == 404
    assert balsfjord.post("/video/meetings", own).status_code == 201  # and its own booking works


def test_persona_matrix_on_every_page(meeting, as_user, client):
    pages, posts = _urls(meeting)
    outsider, balsfjord, tromso = as_user("outsider"), as_user("balsfjord.ma"), as_user("tromso.sykepleier")
    for url in pages:
        assert outsider.get(url).status_code == 403, url
        response = client.get(url)  # anonymous: to the login page
        assert response.status_code == 302 and "/logg-inn/" in response["Location"], url
        assert tromso.get(url).status_code == 200, url
    for url in posts:
        assert outsider.post(url).status_code == 403, url
        assert outsider.get(url).status_code == 403, url
        assert tromso.get(url).status_code == 405, url
        assert balsfjord.post(url, {"outcome": "held", "start": "2030-01-01T10:00"}).status_code == 404, url
    meeting_page = pages[-1]
    assert balsfjord.get(meeting_page).status_code == 404
    # The operator watches traffic, not patients: a meeting with a patient is refused.
    assert as_user("unn.drift").get(meeting_page).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == "booked"  # nothing the others posted changed it


def test_meeting_page_logs_the_read_and_shows_links_only_to_the_booker(meeting, episode, as_user):
    from django.urls import reverse

    url = reverse("portal:video_meeting", args=[meeting.pk])
    before = AccessLog.objects.filter(patient_id=episode.patient_id, purpose="portal-video-meeting").count()
    page = as_user("tromso.sykepleier").get(url).content.decode()
    assert "Per Pasient" in page and episode.patient_id in page and "jwt=" in page
    assert "Informasjon til pasient/pårørende" in page and "Du kommer først til et venterom" in page
    logged = AccessLog.objects.filter(patient_id=episode.patient_id, purpose="portal-video-meeting")
    assert logged.count() == before + 1
    assert logged.first().actor == "tromso.sykepleier" and logged.first().organisation_her_id == "8201000"
    unn_page = as_user("unn.lege").get(url).content.decode()
    assert "Per Pasient" in unn_page and "jwt=" not in unn_page  # UNN takes part but did not book
    assert "Bekreft bestillingen" in unn_page
    assert logged.count() == before + 2


def test_booking_through_the_portal_form_and_its_refusals(episode, as_user):
    from django.urls import reverse

    from samhand.video.models import Meeting, Service

    nurse = as_user("tromso.sykepleier")
    service = Service.objects.get(code="discharge-meeting")
    form = nurse.get(reverse("portal:video_book") + f"?tjeneste={service.pk}").content.decode()
    assert "Sikkerhetssjekkliste" in form and f"Pasient {episode.patient_id}" in form
    assert AccessLog.objects.filter(purpose="video-booking-form", actor="tromso.sykepleier").exists()
    start, _end = slot()
    data = {"purpose": "clinical", "service": str(service.pk), "episode": str(episode.pk),
            "room": str(room_id("Klinisk videorom 2. etasje")), "start": start.strftime("%Y-%m-%dT%H:%M"),
            "minutes": "45", "lobby": "on", "recording_off": "on",
            "p0_role": "host", "p0_name": "Kari Nordmann", "p0_her_id": "8201001",
            "p1_role": "patient", "p1_name": "Per Pasient"}
    response = nurse.post(reverse("portal:video_book"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pasienten er ikke informert" in page and "identifisering" in page.lower()
    assert Meeting.objects.count() == 0
    data.update(patient_informed="on", identification="electronic-id")
    response = nurse.post(reverse("portal:video_book"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("portal:video_meeting", args=[meeting.pk])
    assert meeting.identification == "electronic-id" and meeting.patient_id == episode.patient_id


def test_english_pages(meeting, as_user):
    from django.urls import reverse

    nurse = as_user("tromso.sykepleier")
    nurse.cookies["django_language"] = "en"
    page = nurse.get(reverse("portal:video_rooms"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rooms and equipment" in page and "Rom og utstyr" not in page
    page = nurse.get(reverse("portal:video_meeting", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Security checklist" in page
