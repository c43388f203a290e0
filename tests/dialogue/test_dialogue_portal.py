"""The dialogue pages without a browser: every new route refuses the outsider, the operator and
other organisations; the misdirected button withdraws the content in the portal too; forms build
valid messages that go through the normal pipeline."""

from __future__ import annotations

import pytest

from samhand.access.models import AccessLog
from samhand.dialogue.models import Thread
from samhand.dialogue.outbox import drain
from samhand.exchange.models import Delivery, Message

from msgfactory import readdress
from personas import BALSFJORD_CASE, TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO
from test_dialogue_threads import ask
from test_misdirected_api import KLAR

pytestmark = pytest.mark.django_db

FNR = "15076500565"


def settle(work):
    work()
    drain()


def test_every_new_page_refuses_outsider_operator_and_other_organisations(unn, tromso, work, as_user):
    ask(unn, work, urgent=True)
    thread = Thread.objects.get(side="asking")
    sent = unn.send(readdress(KLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE)).json()["id"]
    work()
    routes_get = ["/dialog/", "/dialog/ny/", f"/dialog/{thread.pk}/"]
    routes_post = [f"/dialog/{thread.pk}/svar/", f"/dialog/{thread.pk}/telefon/",
                   f"/meldinger/{sent}/feilsendt/", f"/meldinger/{sent}/send-pa-nytt/"]
    outsider = as_user("outsider")
    for url in routes_get + routes_post:
        response = outsider.post(url) if url in routes_post else outsider.get(url)
        assert response.status_code in (403, 404), url
    operator = as_user("unn.drift")
    for url in routes_get:
        assert operator.get(url).status_code == 403, url
    other = as_user("balsfjord.ma")
    assert other.get(f"/dialog/{thread.pk}/").status_code == 404
    for url in routes_post:
        assert other.post(url, {"reason": "wrong-receiver", "receiver": TROMSO_CASE, "text": "x",
                                "outcome": "x"}).status_code in (403, 404), url
    assert "Hastesaker" not in other.get("/").content.decode()
    # The sender's own staff may not mark their own message as misdirected.
    assert as_user("unn.ma").post(f"/meldinger/{sent}/feilsendt/", {"reason": "wrong-receiver"}).status_code == 403
    # A saksbehandler at the receiver may not either: it is meldingsansvarlig's routine.
    assert as_user("tromso.sb").post(f"/meldinger/{sent}/feilsendt/", {"reason": "wrong-receiver"}).status_code == 403
    assert Delivery.objects.get(message_id=sent).withdrawn_at is None


def test_misdirected_button_withdraws_content_in_the_portal(unn, balsfjord, work, as_user):
    sent = unn.send(readdress(KLAR, sender=UNN_MED_TROMSO, receiver=BALSFJORD_CASE)).json()["id"]
    work()
    ma = as_user("balsfjord.ma")
    page = ma.get(f"/meldinger/{sent}/").content.decode()
    assert "Registrer som feilsendt" in page
    assert ma.get(f"/meldinger/{sent}/innhold/").status_code == 200
    response = ma.post(f"/meldinger/{sent}/feilsendt/", {"reason": "wrong-receiver", "text": "Ikke vår innbygger"})
    assert response.status_code == 302
    settle(work)
    refused = ma.get(f"/meldinger/{sent}/innhold/")
    assert refused.status_code == 409 and "withdrawn" in refused.content.decode()
    assert AccessLog.objects.filter(actor="balsfjord.ma", purpose__contains="refused").count() == 1
    assert "Registrert som feilsendt" in ma.get(f"/meldinger/{sent}/").content.decode()
    # The sender's page shows the notice and the re-send form; re-sending works from the portal.
    unn_page = as_user("unn.ma").get(f"/meldinger/{sent}/").content.decode()
    assert "melder at meldingen er feilsendt" in unn_page and "Send på nytt" in unn_page
    response = as_user("unn.ma").post(f"/meldinger/{sent}/send-pa-nytt/", {"receiver": TROMSO_CASE})
    assert response.status_code == 302
    new = Message.objects.get(receiver_her_id=TROMSO_CASE, msg_type="LOG_UTSKRIVNINGSKLAR")
    assert new.parent_ref == Message.objects.get(pk=sent).msg_id


