"""Deviations in a real Chromium: Tromsø reports a deviation about UNN's admission message from the
form, UNN's handler finds it in the inbox (overdue first) and answers, Tromsø closes it; the
breach clock, the quarterly report's chart, and the pages in English. Screenshots are saved."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from portalbrowser import login, screenshot
from portalpeople import PASSWORD, TROMSO_PATIENT

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("SAMHAND_SHOTS_DIR", "")


def shot(page, name: str) -> None:
    path = screenshot(page, name)
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        shutil.copy(path, os.path.join(SHOTS, path.name))


def _node_report(traffic, title: str, **extra):
    from samhand.deviations import actors, services
    from samhand.directory.models import Organisation

    tromso = actors.for_node(Organisation.objects.get(her_id="8201000"))
    return services.report(tromso, services.Report(category="chain", title=title, responsible_her_id="8100101",
                                                    message_ids=[traffic["to_tromso"].pk], **extra))


def test_report_answer_close_in_the_browser(traffic, page_for):
    from samhand.deviations.models import Deviation

    waiting = _node_report(traffic, "Utskrivningsrapport kom ikke")
    Deviation.objects.filter(pk=waiting.pk).update(deadline=timezone.now() - timedelta(days=3))

    page = page_for()
    login(page, "tromso.ma", PASSWORD)
    page.goto(f"/avvik/ny/?melding={traffic['to_tromso'].pk}")
    assert TROMSO_PATIENT in page.locator("section.card").inner_text()
    page.get_by_label("Kort beskrivelse").fill("Innlagt-melding kom etter at pasienten var utskrevet")
    page.get_by_label("Hva skjedde").fill("Meldingen om innlagt pasient kom to dager for sent.")
    page.get_by_label("Alvorlighet").select_option("high")
    shot(page, "avvik-01-skjema-tromso")
    page.get_by_role("button", name="Registrer og send").click()
    page.wait_for_url(re.compile(r"/avvik/[0-9a-f-]{36}/$"))
    case_url = page.url
    assert "Avviket er registrert og sendt" in page.locator("main").inner_text()
    assert "sendt til ansvarlig part" in page.locator("main").inner_text()
    shot(page, "avvik-02-sak-meldt-tromso")

    unn = page_for()
    login(unn, "unn.ma", PASSWORD)
    unn.get_by_role("link", name="Avvik", exact=True).click()
    mine = unn.locator("section[aria-labelledby=h-mine] tbody tr")
    assert mine.count() == 2
    assert "Utskrivningsrapport kom ikke" in mine.nth(0).inner_text()  # overdue first
    assert "over fristen" in mine.nth(0).inner_text()
    shot(unn, "avvik-03-innboks-unn")
    unn.get_by_role("link", name="Innlagt-melding kom etter at pasienten var utskrevet").click()
    assert "under behandling" in unn.locator("main").inner_text()
    unn.get_by_label("Svar til melderen").fill("Køen i DIPS sto stille; meldingene er sendt og rutinen er fulgt opp.")
    unn.get_by_role("button", name="Send svar").click()
    unn.locator("#answer").wait_for()
    shot(unn, "avvik-04-sak-besvart-unn")

    page.goto(case_url)
    assert "Køen i DIPS sto stille" in page.locator("#answer").inner_text()
    page.get_by_label("Årsak", exact=True).fill("Stopp i meldingskøen hos UNN")
    page.get_by_label("Tiltak", exact=True).fill("Overvåking av køen med varsel til meldingsansvarlig")
    page.get_by_role("button", name="Lukk avviket").click()
    page.locator(".badge", has_text="lukket").first.wait_for()
    kinds = page.locator("ol.timeline li > span[class^=kind-]").evaluate_all(
        "spans => spans.map(s => s.className.slice(5))")
    assert kinds == ["registered", "sent", "in-treatment", "answered", "closed"]
    assert "Under behandling" in page.locator("ol.timeline").inner_text()
    shot(page, "avvik-05-sak-lukket-tromso")


def test_breach_clock_quarterly_chart_and_english(traffic, page_for):
    breach = _node_report(traffic, "Epikrise sendt til feil kommune", possible_breach=True)
    from samhand.deviations.models import Deviation

    Deviation.objects.filter(pk=breach.pk).update(discovered_at=timezone.now() - timedelta(hours=20))

    page = page_for()
    login(page, "unn.ma", PASSWORD)
    page.goto(f"/avvik/{breach.pk}/")
    clock = page.locator("#breach-clock").inner_text()
    assert re.search(r"5[12][,.]\d timer", clock), clock
    shot(page, "avvik-06-brudd-klokke")

    page.goto("/avvik/rapport/")
    page.locator("canvas#chart-avvik").wait_for()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-avvik'))")
    bars = page.evaluate("() => Chart.getChart(document.getElementById('chart-avvik')).data.datasets[0].data")
    assert bars == [1]
    shot(page, "avvik-07-kvartalsrapport")

    # English chosen with the language switch, as a user does.
    english = page_for()
    login(english, "unn.ma", PASSWORD)
    english.goto("/avvik/")
    english.get_by_label("Språk").select_option("en")
    english.get_by_role("button", name="Bytt språk").click()
    english.wait_for_load_state()
    assert english.get_by_role("heading", name="To answer by us").is_visible()
    shot(english, "avvik-08-inbox-en")
    english.goto("/avvik/rapport/")
    english.locator("canvas#chart-avvik").wait_for()
    english.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-avvik'))")
    assert "Quarterly report" in english.locator("main").inner_text()
    assert re.search(r"Cooperation deviations Q[1-4] 20\d\d", english.locator("h1").inner_text())
    shot(english, "avvik-09-report-en")
    english.goto(f"/avvik/{breach.pk}/")
    assert "of 72 left" in english.locator("#breach-clock").inner_text()
    shot(english, "avvik-10-case-en")
