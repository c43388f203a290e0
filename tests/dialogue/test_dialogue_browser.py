"""The dialogue pages in a real Chromium, in bokmål and English: a UNN nurse asks Tromsø an urgent
question, the deadline passes (time travel) and the asking side sees "Ring nå" with the on-call
number first on its dashboard; Tromsø answers from the thread page. A Balsfjord meldingsansvarlig
marks a misdirected message; its content is gone. Screenshots go to /work/helpers/shots-dialogue/."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest

from samhand.lib import clock
from samhand.dialogue.models import Thread
from samhand.dialogue.outbox import drain

from msgfactory import readdress
from personas import BALSFJORD_CASE, TROMSO_NURSING, TROMSO_ORG, UNN_MED_TROMSO
from portalbrowser import login
from portalpeople import PASSWORD
from test_misdirected_api import KLAR

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("SAMHAND_DIALOGUE_SHOTS", Path(__file__).resolve().parents[2] / "test-artifacts"
                            / "screenshots" / "dialogue"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_urgent_dialogue_in_the_browser(unn, tromso, work, people, page_for):
    from samhand.directory.models import ContactPoint, Organisation

    org = Organisation.objects.get(her_id=TROMSO_ORG)
    org.ma_on_call_phone = "+47 77 79 00 00"
    org.save()
    ContactPoint.objects.create(organisation=org, name="Vakthavende sykepleier", role="vakt hjemmetjenesten",
                                phone="+47 915 00 000", available="døgnbemannet")
    page = page_for()
    login(page, "unn.sb", PASSWORD)
    page.get_by_role("link", name="Dialog", exact=True).click()
    page.get_by_role("heading", name=re.compile("Dialog – ")).wait_for()
    page.get_by_role("link", name="Ny forespørsel").click()
    page.get_by_label("Fra tjeneste").select_option(UNN_MED_TROMSO)
    page.get_by_label("Til tjeneste").select_option(TROMSO_NURSING)
    page.get_by_label("Pasientens fødselsnummer").fill("15076500565")
    page.get_by_label("Etternavn").fill("Nordmann")
    page.get_by_label("Fornavn").fill("Kari")
    page.get_by_label("Emne").fill("Medisiner i kveld")
    page.get_by_label("Spørsmål").fill("Skal pasienten ha Marevan i kveld? Ingen INR i epikrisen.")
    page.get_by_label(re.compile("Haster")).check()
    shot(page, "01-ny-foresporsel")
    page.get_by_role("button", name="Send forespørsel").click()
    page.get_by_text("Forespørselen er sendt").wait_for()
    work()
    drain()
    thread = Thread.objects.get(side="asking")
    later = thread.answer_by + timedelta(minutes=5)
    with mock.patch.object(clock, "now", return_value=later):
        page.goto("/")
        card = page.locator("section.urgent-dialogue")
        assert "Ring nå: +47 77 79 00 00" in card.inner_text()
        shot(page, "02-oversikt-hastesak")
        page.goto(f"/dialog/{thread.pk}/")
        call = page.get_by_role("alert")
        assert "+47 77 79 00 00" in call.inner_text() and "Vakthavende sykepleier" in call.inner_text()
        shot(page, "03-ring-na")
        page.goto("/dialog/")
        assert "Forfalt" in page.locator("#h-haster + .table-wrap, section[aria-labelledby=h-haster]").first.inner_text()
        shot(page, "04-dialog-innboks")

    other = page_for()
    login(other, "tromso.sb", PASSWORD)
    other.goto("/dialog/")
    other.get_by_role("link", name="Åpne").first.click()
    assert "Skal pasienten ha Marevan i kveld?" in other.locator("ol.dialogue").inner_text()
    other.get_by_label("Tekst").fill("Ja, 2,5 mg kl. 18. INR tas i morgen.")
    shot(other, "05-svar-skjema")
    other.get_by_role("button", name="Send svar").click()
    other.get_by_text("Svaret er sendt").wait_for()
    work()
    drain()
    page.goto(f"/dialog/{thread.pk}/")
    assert "Ja, 2,5 mg kl. 18." in page.locator("ol.dialogue").inner_text()
    assert page.get_by_role("alert").count() == 0  # no "ring nå" once answered
    shot(page, "06-besvart")

    english = page_for()
    login(english, "unn.sb", PASSWORD)
    english.locator("#lang").select_option("en")
    english.get_by_role("button", name="Bytt språk").click()
    english.wait_for_load_state()
    english.goto("/dialog/")
    english.get_by_role("heading", name=re.compile("Dialogue – ")).wait_for()
    assert "New request" in english.content()
    shot(english, "07-dialog-english")
    english.goto(f"/dialog/{thread.pk}/")
    assert "Messages" in english.content()
    shot(english, "08-thread-english")


def test_misdirected_in_the_browser(unn, balsfjord, work, people, page_for):
    sent = unn.send(readdress(KLAR, sender=UNN_MED_TROMSO, receiver=BALSFJORD_CASE)).json()["id"]
    work()
    page = page_for()
    login(page, "balsfjord.ma", PASSWORD)
    page.goto(f"/meldinger/{sent}/")
    page.get_by_label("Årsak").select_option("unknown-patient")
    page.get_by_label(re.compile("Kommentar til avsender")).fill("Ikke kjent i Balsfjord")
    shot(page, "09-feilsendt-knapp")
    page.get_by_role("button", name="Registrer som feilsendt").click()
    page.get_by_text("Meldingen er registrert som feilsendt").wait_for()
    work()
    drain()
    page.goto(f"/meldinger/{sent}/innhold/")
    assert "withdrawn" in page.content()
    shot(page, "10-innhold-trukket-tilbake")

    sender = page_for()
    login(sender, "unn.ma", PASSWORD)
    sender.goto(f"/meldinger/{sent}/")
    assert "melder at meldingen er feilsendt" in sender.locator("#feilsendt").inner_text()
    shot(sender, "11-avsender-send-pa-nytt")
    sender.goto("/varsler/")
    assert "feilsendt" in sender.content()
    shot(sender, "12-varsel-feilsendt")