def test_compose_answer_and_phone_forms(unn, tromso, work, as_user):
    unn_sb = as_user("unn.sb")
    form = unn_sb.get("/dialog/ny/").content.decode()
    assert "Pasientens fødselsnummer" in form
    bad = unn_sb.post("/dialog/ny/", {"fra": UNN_MED_TROMSO, "til": TROMSO_NURSING, "fodselsnummer": "12345678901",
                                      "etternavn": "N", "fornavn": "K", "sporsmal": "?"})
    assert bad.status_code == 200 and "Ugyldig fødselsnummer" in bad.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile
    png = SimpleUploadedFile("saar.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    ok = unn_sb.post("/dialog/ny/", {"fra": UNN_MED_TROMSO, "til": TROMSO_NURSING, "fodselsnummer": FNR,
                                     "etternavn": "Nordmann", "fornavn": "Kari", "emne": "Sårstell",
                                     "sporsmal": "Hvordan ser såret ut i dag?", "haster": "on", "vedlegg": png})
    assert ok.status_code == 302, ok.content.decode()[:2000]
    settle(work)
    asking = Thread.objects.get(side="asking")
    answering = Thread.objects.get(side="answering")
    assert asking.urgent and answering.her_id == TROMSO_NURSING
    # A fake "PNG" is refused.
    fake = SimpleUploadedFile("x.png", b"<html>", content_type="image/png")
    refused = unn_sb.post("/dialog/ny/", {"fra": UNN_MED_TROMSO, "til": TROMSO_NURSING, "fodselsnummer": FNR,
                                          "etternavn": "N", "fornavn": "K", "sporsmal": "?", "vedlegg": fake})
    assert refused.status_code == 200 and "Ikke sendt" in refused.content.decode()

    tromso_sb = as_user("tromso.sb")
    before = AccessLog.objects.filter(actor="tromso.sb", purpose="dialogue-thread").count()
    page = tromso_sb.get(f"/dialog/{answering.pk}/").content.decode()
    assert "Hvordan ser såret ut i dag?" in page and "saar.png" in page and "Send svar" in page
    assert AccessLog.objects.filter(actor="tromso.sb", purpose="dialogue-thread").count() == before + 1
    assert tromso_sb.post(f"/dialog/{answering.pk}/svar/", {"text": "Pent, ingen tegn til infeksjon.",
                                                            "svar": "1"}).status_code == 302
    settle(work)
    asking.refresh_from_db()
    assert asking.state == "answered" and asking.answer.sender_her_id == TROMSO_NURSING
    assert "Pent, ingen tegn til infeksjon." in unn_sb.get(f"/dialog/{asking.pk}/").content.decode()
    # The asking side cannot "answer" its own question.
    assert unn_sb.post(f"/dialog/{asking.pk}/svar/", {"text": "x", "svar": "1"}).status_code == 302
    assert Thread.objects.get(side="asking").answer.sender_her_id == TROMSO_NURSING


def test_every_dialogue_text_has_an_english_translation():
    import gettext
    import re
    from pathlib import Path

    app = Path(__file__).resolve().parents[2] / "samhand" / "dialogue"
    catalog = gettext.GNUTranslations((app / "locale" / "en" / "LC_MESSAGES" / "django.mo").open("rb"))
    texts = set()
    for template in (app / "templates").rglob("*.html"):
        texts |= set(re.findall(r'{%\s*translate\s+"([^"]+)"', template.read_text(encoding="utf-8")))
    assert len(texts) > 40
    assert not sorted(t for t in texts if catalog.gettext(t) == t)


def test_a_question_about_a_message_points_at_it(unn, tromso, work, as_user):
    from samhand.chains.models import EpisodeMessage  # noqa: F401 - the chains app is installed
    sent = unn.send(readdress(KLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE)).json()["id"]
    work()
    tromso_sb = as_user("tromso.sb")
    page = tromso_sb.get(f"/meldinger/{sent}/").content.decode()
    assert f"/dialog/ny/?gjelder={sent}" in page
    form = tromso_sb.get(f"/dialog/ny/?gjelder={sent}").content.decode()
    assert "Forespørselen gjelder meldingen" in form and f'value="{UNN_MED_TROMSO}" selected' in form
    assert tromso_sb.post("/dialog/ny/", {"gjelder": sent, "fra": TROMSO_CASE, "til": UNN_MED_TROMSO,
                                          "fodselsnummer": FNR, "etternavn": "Nordmann", "fornavn": "Kari",
                                          "sporsmal": "Fra hvilken dato er pasienten utskrivningsklar?"}).status_code == 302
    settle(work)
    original = Message.objects.get(pk=sent)
    [asking] = Thread.objects.filter(side="asking")
    assert asking.conversation_ref == original.msg_id and asking.question.parent_ref == original.msg_id
    # Not about someone else's message.
    assert as_user("balsfjord.ma").get(f"/dialog/ny/?gjelder={sent}").status_code == 404
