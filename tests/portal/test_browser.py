"""The portal in a real Chromium: a municipal user and a UNN user each see their own traffic
and not the other's, search a message, open its timeline and content, acknowledge an alert
and announce a downtime. Every main page is saved as a screenshot in test-artifacts/."""

from __future__ import annotations

import re

import pytest

from samhand.access.models import AccessLog

from portalbrowser import login, screenshot
from portalpeople import PASSWORD, TROMSO_PATIENT

pytestmark = pytest.mark.django_db(transaction=True)


def test_municipal_user_sees_own_messages_searches_and_reads_one(traffic, page_for):
    page = page_for()
    login(page, "tromso.ma", PASSWORD)
    page.get_by_role("heading", name=re.compile("Oversikt – Tromsø kommune")).wait_for()
    page.locator("#panel-trafikk canvas").wait_for()
    screenshot(page, "01-oversikt-tromso")

    page.get_by_role("link", name="Meldinger", exact=True).click()
    rows = page.locator("table tbody tr")
    text = rows.all_inner_texts()
    joined = "\n".join(text)
    assert "Sykepleietjeneste, Tromsø kommune" in joined
    # UNN's admission of a Balsfjord patient is not Tromsø's business.
    assert not [t for t in text if "Balsfjord" in t and "Tromsø" not in t]
    screenshot(page, "02-meldinger-tromso")

    wanted = traffic["to_tromso"]
    page.get_by_role("searchbox", name=re.compile("MsgId")).fill(wanted.msg_id)
    page.get_by_role("button", name="Søk", exact=True).click()
    page.wait_for_url(f"**/meldinger/{wanted.pk}/")
    timeline = page.locator("ol.timeline")
    assert "Levert" in timeline.inner_text() and "Applikasjonskvittering sendt" in timeline.inner_text()
    assert "OK" in page.locator("section[aria-labelledby=h-apprec]").inner_text()
    screenshot(page, "03-melding-tromso")

    before = AccessLog.objects.filter(actor="tromso.ma", message=wanted, purpose="portal-view").count()
    page.get_by_role("link", name="Vis innholdet").click()
    page.locator("#content-box").wait_for()
    assert TROMSO_PATIENT in page.locator("#content-box").inner_text()
    assert AccessLog.objects.filter(actor="tromso.ma", message=wanted, purpose="portal-view").count() == before + 1
    screenshot(page, "04-innhold-tromso")

    page.goto(f"/meldinger/{traffic['to_balsfjord'].pk}/")
    assert page.get_by_role("heading", name="Ikke funnet").is_visible()


def test_unn_user_sees_unn_traffic_and_not_between_municipalities(traffic, page_for):
    page = page_for()
    login(page, "unn.ma", PASSWORD)
    page.goto("/meldinger/")
    listed = page.locator("table tbody").inner_text()
    assert "Medisinsk avdeling, UNN Tromsø" in listed
    hrefs = page.locator("table tbody a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert f"/meldinger/{traffic['to_balsfjord'].pk}/" in hrefs
    assert f"/meldinger/{traffic['neighbours'].pk}/" not in hrefs
    screenshot(page, "05-meldinger-unn")

    # The rejected admission: AppRec E35 with its Norwegian meaning.
    page.get_by_label("Status").select_option("rejected")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=re.compile(r"\d\d\.\d\d\.\d{4}")).first.click()
    apprec = page.locator("section[aria-labelledby=h-apprec]").inner_text()
    assert "E35" in apprec and "Pasienten finnes ikke i mottakersystemet" in apprec
    screenshot(page, "06-melding-avvist-unn")

    page.goto(f"/meldinger/{traffic['neighbours'].pk}/")
    assert page.get_by_role("heading", name="Ikke funnet").is_visible()


def test_operator_sees_traffic_metadata_but_no_patient_content(traffic, page_for):
    page = page_for()
    login(page, "unn.drift", PASSWORD)
    page.goto(f"/meldinger/{traffic['neighbours'].pk}/")
    assert "skjult for driften" in page.content()
    assert "Driften ser trafikkdata, ikke pasientinnhold." in page.content()
    response = page.goto(f"/meldinger/{traffic['neighbours'].pk}/innhold/")
    assert response.status == 403
    screenshot(page, "07-drift-innhold-nektet")


def test_other_pages_and_english(episodes, page_for):
    page = page_for()
    login(page, "tromso.ma", PASSWORD)
    for path, name in [("/forlop/", "08-forlop"), ("/adressebok/", "09-adressebok"),
                       ("/adressebok/?q=Balsfjord", "10-adressebok-sok"), ("/avstemming/", "11-avstemming")]:
        page.goto(path)
        screenshot(page, name)
    page.goto("/")
    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Bytt språk").click()
    page.get_by_role("heading", name=re.compile("Overview")).wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("#panel-trafikk canvas").wait_for()
    screenshot(page, "12-overview-english")


