"""Issue 17, items 2 and 3: Norwegian everywhere a user looks (type names, timeline texts from
codes, bokmål for every browser, readable content labels), held messages explained on both sides,
search as people type it, downtime edit/extend/history/overrun, the reconciliation list with
patient, notes, history and export, the manual-routine PDF and the e-mails."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from samhand.access.models import AccessLog
from samhand.directory.models import CommunicationParty, Organisation

from msgfactory import with_patient_id
from portalpeople import INNLAGT, TROMSO_PATIENT
from personas import TROMSO_NURSING, UNN_MED_TROMSO

ENGLISH_DETAIL = re.compile(r"receiver\(s\)|by the local transport|\bvia transport\b|\bstatus \d from\b")


def test_bokmal_for_a_browser_that_asks_for_english(traffic, as_user):
    client = as_user("tromso.ma")
    page = client.get("/meldinger/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert 'lang="nb"' in page and ">Meldinger<" in page
    client.cookies["django_language"] = "en"  # chosen with the language selector
    assert 'lang="en"' in client.get("/meldinger/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()


def test_message_page_names_the_type_and_tells_the_timeline_in_norwegian(traffic, as_user):
    unn = as_user("unn.ma")
    response = unn.get(f"/meldinger/{traffic['to_tromso'].pk}/")
    page = response.content.decode()
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "Melding om innlagt pasient" in h1 and "LOG_INNLAGT" not in h1
    timeline = lxml.html.fromstring(page).xpath('//ol[@class="timeline"]')[0].text_content()
    assert "Sykepleietjeneste, Tromsø kommune (primærmottaker)" in timeline
    assert "1 – OK fra Sykepleietjeneste, Tromsø kommune" in timeline
    assert "1 mottaker" in timeline
    assert not ENGLISH_DETAIL.search(timeline), timeline
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", timeline)
    listed = unn.get("/meldinger/").content.decode()
    assert "Melding om innlagt pasient" in listed and ">LOG_INNLAGT<" not in listed


def test_content_shows_the_labels_the_pdf_has(traffic, as_user):
    page = as_user("tromso.ma").get(f"/meldinger/{traffic['to_tromso'].pk}/innhold/").content.decode()
    assert "Informasjon om forsendelsen" in page and "InformasjonOmForsendelsen" not in page
    assert not re.search(r">\s*(true|false)\s*<", page)
    assert not re.search(r"<dd>\d{4}-\d\d-\d\dT\d\d:\d\d", page)


@pytest.fixture
def tromso_down(traffic, unn, work):
    """Tromsø kommune announces unplanned downtime until 00:06 tomorrow; UNN then sends it a message."""
    from samhand.monitoring.downtime import declare_downtime

    now = timezone.now()
    end = timezone.localtime(now + timedelta(days=1)).replace(hour=0, minute=6, second=0, microsecond=0)
    downtime = declare_downtime(organisation=Organisation.objects.get(her_id="8201000"), planned=False,
                                start=now - timedelta(minutes=5), expected_end=end,
                                description="Fagsystemet er nede.", contact="IT-vakt Tromsø, 77 00 00 00",
                                by="tromso.ma")
    response = unn.send(with_patient_id(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                        national_id=TROMSO_PATIENT))
    assert response.status_code == 202
    work()
    from samhand.exchange.models import Message

    return {"downtime": downtime, "held": Message.objects.get(pk=response.json()["id"]), "end": end}


def test_held_messages_are_explained_to_the_sender_and_shown_to_the_one_that_is_down(tromso_down, as_user):
    unn = as_user("unn.ma")
    page = unn.get(f"/meldinger/{tromso_down['held'].pk}/").content.decode()
    assert "holdt tilbake: mottaker har nedetid til" in page
    assert timezone.localtime(tromso_down["end"]).strftime("%d.%m.%Y 00:06") in page
    assert "holdt tilbake" in unn.get("/meldinger/").content.decode()
    tromso = as_user("tromso.ma").get("/oversikt/ubesvarte/").content.decode()
    assert "1 melding venter på dere" in tromso and "Melding om innlagt pasient" in tromso
    assert "Alle meldinger er kvittert" not in tromso
    downtime = as_user("tromso.ma").get("/nedetid/")
    row = downtime.context["in_force"][0]
    assert row.held == 1 and [o.her_id for o in row.notified]  # who was told
    assert "1 melding holdes tilbake" in downtime.content.decode()


def test_search_by_msgid_prefix_spaced_id_and_partner_name_with_a_hint(traffic, as_user):
    tromso = as_user("tromso.ma")
    wanted = traffic["to_tromso"]
    shown = wanted.msg_id[:17] + "…"  # as the list shows it (truncatechars:18)
    assert tromso.get("/sok/", {"q": shown}, follow=True).redirect_chain[-1][0] == f"/meldinger/{wanted.pk}/"
    listed = tromso.get("/meldinger/", {"q": wanted.msg_id[:8]})
    assert wanted.pk in [m.pk for m in listed.context["page"].items]
    spaced = f"{TROMSO_PATIENT[:6]} {TROMSO_PATIENT[6:]}"
    by_id = tromso.get("/meldinger/", {"q": spaced})
    assert by_id.context["page"].items and all(m.patient_id == TROMSO_PATIENT for m in by_id.context["page"].items)
    by_name = tromso.get("/meldinger/", {"q": "Medisinsk avdeling"})
    assert by_name.context["page"].items and all(
        UNN_MED_TROMSO in (m.sender_her_id, m.receiver_her_id) for m in by_name.context["page"].items)
    nothing = tromso.get("/meldinger/", {"q": "finnes ikke"}).content.decode()
    assert 'id="search-hint"' in nothing and "begynnelsen av den" in nothing


def test_downtime_edit_extend_history_overrun_and_plural(traffic, as_user, settings):
    from samhand.monitoring import texts
    from samhand.monitoring.downtime import declare_downtime, end_downtime
    from samhand.monitoring.models import MailOut

    assert texts.duration(timedelta(hours=1)) == "1 time" and texts.duration(timedelta(hours=2)) == "2 timer"
    tromso = as_user("tromso.ma")
    now = timezone.now()
    dt = declare_downtime(party=CommunicationParty.objects.get(her_id="8201002"), planned=False,
                          start=now - timedelta(hours=2), expected_end=now - timedelta(minutes=30),
                          description="Nede.", contact="", by="tromso.ma")
    page = tromso.get("/nedetid/").content.decode()
    assert "overskredet med 30 min" in page
    new_end = timezone.localtime(now + timedelta(hours=1)).replace(second=0, microsecond=0)
    response = tromso.post(f"/nedetid/{dt.pk}/endre/", {"expected_end": new_end.strftime("%Y-%m-%dT%H:%M"),
                                                        "description": "Nede, feilsøking pågår.",
                                                        "contact": "Ola, 900 00 000"})
    assert response.status_code == 302
    dt.refresh_from_db()
    assert dt.expected_end == new_end and dt.contact == "Ola, 900 00 000"
    change = MailOut.objects.filter(key__startswith=f"downtime:{dt.pk}:change:")
    assert change.exists() and "Forventet slutt er flyttet" in change.first().body
    assert f"{settings.PUBLIC_URL.rstrip('/')}/nedetid/" in change.first().body
    assert as_user("unn.ma").post(f"/nedetid/{dt.pk}/endre/", {}).status_code == 404
    end_downtime(dt, by="tromso.ma")
    history = tromso.get("/nedetid/")
    assert [d.pk for d in history.context["history"]] == [dt.pk]
    assert "Avsluttet de siste 90 dagene" in history.content.decode()


def test_a_planned_downtime_with_a_past_start_asks_first(traffic, as_user):
    from samhand.monitoring.models import Downtime

    tromso = as_user("tromso.ma")
    start = timezone.localtime() - timedelta(hours=3)
    data = {"target": "8201002", "planned": "1", "start": start.strftime("%Y-%m-%dT%H:%M"),
            "expected_end": (start + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"), "description": "Oppgradering."}
    asked = tromso.post("/nedetid/ny/", data)
    assert asked.status_code == 400 and "er i fortiden" in asked.content.decode() and not Downtime.objects.exists()
    assert tromso.post("/nedetid/ny/", {**data, "confirm_past": "on"}).status_code == 302
    assert Downtime.objects.get().planned


def test_manual_pdf_has_fill_in_fields_the_contact_and_formatted_values(tromso_down, as_user, monkeypatch):
    from django.template.loader import render_to_string

    from samhand.monitoring import manual

    rendered = {}
    monkeypatch.setattr(manual, "render_pdf", lambda ctx: rendered.setdefault(
        "html", render_to_string("monitoring/manual_routine.html", ctx)).encode())
    response = as_user("unn.ma").post(f"/meldinger/{tromso_down['held'].pk}/manuell-rutine.pdf")
    assert response.status_code == 200
    html = rendered["html"]
    for field in ("Informert (navn og tjeneste hos mottaker)", "Dato og klokkeslett", "Signatur"):
        assert field in html
    assert "IT-vakt Tromsø, 77 00 00 00" in html and "nedetid til" in html
    assert "Sykepleietjeneste, Tromsø kommune: holdt tilbake" in html
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", html) and ">false<" not in html.replace(" ", "")
    assert "LOG_INNLAGT" not in html and "(FNR)" not in html and "8201001:" not in html


def test_reconciliation_with_patient_notes_history_and_export(tromso_down, as_user):
    from samhand.monitoring.manual import confirm_reconciliation
    from samhand.monitoring.models import ManualHandling

    unn = as_user("unn.ma")
    assert unn.post(f"/meldinger/{tromso_down['held'].pk}/manuell-rutine.pdf").status_code == 200
    item = ManualHandling.objects.get()
    page = unn.get("/avstemming/").content.decode()
    assert TROMSO_PATIENT in page and "Melding om innlagt pasient" in page
    assert AccessLog.objects.filter(actor="unn.ma", purpose="portal-reconciliation").exists()
    assert unn.post(f"/avstemming/{item.pk}/notat/", {"text": "Ringt Kari på vakttelefonen 10:15."}).status_code == 302
    assert as_user("balsfjord.ma").post(f"/avstemming/{item.pk}/notat/", {"text": "x"}).status_code == 404
    confirm_reconciliation(item, side="sender", by="unn.ma")
    confirm_reconciliation(item, side="receiver", by="tromso.ma")
    response = unn.get("/avstemming/")
    assert response.context["items"] == [] and [i.pk for i in response.context["history"]] == [item.pk]
    assert "Ringt Kari på vakttelefonen" in response.content.decode()
    exported = unn.get("/avstemming/avstemming.csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Meldingstype", "MsgId", "Pasient (fødselsnummer)"]
    assert rows[1][0] == "Melding om innlagt pasient" and rows[1][2] == TROMSO_PATIENT
    assert "Ringt Kari" in rows[1][-1] and rows[1][10]  # confirmed by the receiver, with time
    assert AccessLog.objects.filter(actor="unn.ma", purpose="portal-reconciliation-csv").exists()
    pdf = unn.get("/avstemming/avstemming.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert as_user("unn.drift").get("/avstemming/avstemming.csv").status_code == 403


def test_alert_e_mail_names_the_type_and_links_to_the_configured_url(traffic, settings):
    from samhand.monitoring import texts
    from samhand.monitoring.alerts import Finding, open_alerts_for, raise_finding

    settings.PUBLIC_URL = "http://127.0.0.1:8123"
    org = Organisation.objects.get(her_id="8100000")
    message = traffic["to_balsfjord"]
    raise_finding(Finding(kind="rejected", organisation_id=org.pk, partner_her_id=message.receiver_her_id,
                          partner_name="Sykepleietjeneste, Balsfjord kommune",
                          delivery_id=message.deliveries.get().pk, message_id=message.pk, detail="E35"))
    body = texts.alert_body(open_alerts_for(org).first())
    assert "Melding om innlagt pasient (MsgId" in body and "LOG_INNLAGT" not in body
    assert "http://127.0.0.1:8123/varsler/" in body


def test_the_demo_sets_the_public_url_to_its_port(monkeypatch):
    from samhand.portal.demo_nodes import with_public_url

    assert with_public_url({}, 8123)["SAMHAND_PUBLIC_URL"] == "http://127.0.0.1:8123"
    assert with_public_url({"SAMHAND_PUBLIC_URL": "https://x.no"}, 8123)["SAMHAND_PUBLIC_URL"] == "https://x.no"
