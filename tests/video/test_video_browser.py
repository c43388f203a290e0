"""The video pages in a real Chromium: a Tromsø nurse books UNN's discharge meeting from the
catalogue with the patient and a relative, UNN confirms it, a technical failure shows in the
quarter's use against the plan (with its chart), and an overdue room is flagged. Every page is
saved as a screenshot (SAMHAND_VIDEO_SHOTS, default test-artifacts/screenshots/video)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from videobooking import PASSWORD, room_id, slot

from samhand.access.models import AccessLog

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("SAMHAND_VIDEO_SHOTS",
                            Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "video"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, username: str) -> None:
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/logg-inn/" not in url)


def test_nurse_books_discharge_meeting_unn_confirms_and_use_is_reported(episode, people, page_for, clock):
    from samhand.video.models import Meeting

    page = page_for()
    login(page, "tromso.sykepleier")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Video").click()
    page.get_by_role("heading", name="Videomøter", level=1).wait_for()
    page.get_by_role("link", name="Videotjenester").click()
    assert page.get_by_role("heading", name="Utskrivningsmøte på video").is_visible()
    shot(page, "01-tjenester")
    page.get_by_role("link", name="Bestill Utskrivningsmøte på video").click()

    # First without the patient being informed: refused, nothing booked.
    page.get_by_label("Pasientens forløp").select_option(str(episode.pk))
    assert episode.patient_id in page.get_by_label("Pasientens forløp").inner_text()
    page.get_by_label("Rom", exact=True).select_option(str(room_id("Klinisk videorom 2. etasje")))
    start, _end = slot()
    page.get_by_label("Start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Navn, deltaker 1").fill("Kari Nordmann")
    page.get_by_label("HER-id, deltaker 1").fill("8201001")
    page.get_by_label("E-post, deltaker 1").fill("kari@tromso.kommune.example.no")
    page.get_by_label("Rolle, deltaker 2").select_option("health-personnel")
    page.get_by_label("Navn, deltaker 2").fill("Ola Lege")
    page.get_by_label("HER-id, deltaker 2").fill("8100101")
    page.get_by_label("Rolle, deltaker 3").select_option("patient")
    page.get_by_label("Navn, deltaker 3").fill("Per Pasient")
    page.get_by_label("Rolle, deltaker 4").select_option("relative")
    page.get_by_label("Navn, deltaker 4").fill("Pia Pårørende")
    page.get_by_role("button", name="Book og send invitasjoner").click()
    alert = page.get_by_role("alert")
    assert "Pasienten er ikke informert" in alert.inner_text()
    assert "identifisering" in alert.inner_text().lower()
    shot(page, "02-booking-avvist-sjekkliste")
    assert Meeting.objects.count() == 0

    page.get_by_label("Pasienten er informert om videomøtet").check()
    page.get_by_label("Identifisering av pasienten").select_option("id-on-camera")
    page.get_by_role("button", name="Book og send invitasjoner").click()
    page.get_by_role("heading", name="Utskrivningsmøte på video", level=1).wait_for()
    meeting = Meeting.objects.get()
    assert page.get_by_role("status").inner_text().startswith("Videomøtet er booket")
    links = page.locator("a.linkbox").evaluate_all("links => links.map(a => a.href)")
    assert len(links) == 4 and all(meeting.room_name in url and "jwt=" in url for url in links)
    assert AccessLog.objects.filter(actor="tromso.sykepleier", purpose="portal-video-meeting").exists()
    page.get_by_text("Informasjon til pasient/pårørende").first.click()
    shot(page, "03-mote-booket")
    page.get_by_role("link", name="Videomøter").click()
    assert "Utskrivningsmøte på video" in page.locator("table tbody").inner_text()
    shot(page, "03b-videomoter-tromso")

    # UNN's department confirms the booking; once the meeting has started, UNN records a failure.
    clock.now = meeting.start + timedelta(minutes=5)
    unn = page_for()
    login(unn, "unn.lege")
    unn.goto("/video/")
    unn.get_by_role("link", name="Utskrivningsmøte på video").first.click()
    assert unn.locator("a.linkbox").count() == 0  # UNN did not book: no personal links
    unn.get_by_role("button", name="Bekreft bestillingen").click()
    assert "bekreftet" in unn.get_by_role("status").inner_text()
    meeting.refresh_from_db()
    assert meeting.request_state == "confirmed"
    unn.get_by_label("Utfall").select_option("failed")
    unn.get_by_label("Varighet (minutter)").fill("12")
    unn.get_by_label("Årsak til teknisk feil").fill("Lyden falt ut i kommunens rom")
    unn.get_by_role("button", name="Registrer", exact=True).click()
    assert "Teknisk feil" in unn.locator("dl.meta").inner_text()
    shot(unn, "04-mote-unn-teknisk-feil")

    unn.get_by_role("link", name="Plan og bruk").click()
    unn.locator("#chart-video").wait_for()
    failures = unn.locator("ul.failures").inner_text()
    assert "Lyden falt ut i kommunens rom" in failures
    assert "Høyst andel møter med teknisk feil" in unn.locator("table").first.inner_text()
    unn.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-video'))")
    shot(unn, "05-plan-og-bruk-unn")


def test_rooms_overdue_flag_and_english(video, people, page_for):
    page = page_for()
    login(page, "balsfjord.ma")
    page.goto("/video/rom/")
    card = page.locator("section.card", has=page.get_by_role("heading", name=re.compile("Møterom Malangen")))
    assert "Kontroll forfalt" in card.inner_text()
    shot(page, "06-rom-balsfjord")
    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name=re.compile("Bytt språk|Change language")).click()
    page.get_by_role("heading", name="Rooms and equipment").wait_for()
    assert "Check overdue" in page.locator("section.card").first.inner_text() or "Check overdue" in page.content()
    shot(page, "07-rooms-english")
    page.goto("/video/moter/ny/")
    page.get_by_role("heading", name="Book a video meeting").wait_for()
    assert page.get_by_text("Security checklist", exact=True).is_visible()
    shot(page, "08-book-english")
