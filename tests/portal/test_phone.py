"""The portal at phone width (on-call staff use phones) and the pages issue 17 finished, in a
real Chromium: nothing spills out of its card at 360 px, UNN's dashboard alert table stays inside
its card, held messages are explained, the episode page draws the chain. Screenshots are saved
(test-artifacts/screenshots, or SAMHAND_SHOTS) to be looked at."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from portalbrowser import SCREENSHOTS, login
from portalpeople import PASSWORD, TROMSO_PATIENT

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("SAMHAND_SHOTS") or SCREENSHOTS)

# Elements that must never be wider than they are: the page, cards and panels.
OVERFLOW = """() => {
  const bad = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) bad.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
  // A wide data table may scroll inside its .table-wrap; one that stacks into cards must not need to.
  for (const el of document.querySelectorAll('.panel, .card, main > section, .table-wrap:has(> table.stack), .content-box, .filters')) {
    if (el.scrollWidth > el.clientWidth + 1) bad.push(`${el.className || el.tagName} #${el.id} ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return bad;
}"""


@pytest.fixture
def scene(episodes, unn, work):
    """Traffic and episodes, an alert at UNN with a long partner name, Tromsø down with a held
    message, and a manual handling on the reconciliation list."""
    from samhand.directory.models import Organisation
    from samhand.monitoring.alerts import Finding, raise_finding
    from samhand.monitoring.downtime import declare_downtime
    from samhand.monitoring.manual import manual_routine_pdf

    from msgfactory import with_patient_id
    from portalpeople import INNLAGT
    from personas import TROMSO_NURSING, UNN_MED_TROMSO

    unn_org = Organisation.objects.get(her_id="8100000")
    message = episodes["to_balsfjord"]
    for kind in ("rejected", "apprec-late", "backlog"):
        raise_finding(Finding(kind=kind, organisation_id=unn_org.pk, partner_her_id=message.receiver_her_id,
                              partner_name="Hjemmesykepleien sone Nord og Sentrum, Balsfjord kommune",
                              delivery_id=message.deliveries.get().pk, message_id=message.pk, detail="E35"))
    now = timezone.now()
    declare_downtime(organisation=Organisation.objects.get(her_id="8201000"), planned=False,
                     start=now - timedelta(minutes=5), expected_end=now + timedelta(hours=3),
                     description="Fagsystemet er nede etter oppdatering.", contact="IT-vakt, 77 00 00 00",
                     by="tromso.ma")
    response = unn.send(with_patient_id(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                        national_id=TROMSO_PATIENT))
    work()
    from samhand.exchange.models import Message

    held = Message.objects.get(pk=response.json()["id"])
    manual_routine_pdf(held, by="unn.ma")
    return {**episodes, "held": held}


def _phone(browser, live_server, width=360):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO", viewport={"width": width, "height": 780},
                                  timezone_id="Europe/Oslo", device_scale_factor=1)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _check(page, url: str, name: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    _shot(page, name)
    assert page.evaluate(OVERFLOW) == [], (url, page.evaluate(OVERFLOW))


def test_unn_at_phone_width(scene, browser, live_server):
    from samhand.chains.models import Episode

    context, page = _phone(browser, live_server)
    try:
        login(page, "unn.ma", PASSWORD)
        _check(page, "/", "phone-01-oversikt-unn")
        assert "Negativ applikasjonskvittering" in page.locator("#panel-varsler").inner_text() or \
            "Negativ" in page.locator("#panel-varsler").inner_text()
        _check(page, "/meldinger/", "phone-02-meldinger-unn")
        assert "holdt tilbake: mottaker har nedetid til" in page.locator("table").inner_text()
        _check(page, f"/meldinger/{scene['held'].pk}/", "phone-03-melding-holdt-unn")
        assert "Melding om innlagt pasient" in page.locator("h1").inner_text()
        _check(page, "/forlop/", "phone-04-forlop-unn")
        episode = Episode.objects.filter(patient_id=TROMSO_PATIENT).order_by("started_at").first()
        _check(page, f"/forlop/{episode.pk}/", "phone-05-forlop-steg-unn")
        assert page.locator("ol.chain > li").count() == 9
        _check(page, "/nedetid/", "phone-06-nedetid-unn")
        _check(page, "/avstemming/", "phone-07-avstemming-unn")
        assert TROMSO_PATIENT in page.locator("main").inner_text()
        _check(page, "/varsler/", "phone-08-varsler-unn")
        _check(page, "/meldinger/?q=finnes+ikke", "phone-09-sok-uten-treff")
        assert page.locator("#search-hint").is_visible()
    finally:
        context.close()


def test_tromso_that_is_down_sees_what_waits_for_it_at_phone_width(scene, browser, live_server):
    context, page = _phone(browser, live_server)
    try:
        login(page, "tromso.ma", PASSWORD)
        _check(page, "/", "phone-10-oversikt-tromso-nede")
        assert "1 melding venter på dere" in page.locator("#panel-ubesvarte").inner_text()
        _check(page, "/nedetid/", "phone-11-nedetid-tromso")
        assert "1 melding holdes tilbake" in page.locator("main").inner_text()
        page.get_by_role("link", name="Endre eller forleng: Tromsø kommune").click()
        page.wait_for_url("**/endre/")
        _check(page, page.url, "phone-12-nedetid-endre")
        _check(page, "/nedetid/ny/", "phone-13-nedetid-ny")
    finally:
        context.close()


def test_unn_dashboard_alert_table_stays_in_its_card_on_a_laptop(scene, browser, live_server):
    for width in (1280, 1024, 768):
        context, page = _phone(browser, live_server, width=width)
        try:
            login(page, "unn.ma", PASSWORD)
            _check(page, "/", f"desktop-{width}-oversikt-unn")
        finally:
            context.close()