def test_keyboard_only_reaches_search_and_navigation(traffic, page_for):
    page = page_for()
    login(page, "tromso.sb", PASSWORD)
    page.keyboard.press("Tab")
    focused = "document.activeElement"
    assert page.evaluate(f"{focused}.textContent") == "Hopp til innholdet"
    # Focus is visible (WCAG 2.4.7): a solid outline on the focused element.
    assert page.evaluate(f"getComputedStyle({focused}).outlineStyle") == "solid"
    screenshot(page, "13-hopp-til-innhold")
    page.keyboard.press("Tab")  # the brand link
    page.keyboard.press("Tab")  # the search field
    assert page.evaluate(f"{focused}.id") == "header-search"
    page.keyboard.type(TROMSO_PATIENT)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/meldinger/\?q="))
    assert page.locator("table tbody tr").count() == 2  # the admission and the report, both about this patient
    page.keyboard.press("Tab")
    assert page.evaluate(f"{focused}.textContent") == "Hopp til innholdet"


def _an_open_alert_for_unn(traffic):
    """The monitor alerts UNN about Balsfjord's rejection; if its rules have not run, raise it as they would."""
    from samhand.directory.models import Organisation
    from samhand.monitoring.alerts import Finding, open_alerts_for, raise_finding

    unn = Organisation.objects.get(her_id="8100000")
    if not open_alerts_for(unn).exists():
        message = traffic["to_balsfjord"]
        raise_finding(Finding(kind="rejected", organisation_id=unn.pk, partner_her_id=message.receiver_her_id,
                              partner_name="Sykepleietjeneste, Balsfjord kommune",
                              delivery_id=message.deliveries.get().pk, message_id=message.pk,
                              detail="E35 Pasienten finnes ikke i mottakersystemet"))
    return open_alerts_for(unn).first()


def test_unn_acknowledges_an_alert_and_announces_downtime(traffic, page_for):
    from samhand.monitoring.models import Alert, Downtime

    alert = _an_open_alert_for_unn(traffic)
    page = page_for()
    login(page, "unn.ma", PASSWORD)
    assert "Negativ kvittering" in page.locator("#panel-varsler").inner_text()
    page.get_by_role("link", name="Varsler", exact=True).click()
    screenshot(page, "14-varsler-unn")
    page.get_by_role("button", name=re.compile("^Kvitter ut")).first.click()
    page.get_by_text("Varselet er kvittert ut.").wait_for()
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED and alert.acknowledged_by == "unn.ma"
    screenshot(page, "15-varsel-kvittert")

    page.get_by_role("link", name="Nedetid", exact=True).click()
    page.get_by_role("link", name="Varsle nedetid").click()
    page.get_by_label("Gjelder").select_option("8100101")
    page.get_by_label("Planlagt", exact=True).check()
    page.get_by_label("Start").fill("2030-01-15T10:00")
    page.get_by_label("Forventet slutt").fill("2030-01-15T14:00")
    page.get_by_label("Beskrivelse").fill("Oppgradering av DIPS Arena; meldinger holdes tilbake.")
    page.get_by_label("Kontakt under nedetiden").fill("IKT-vakt UNN, 77 62 60 01")
    screenshot(page, "16-nedetid-skjema")
    page.get_by_role("button", name="Registrer og varsle").click()
    page.get_by_text("Nedetiden er registrert").wait_for()
    downtime = Downtime.objects.get()
    assert downtime.party.her_id == "8100101" and downtime.planned and downtime.created_by == "unn.ma"
    assert "Medisinsk avdeling, UNN Tromsø" in page.locator("main").inner_text()
    screenshot(page, "17-nedetid-unn")

    # Tromsø, UNN's partner, sees the planned downtime on its dashboard.
    other = page_for()
    login(other, "tromso.ma", PASSWORD)
    assert "Medisinsk avdeling, UNN Tromsø" in other.locator("#panel-nedetid").inner_text()


def test_current_downtime_on_the_calendar(traffic, page_for):
    from datetime import timedelta

    from django.utils import timezone

    from samhand.directory.models import Organisation
    from samhand.monitoring.downtime import declare_downtime

    now = timezone.now()
    declare_downtime(organisation=Organisation.objects.get(her_id="8202000"), planned=False, start=now - timedelta(hours=1),
                     expected_end=now + timedelta(hours=3), description="Strømbrudd på rådhuset.",
                     contact="Vakttelefon 77 72 10 00", by="balsfjord.ma")
    page = page_for()
    login(page, "balsfjord.ma", PASSWORD)
    page.goto("/nedetid/")
    assert "Strømbrudd på rådhuset." in page.locator("main").inner_text()
    screenshot(page, "18-nedetid-kalender-balsfjord")
