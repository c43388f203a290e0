"""The access pages in a real Chromium, in bokmål and English: the Tromsø nurse asks for and
reads UNN's discharge summary; the Harstad nurse is denied and takes emergency access; UNN's
privacy contact reviews it, reads the log, registers a block and prints the patient's report.
Screenshots go to test-artifacts/screenshots/access (SAMHAND_SHOTS to put them elsewhere)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from portalbrowser import login
from samhand.access.models import ReviewItem

from accesspeople import PASSWORD, PATIENT

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("SAMHAND_SHOTS") or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
             / "access")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def english(page, live_server) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def ask(page, holder_label: str, purpose_label: str, reason: str = "") -> None:
    page.goto("/tilgang/")
    page.locator("#id_pasient").fill(PATIENT)  # the header search mentions fødselsnummer too
    page.get_by_label(re.compile("Dokumenter fra|Documents from")).select_option(label=holder_label)
    page.get_by_label(purpose_label, exact=True).check()
    if reason:
        page.get_by_label(re.compile("Begrunnelse|Reason")).fill(reason)
    page.get_by_role("button", name=re.compile("Be om tilgang|Ask for access")).click()
    page.wait_for_url(re.compile(r"/tilgang/AD-[0-9A-F]+/$"))


def test_clinicians_in_the_browser(ward, people, page_for, live_server):
    page = page_for()
    login(page, "tromso.sykepleier", PASSWORD)
    page.get_by_role("link", name="Journaldokumenter", exact=True).click()
    page.get_by_role("heading", name="Journaldokumenter fra samarbeidspartnere").wait_for()
    shot(page, "01-foresporsel-nb")
    ask(page, "Universitetssykehuset Nord-Norge HF, Medisinsk avdeling, UNN Tromsø", "Behandling")
    assert "Tilgang gitt" in page.locator("main").inner_text()
    shot(page, "02-beslutning-tilgang-nb")
    page.get_by_role("link", name="UTSKRIVNINGSRAPPORT").click()
    page.locator("#content-box").wait_for()
    assert PATIENT in page.locator("#content-box").inner_text()
    shot(page, "03-dokument-nb")

    english(page, live_server)
    page.goto("/tilgang/")
    page.get_by_role("heading", name="Partners' record documents").wait_for()
    shot(page, "04-request-en")
    ask(page, "Universitetssykehuset Nord-Norge HF, Medisinsk avdeling, UNN Tromsø", "Care coordination")
    assert "Access granted" in page.locator("main").inner_text()
    shot(page, "05-decision-permit-en")

    harstad = page_for()
    login(harstad, "harstad.sykepleier", PASSWORD)
    ask(harstad, "Universitetssykehuset Nord-Norge HF, Medisinsk avdeling, UNN Tromsø", "Behandling")
    main = harstad.locator("main").inner_text()
    assert "Avslått" in main and "behandlingsrelasjon" in main and "UTSKRIVNINGSRAPPORT" not in main
    shot(harstad, "06-beslutning-avslatt-nb")
    ask(harstad, "Universitetssykehuset Nord-Norge HF, Medisinsk avdeling, UNN Tromsø", "Nødtilgang",
        "Pasienten er bevisstløs i akuttmottaket")
    assert "Nødtilgang gitt" in harstad.locator("main").inner_text()
    shot(harstad, "07-beslutning-nodtilgang-nb")


def test_privacy_contact_in_the_browser(ward, people, page_for, live_server):
    from samhand.access import broker, door

    nurse = people["harstad.sykepleier"]
    decision = broker.request_access(door.user_actor(nurse), requester_org_her_id="8206000",
                                     requester_her_ids=["8206001"], patient_id=PATIENT, holder_her_id="8100101",
                                     purpose="EMERGENCY", reason="Pasienten er bevisstløs i akuttmottaket")
    broker.read_document(door.user_actor(nurse), decision_ref=decision.ref, document_id=decision.document_ids[0])

    page = page_for()
    login(page, "unn.personvern", PASSWORD)
    page.get_by_role("link", name="Personvern", exact=True).click()
    page.get_by_role("heading", name="Personvern: kontrollkø").wait_for()
    assert "Ola Fjell" in page.locator("table").inner_text()
    shot(page, "08-kontrollko-nb")
    item = ReviewItem.objects.get(reason="emergency")
    form = page.locator(f"form[action='/personvern/kontroll/{item.pk}/']")
    form.locator("select").select_option("justified")
    form.get_by_placeholder("Hva ble funnet").fill("Bekreftet med akuttmottaket")
    form.get_by_role("button", name="Lagre").click()
    page.get_by_text("Vurderingen er lagret.").wait_for()
    item.refresh_from_db()
    assert item.status == "justified"
    shot(page, "09-kontrollko-vurdert-nb")

    page.get_by_role("link", name="Tilgangslogg", exact=True).click()
    page.get_by_text("Loggkjeden er hel").wait_for()
    shot(page, "10-tilgangslogg-nb")

    page.get_by_role("link", name="Sperringer", exact=True).click()
    page.get_by_label("Pasientens fødselsnummer eller D-nummer").fill(PATIENT)
    page.get_by_label("Hele journalen").check()
    page.get_by_role("button", name="Registrer sperring").click()
    page.get_by_text("Sperringen er registrert.").wait_for()
    shot(page, "11-sperringer-nb")

    page.get_by_role("link", name="Innsynslogg for pasient", exact=True).click()
    page.get_by_label("Pasientens fødselsnummer eller D-nummer").fill(PATIENT)
    page.get_by_role("button", name="Vis innsynslogg").click()
    assert "Ola Fjell" in page.locator("table").inner_text()
    shot(page, "12-innsynslogg-nb")

    english(page, live_server)
    for path, heading, name in [("/personvern/", "Privacy: review queue", "13-review-queue-en"),
                                ("/personvern/logg/", "Access log", "14-access-log-en"),
                                ("/personvern/sperringer/", "Blocks", "15-blocks-en"),
                                (f"/personvern/innsyn/?pasient={PATIENT}", "Patient's access report", "16-report-en")]:
        page.goto(path)
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        shot(page, name)
