"""The message list (filters, search, keyset pages), the message page (timeline, AppRec,
conversation) and the dashboard panels."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from samhand.exchange.models import Message

from portalpeople import BALSFJORD_PATIENT, TROMSO_PATIENT


def _bulk(n: int, *, sender="8100101", receiver="8201001", conversation="", msg_type="LOG_INNLAGT") -> list[Message]:
    """Metadata-only messages (the list never reads content, so none is stored)."""
    now = timezone.now()
    rows = [Message(msg_id=str(uuid.uuid4()), sender_her_id=sender, receiver_her_id=receiver, msg_type=msg_type,
                    family="PLO", sha256="0" * 64, origin=Message.Origin.API, conversation_ref=conversation,
                    created_at=now - timedelta(minutes=i + 1)) for i in range(n)]
    return Message.objects.bulk_create(rows)


def test_filter_by_type_partner_state_and_dates(traffic, as_user):
    unn = as_user("unn.ma")
    body = unn.get("/meldinger/", {"type": "INNLEGGELSESRAPPORT"}).content.decode()
    assert str(traffic["report"].pk) in body and str(traffic["to_tromso"].pk) not in body
    body = unn.get("/meldinger/", {"partner": "org:8202000"}).content.decode()
    assert str(traffic["to_balsfjord"].pk) in body and str(traffic["to_tromso"].pk) not in body
    body = unn.get("/meldinger/", {"state": "rejected"}).content.decode()
    assert str(traffic["to_balsfjord"].pk) in body and str(traffic["to_tromso"].pk) not in body
    today = timezone.localdate()
    body = unn.get("/meldinger/", {"fra": today.isoformat(), "til": today.isoformat()}).content.decode()
    assert str(traffic["to_tromso"].pk) in body
    body = unn.get("/meldinger/", {"til": (today - timedelta(days=1)).isoformat()}).content.decode()
    assert "Ingen meldinger passer med søket." in body
    bad = unn.get("/meldinger/", {"fra": today.isoformat(), "til": (today - timedelta(days=2)).isoformat()})
    assert bad.status_code == 400 and "Til-dato kan ikke være før fra-dato." in bad.content.decode()


def test_apprecs_are_listed_only_when_asked(traffic, as_user):
    tromso = as_user("tromso.ma")
    assert ">APPREC<" not in tromso.get("/meldinger/").content.decode().replace(" ", "")
    assert "APPREC" in tromso.get("/meldinger/", {"kvitteringer": "on"}).content.decode()


def test_header_search_by_msgid_opens_the_message_and_by_patient_lists_them(traffic, as_user):
    tromso = as_user("tromso.ma")
    wanted = traffic["to_tromso"]
    response = tromso.get("/sok/", {"q": wanted.msg_id})
    assert response.status_code == 302 and response["Location"] == f"/meldinger/{wanted.pk}/"
    response = tromso.get("/sok/", {"q": str(wanted.pk)})
    assert response["Location"] == f"/meldinger/{wanted.pk}/"
    response = tromso.get("/sok/", {"q": TROMSO_PATIENT})
    assert response.status_code == 302
    body = tromso.get(response["Location"]).content.decode()
    assert str(traffic["to_tromso"].pk) in body and str(traffic["report"].pk) in body
    # Another organisation's message or patient is not found, not even by its MsgId.
    response = tromso.get("/sok/", {"q": traffic["to_balsfjord"].msg_id})
    assert "Ingen meldinger passer med søket." in tromso.get(response["Location"]).content.decode()
    assert "Ingen meldinger" in tromso.get("/meldinger/", {"q": BALSFJORD_PATIENT}).content.decode()


def test_keyset_pages_walk_forward_and_back(seeded, as_user, django_assert_max_num_queries):
    made = _bulk(120)
    client = as_user("tromso.ma")
    seen = []
    url = "/meldinger/"
    with django_assert_max_num_queries(22):
        first = client.get(url)
    while url:
        page = client.get(url)
        seen += [m.pk for m in page.context["page"].items]
        url = page.context["older_url"] and "/meldinger/" + page.context["older_url"]
    assert seen == [m.pk for m in made]  # newest first, every message once
    second = client.get("/meldinger/" + first.context["older_url"])
    back = client.get("/meldinger/" + second.context["newer_url"])
    assert [m.pk for m in back.context["page"].items] == [m.pk for m in first.context["page"].items]
    assert back.context["newer_url"] is None
    assert client.get("/meldinger/", {"eldre": "rubbish"}).status_code == 200


def test_many_messages_take_the_same_number_of_queries(seeded, as_user, django_assert_max_num_queries):
    _bulk(2000)
    _bulk(500, sender="8202001", receiver="8100201")  # Balsfjord↔UNN: not Tromsø's
    client = as_user("tromso.ma")
    with django_assert_max_num_queries(22):
        response = client.get("/meldinger/", {"type": "LOG_INNLAGT"})
    assert len(response.context["page"].items) == 50


def test_message_page_timeline_apprec_and_conversation(traffic, as_user):
    unn = as_user("unn.ma")
    page = unn.get(f"/meldinger/{traffic['to_balsfjord'].pk}/").content.decode()
    assert "Mottatt fra EPJ" in page and "Levert" in page and "Applikasjonskvittering mottatt" in page
    assert "E35" in page and "Pasienten finnes ikke i mottakersystemet" in page and "Ukjent hos oss" in page
    assert "2 – Avvist" in page
    # A conversation: messages that share RefToConversation (or answer the first one's MsgId).
    first = traffic["to_tromso"]
    Message.objects.filter(pk=traffic["report"].pk).update(conversation_ref=first.msg_id)
    page = unn.get(f"/meldinger/{first.pk}/").content.decode()
    assert f"/meldinger/{traffic['report'].pk}/" in page


def test_receiver_sees_its_own_delivery_and_answer(traffic, as_user):
    page = as_user("balsfjord.ma").get(f"/meldinger/{traffic['to_balsfjord'].pk}/").content.decode()
    assert "Du ser meldingen som mottaker." in page and "Sendt av oss" in page


def test_dashboard_counts_and_panels(traffic, as_user):
    unn = as_user("unn.ma")
    response = unn.get("/")
    assert response.status_code == 200
    panels = response.context["panels"]
    assert panels["trafikk"]["traffic"].total == 3
    assert {row.name for row in panels["trafikk"]["partners"]} == {"Tromsø kommune", "Balsfjord kommune"}
    waiting = panels["ubesvarte"]["unanswered"]
    assert [(u.message.pk, u.direction) for u in waiting] == [(traffic["report"].pk, "received")]
    tromso_waiting = as_user("tromso.ma").get("/").context["panels"]["ubesvarte"]["unanswered"]
    assert {(u.message.pk, u.direction) for u in tromso_waiting} == {(traffic["report"].pk, "sent"),
                                                                     (traffic["neighbours"].pk, "sent")}
    partial = unn.get("/oversikt/trafikk/", {"partner": "org:8202000", "dager": 7}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and partial.context["p"]["traffic"].total == 1
    assert b"<html" not in partial.content
    assert unn.get("/oversikt/ukjent/").status_code == 404


def test_directory_search(seeded, as_user):
    client = as_user("tromso.sb")
    response = client.get("/adressebok/", {"q": "8202002"})
    assert [org.name for org in response.context["organisations"]] == ["Balsfjord kommune"]
    assert "Saksbehandlertjeneste" in response.content.decode()
    assert "+47 77 62 60 01" in client.get("/adressebok/", {"q": "Universitetssykehuset"}).content.decode()


def test_past_days_are_counted_once_and_scoped(seeded, as_user):
    from samhand.portal.models import TrafficCount, TrafficDay

    yesterday = timezone.localtime() - timedelta(days=1)
    Message.objects.bulk_create([Message(msg_id=str(uuid.uuid4()), sender_her_id=s, receiver_her_id=r, msg_type=t,
                                         sha256="0" * 64, origin=Message.Origin.API, created_at=yesterday)
                                 for s, r, t in [("8100101", "8201001", "LOG_INNLAGT"),
                                                 ("8201001", "8100101", "INNLEGGELSESRAPPORT"),
                                                 ("8100101", "8202001", "LOG_INNLAGT")]])
    tromso = as_user("tromso.ma").get("/oversikt/trafikk/", {"dager": 7})
    counted = {s["code"]: s["data"][-2] for s in tromso.context["p"]["chart"]["series"]}
    # The chart's legend names the types in Norwegian (code system 8279), not by code.
    assert {s["label"] for s in tromso.context["p"]["chart"]["series"]} == {
        "Melding om innlagt pasient", "Innleggelsesrapport"}
    assert counted == {"LOG_INNLAGT": 1, "INNLEGGELSESRAPPORT": 1}  # not Balsfjord's admission
    assert TrafficDay.objects.filter(day=yesterday.date()).exists() and TrafficCount.objects.count() == 3
    # Counted once for everyone: UNN's view reads the same counts.
    unn = as_user("unn.ma").get("/oversikt/trafikk/", {"dager": 7})
    assert unn.context["p"]["traffic"].total == 3
    assert TrafficDay.objects.count() == 6 and TrafficCount.objects.count() == 3
