"""The access pages in the portal: the clinician's request, decision and document pages, and
the privacy contact's review queue, log, blocks and patient report — with the persona matrix."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from personas import UNN_MED_TROMSO
from samhand.access.models import AccessLog, Decision, PatientBlock, ReviewItem

from accesspeople import PATIENT


def _ask(client, purpose="TREAT", reason="", holder=UNN_MED_TROMSO):
    return client.post("/tilgang/", {"pasient": PATIENT, "virksomhet": holder, "formal": purpose,
                                     "begrunnelse": reason})


def test_the_nurse_asks_and_reads_through_the_portal(ward, as_user):
    nurse = as_user("tromso.sykepleier")
    page = nurse.get("/tilgang/")
    assert page.status_code == 200 and "Be om tilgang" in page.content.decode()
    response = _ask(nurse)
    decision = Decision.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tilgang/{decision.ref}/"
    assert decision.outcome == "permit" and decision.practitioner_hpr == "9144889"
    body = nurse.get(response["Location"]).content.decode()
    summary = ward["UTSKRIVNINGSRAPPORT"]
    assert "Tilgang gitt" in body and f"/tilgang/{decision.ref}/dokument/{summary.pk}/" in body
    before = AccessLog.objects.count()
    document = nurse.get(f"/tilgang/{decision.ref}/dokument/{summary.pk}/")
    assert document.status_code == 200 and "Utskrivningsrapport" in document.content.decode()
    assert AccessLog.objects.count() == before + 1
    pdf = nurse.get(f"/tilgang/{decision.ref}/dokument/{summary.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Someone else's reference is not found, even for a clinician.
    assert as_user("harstad.sykepleier").get(f"/tilgang/{decision.ref}/").status_code == 404


def test_denied_and_blocked_pages_say_why_without_content(ward, as_user, people):
    harstad = as_user("harstad.sykepleier")
    denied = harstad.get(_ask(harstad)["Location"]).content.decode()
    assert "Avslått" in denied and "behandlingsrelasjon" in denied and "dokument/" not in denied
    from samhand.access import door, privacy

    unn = people["unn.personvern"].membership.organisation
    privacy.register_block(door.user_actor(people["unn.personvern"]), unn, patient_id=PATIENT, scope="organisation")
    nurse = as_user("tromso.sykepleier")
    blocked = nurse.get(_ask(nurse)["Location"]).content.decode()
    assert "sperret" in blocked and "Be om nødtilgang" in blocked and "dokument/" not in blocked
    assert "Utskrivningsrapport" not in blocked


def test_emergency_needs_a_reason_in_the_form(ward, as_user):
    nurse = as_user("harstad.sykepleier")
    d = nurse.get(_ask(nurse, "EMERGENCY", "")["Location"]).content.decode()
    assert "skriftlig begrunnelse" in d
    ok = _ask(nurse, "EMERGENCY", "Pasienten er bevisstløs i akuttmottaket")
    decision = Decision.objects.get(ref=ok["Location"].split("/")[2])
    assert decision.emergency and decision.outcome == "permit"


def test_the_privacy_contact_reviews_blocks_reads_the_log_and_prints_the_report(ward, as_user):
    nurse = as_user("harstad.sykepleier")
    ref = _ask(nurse, "EMERGENCY", "Pasienten er bevisstløs i akuttmottaket")["Location"].split("/")[2]
    summary = ward["UTSKRIVNINGSRAPPORT"]
    assert nurse.get(f"/tilgang/{ref}/dokument/{summary.pk}/").status_code == 200

    dpo = as_user("unn.personvern")
    queue = dpo.get("/personvern/").content.decode()
    assert "Nødtilgang" in queue and "Ola Fjell" in queue and "Pasienten er bevisstløs" in queue
    item = ReviewItem.objects.get(reason="emergency")
    response = dpo.post(f"/personvern/kontroll/{item.pk}/", {f"r{item.pk}-status": "justified",
                                                           f"r{item.pk}-notat": "Bekreftet med akuttmottaket"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.decided_by) == ("justified", "unn.personvern")

    log_page = dpo.get("/personvern/logg/").content.decode()
    assert "Loggkjeden er hel" in log_page and ref in log_page

    assert dpo.post("/personvern/sperringer/", {"pasient": PATIENT, "omfang": "practitioner", "hpr": ""}).status_code == 400
    assert dpo.post("/personvern/sperringer/", {"pasient": PATIENT, "omfang": "practitioner",
                                               "hpr": "9144890"}).status_code == 302
    block = PatientBlock.objects.get()
    assert block.hpr == "9144890" and "sperret" in dpo.get("/personvern/sperringer/").content.decode()
    assert dpo.post(f"/personvern/sperringer/{block.pk}/opphev/").status_code == 302
    block.refresh_from_db()
    assert block.lifted_by == "unn.personvern"

    report = dpo.get("/personvern/innsyn/", {"pasient": PATIENT}).content.decode()
    assert "Ola Fjell" in report and "nødtilgang" in report
    data = json.loads(dpo.get("/personvern/innsyn/", {"pasient": PATIENT, "format": "json"}).content)
    assert [a["documents"] for a in data["accesses"]] == [[str(summary.pk)]]
    pdf = dpo.get("/personvern/innsyn/", {"pasient": PATIENT, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_an_organisation_sees_only_its_own_review_items_and_log(ward, as_user, people):
    harstad = as_user("harstad.sykepleier")
    ref = _ask(harstad, "EMERGENCY", "Pasienten er bevisstløs i akuttmottaket")["Location"].split("/")[2]
    item = ReviewItem.objects.get(reason="emergency")
    # Tromsø's saksbehandler (report role) may not review UNN's items nor see UNN's log.
    case = as_user("tromso.sb")
    assert case.post(f"/personvern/kontroll/{item.pk}/", {}).status_code == 403
    assert case.get("/personvern/logg/").status_code == 403
    report = case.get("/personvern/innsyn/", {"pasient": PATIENT}).content.decode()
    assert ref not in report and "Ola Fjell" not in report


PAGES = ["/tilgang/", "/tilgang/{ref}/", "/tilgang/{ref}/dokument/{doc}/", "/tilgang/{ref}/dokument/{doc}.pdf",
         "/personvern/", "/personvern/logg/", "/personvern/sperringer/", "/personvern/innsyn/"]
POSTS = ["/personvern/kontroll/{item}/", "/personvern/sperringer/{block}/opphev/"]
# Who may open which page (200); everyone else 403 (a member) or 404 (a reference not theirs).
ALLOWED = {
    "tromso.sykepleier": set(PAGES[:4]),
    "harstad.sykepleier": {"/tilgang/"},
    "unn.personvern": set(PAGES[4:]),
    "tromso.sb": {"/personvern/innsyn/"},
    "tromso.ma": set(), "unn.drift": set(),
}


@pytest.fixture
def world(ward, as_user, people):
    from samhand.access import door, privacy

    nurse = as_user("tromso.sykepleier")
    ref = _ask(nurse)["Location"].split("/")[2]
    unn = people["unn.personvern"].membership.organisation
    block = privacy.register_block(door.user_actor(people["unn.personvern"]), unn, patient_id="12057900499",
                                   scope="organisation")
    harstad = as_user("harstad.sykepleier")
    _ask(harstad, "EMERGENCY", "Pasienten er bevisstløs i akuttmottaket")
    return {"ref": ref, "doc": ward["UTSKRIVNINGSRAPPORT"].pk, "block": block.pk,
            "item": ReviewItem.objects.first().pk}


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_persona_matrix(world, as_user, username):
    client = as_user(username)
    for page in PAGES:
        status = client.get(page.format(**world)).status_code
        if page in ALLOWED[username]:
            assert status == 200, (username, page, status)
        else:
            assert status in (403, 404), (username, page, status)
    for post in POSTS:
        status = client.post(post.format(**world), {}).status_code
        if username == "unn.personvern":
            assert status == 302, (post, status)
        else:
            assert status in (403, 404), (username, post, status)


def test_outsider_and_anonymous(world, people):
    outsider = Client()
    outsider.force_login(people["outsider"])
    anonymous = Client()
    for page in PAGES + POSTS:
        path = page.format(**world)
        call = "post" if page in POSTS else "get"
        assert getattr(outsider, call)(path).status_code == 403, path
        response = getattr(anonymous, call)(path)
        assert response.status_code == 302 and "/logg-inn/" in response["Location"], path
