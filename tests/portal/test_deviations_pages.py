"""Deviation pages without a browser: who sees what, the inbox order, the form's patient (logged),
the actions, and 403/404 for the outsider and for another organisation on every route."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portalpeople import TROMSO_PATIENT

pytestmark = pytest.mark.django_db


def _report(traffic, title="Meldingen kom for sent", **extra):
    from samhand.deviations import actors, services
    from samhand.directory.models import Organisation

    tromso = actors.for_node(Organisation.objects.get(her_id="8201000"))
    return services.report(tromso, services.Report(category="message-exchange", title=title,
                                                    responsible_her_id="8100101",
                                                    message_ids=[traffic["to_tromso"].pk], **extra))


def _case_urls(case) -> dict[str, str]:
    get = {name: reverse(f"portal:{name}", kwargs={"pk": case.pk})
           for name in ("deviation", "deviation_breach_pdf", "deviation_breach_json")}
    post = {name: reverse(f"portal:{name}", kwargs={"pk": case.pk})
            for name in ("deviation_confirm", "deviation_answer", "deviation_close", "deviation_reject",
                         "deviation_note", "deviation_breach")}
    return {**{k: ("get", v) for k, v in get.items()}, **{k: ("post", v) for k, v in post.items()}}


def test_other_organisation_gets_404_and_outsider_403_on_every_deviation_route(traffic, as_user):
    case = _report(traffic, possible_breach=True)
    balsfjord, outsider = as_user("balsfjord.ma"), as_user("outsider")
    for name, (method, url) in _case_urls(case).items():
        other = getattr(balsfjord, method)(url, {"text": "x", "reason": "x", "cause": "x", "measures": "x"})
        assert other.status_code == 404, (name, other.status_code)
        assert case.title.encode() not in other.content
        assert getattr(outsider, method)(url).status_code == 403, name
    for name in ("deviations", "deviation_new", "deviation_report", "deviation_report_pdf", "deviation_governance"):
        assert outsider.get(reverse(f"portal:{name}")).status_code == 403, name
    listed = balsfjord.get(reverse("portal:deviations"))
    assert listed.status_code == 200 and case.title.encode() not in listed.content
    case.refresh_from_db()
    assert case.state == "sent" and not case.entries.filter(kind="note").exists()


def test_handler_inbox_lists_mine_to_answer_overdue_first(traffic, as_user):
    from samhand.deviations.models import Deviation

    later = _report(traffic, title="Sent svar på forespørsel")
    overdue = _report(traffic, title="Epikrise mangler")
    Deviation.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - timedelta(days=2))
    page = as_user("unn.ma").get(reverse("portal:deviations")).content.decode()
    mine = page[page.index('id="h-mine"'):page.index('id="h-reported"')]
    assert mine.index("Epikrise mangler") < mine.index("Sent svar på forespørsel")
    assert "over fristen" in mine
    reporter_page = as_user("tromso.ma").get(reverse("portal:deviations")).content.decode()
    assert "Epikrise mangler" in reporter_page[reporter_page.index('id="h-reported"'):]
    assert later.title in reporter_page


def test_form_shows_the_linked_messages_patient_logged_and_reports(traffic, as_user):
    from samhand.access.models import AccessLog
    from samhand.deviations.models import Deviation

    tromso = as_user("tromso.ma")
    message = traffic["to_tromso"]
    before = AccessLog.objects.filter(actor="tromso.ma", purpose="deviation-form").count()
    form = tromso.get(reverse("portal:deviation_new"), {"melding": message.pk})
    assert form.status_code == 200 and TROMSO_PATIENT in form.content.decode()
    assert AccessLog.objects.filter(actor="tromso.ma", purpose="deviation-form").count() == before + 1
    # A message of other organisations is not offered (Balsfjord's admission).
    other = tromso.get(reverse("portal:deviation_new"), {"melding": traffic["to_balsfjord"].pk})
    assert other.status_code == 200 and b"Gjelder meldingen" not in other.content

    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = tromso.post(reverse("portal:deviation_new"), {
        "category": "message-exchange", "responsible": "8100101", "title": "Innlagt-melding manglet",
        "occurred_at": now, "discovered_at": now, "severity": "high", "message": str(message.pk)})
    case = Deviation.objects.get(title="Innlagt-melding manglet")
    assert response.status_code == 302 and response["Location"] == reverse("portal:deviation", kwargs={"pk": case.pk})
    assert case.links.get().message_id == message.pk and case.state == "sent"
    bad = tromso.post(reverse("portal:deviation_new"), {"category": "message-exchange", "responsible": "",
                                                        "title": "", "occurred_at": now, "discovered_at": now})
    assert bad.status_code == 400


def test_answer_close_and_internal_notes_in_the_portal(traffic, as_user):
    case = _report(traffic)
    unn, tromso = as_user("unn.ma"), as_user("tromso.ma")
    page = unn.get(reverse("portal:deviation", kwargs={"pk": case.pk})).content.decode()
    assert "Send svar" in page and TROMSO_PATIENT in page
    unn.post(reverse("portal:deviation_note", kwargs={"pk": case.pk}), {"text": "Intern UNN-merknad"})
    tromso.post(reverse("portal:deviation_note", kwargs={"pk": case.pk}), {"text": "Intern Tromsø-merknad"})
    unn.post(reverse("portal:deviation_answer", kwargs={"pk": case.pk}), {"text": "Beklager, rettet."})
    mine = tromso.get(reverse("portal:deviation", kwargs={"pk": case.pk})).content.decode()
    assert "Beklager, rettet." in mine and "Intern Tromsø-merknad" in mine and "Intern UNN-merknad" not in mine
    assert "Lukk avviket" in mine
    tromso.post(reverse("portal:deviation_close", kwargs={"pk": case.pk}),
                {"cause": "Feil i adresseboka", "measures": "Oppdatert", "procedure_change": "on"})
    case.refresh_from_db()
    assert case.state == "closed" and case.procedure_change_needed
    theirs = unn.get(reverse("portal:deviation", kwargs={"pk": case.pk})).content.decode()
    assert "Intern UNN-merknad" in theirs and "Intern Tromsø-merknad" not in theirs


def test_quarterly_report_and_governance_pages(traffic, as_user):
    case = _report(traffic)
    unn = as_user("unn.ma")
    page = unn.get(reverse("portal:deviation_report")).content.decode()
    assert 'data-chart="data-avvik"' in page
    start = page.index('<script id="data-avvik" type="application/json">') + len('<script id="data-avvik" type="application/json">')
    chart = json.loads(page[start:page.index("</script>", start)])
    assert chart["labels"] == ["Tromsø kommune → Universitetssykehuset Nord-Norge HF"]
    assert chart["series"] == [{"label": "meldingsutveksling", "data": [1]}]
    pdf = unn.get(reverse("portal:deviation_report_pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert case.title.encode() not in unn.get(reverse("portal:deviation_report")).content
    gov = unn.get(reverse("portal:deviation_governance")).content.decode()
    assert "Retningslinje for elektronisk samhandling" in gov and "Avviksrutine" in gov
    unn.cookies["django_language"] = "en"
    english = unn.get(reverse("portal:deviations")).content.decode()
    assert "Report a deviation" in english and "To answer by us" in english
    assert "Quarterly report" in unn.get(reverse("portal:deviation_report")).content.decode()


def test_breach_fields_in_the_portal_and_the_link_from_a_message(traffic, as_user):
    case = _report(traffic, possible_breach=True)
    unn = as_user("unn.ma")
    message_page = unn.get(reverse("portal:message", kwargs={"pk": traffic["to_tromso"].pk})).content.decode()
    assert f'{reverse("portal:deviation_new")}?melding={traffic["to_tromso"].pk}' in message_page
    page = unn.get(reverse("portal:deviation", kwargs={"pk": case.pk})).content.decode()
    assert "Opplysninger til meldingen (art. 33)" in page and "igjen av 72" in page
    unn.post(reverse("portal:deviation_breach", kwargs={"pk": case.pk}),
             {"breach_nature": "Innlagt-melding til feil kommune", "breach_persons": "1"})
    case.refresh_from_db()
    assert case.breach_nature == "Innlagt-melding til feil kommune" and case.breach_persons == 1
    exported = unn.get(reverse("portal:deviation_breach_json", kwargs={"pk": case.pk})).json()
    assert exported["natureOfBreach"] == "Innlagt-melding til feil kommune"
    pdf = unn.get(reverse("portal:deviation_breach_pdf", kwargs={"pk": case.pk}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
