"""Issue 15's done-when, through the API as the EPR systems use it: the Tromsø nurse with an open
episode gets the ward's discharge summary; the Harstad nurse without a relation is denied; a block
denies both except emergency; the emergency read is flagged, alerted and reviewed; every request
is in the log with its decision reference; the patient's report lists exactly those reads."""

from __future__ import annotations

import base64

from django.core import mail

from personas import UNN_MED_TROMSO
from samhand.access import log, privacy
from samhand.access.models import AccessLog, Decision, ReviewItem

from accesspeople import HARSTAD_NURSE, PATIENT, TROMSO_NURSE


def ask(caller, nurse, purpose="TREAT", reason=None, holder=UNN_MED_TROMSO, patient=PATIENT):
    body = {"patientId": patient, "holderHerId": holder, "purpose": purpose, "practitioner": nurse}
    if reason is not None:
        body["reason"] = reason
    response = caller.post("/access/requests", body)
    assert response.status_code == 200, response.content
    return response.json()


def read(caller, decision, doc_id):
    return caller.get(f"/access/documents/{doc_id}", decisionRef=decision["decisionRef"])


def test_the_done_when_story(ward, tromso, harstad, unn_privacy, people, django_capture_on_commit_callbacks):
    summary = ward["UTSKRIVNINGSRAPPORT"]

    # 1. Tromsø: open episode with the ward -> permit, the discharge summary in scope and readable.
    permit = ask(tromso, TROMSO_NURSE)
    assert permit["decision"] == "permit", permit
    assert [d["id"] for d in permit["documents"]] == [str(summary.pk)]
    assert permit["documents"][0]["type"] == "UTSKRIVNINGSRAPPORT" and permit["documents"][0]["holder"] == UNN_MED_TROMSO
    response = read(tromso, permit, summary.pk)
    assert response.status_code == 200, response.content
    xml = base64.b64decode(response.json()["businessDocument"])
    assert b"Utskrivningsrapport" in xml and PATIENT.encode() in xml
    # LOG_INNLAGT is logistics, not a category another organisation may read.
    assert read(tromso, permit, ward["LOG_INNLAGT"].pk).status_code == 403

    # 2. Harstad: no relation -> denied with a reason a person understands; no document readable.
    denied = ask(harstad, HARSTAD_NURSE)
    assert denied["decision"] == "deny" and denied["documents"] == []
    assert "behandlingsrelasjon" in denied["reason"]
    assert read(harstad, denied, summary.pk).status_code == 403
    # Another key cannot use Tromsø's decision reference.
    assert read(harstad, permit, summary.pk).status_code == 403

    # 3. UNN registers the patient's block on the whole record: both are now emergency-only.
    block = unn_privacy.post("/access/blocks", {"patientId": PATIENT, "scope": "organisation"})
    assert block.status_code == 201, block.content
    assert ask(tromso, TROMSO_NURSE)["decision"] == "emergency-only"
    # The block is checked before the care relation: "sperret" is what both are told.
    blocked_harstad = ask(harstad, HARSTAD_NURSE, purpose="COORD")
    assert blocked_harstad["decision"] == "emergency-only" and "sperret" in blocked_harstad["reason"]
    # The earlier permit no longer opens the document either (blocks are honoured everywhere).
    assert read(tromso, permit, summary.pk).status_code == 403

    # 4. Emergency: needs a written reason; with one it is granted, time-limited and flagged.
    assert ask(harstad, HARSTAD_NURSE, purpose="EMERGENCY")["decision"] == "deny"
    with django_capture_on_commit_callbacks(execute=True):  # the alert leaves after the commit
        emergency = ask(harstad, HARSTAD_NURSE, purpose="EMERGENCY",
                        reason="Bevisstløs pasient i akuttmottak, trenger epikrise")
    assert emergency["decision"] == "permit" and emergency["expiresAt"]
    assert read(harstad, emergency, summary.pk).status_code == 200
    decision = Decision.objects.get(ref=emergency["decisionRef"])
    assert decision.emergency
    reviews = {r.reason for r in ReviewItem.objects.filter(decision=decision)}
    assert reviews == {ReviewItem.Reason.EMERGENCY, ReviewItem.Reason.NO_RELATION}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["personvern@unn.example.no"]
    assert emergency["decisionRef"] in mail.outbox[0].subject and PATIENT not in mail.outbox[0].body

    # 5. The privacy contact reviews it: a decision per item.
    unn = people["unn.personvern"].membership.organisation
    from samhand.access import door

    for item in privacy.review_queue(unn, open_only=True):
        privacy.decide_review(door.user_actor(people["unn.personvern"]), unn, item.pk, status="justified",
                              note="Akutt innleggelse bekreftet av vakthavende")
    assert not privacy.review_queue(unn, open_only=True).exists()

    # 6. Every request is in the log with its decision reference.
    refs = set(Decision.objects.values_list("ref", flat=True))
    assert len(refs) == 6
    requests = AccessLog.objects.filter(kind="request")
    assert {r.decision_ref for r in requests} == refs
    assert {r.decision_ref for r in AccessLog.objects.filter(kind="decision")} == refs
    assert log.verify().ok

    # 7. The patient's access report lists exactly the two document reads.
    report = unn_privacy.get("/access/report", patientId=PATIENT)
    assert report.status_code == 200, report.content
    accesses = report.json()["accesses"]
    assert [(a["who"], a["hpr"], a["documents"], a["purpose"], a["emergency"]) for a in accesses] == [
        (TROMSO_NURSE["name"], TROMSO_NURSE["hpr"], [str(summary.pk)], "TREAT", False),
        (HARSTAD_NURSE["name"], HARSTAD_NURSE["hpr"], [str(summary.pk)], "EMERGENCY", True),
    ]
    assert [a["organisation"] for a in accesses] == ["Tromsø kommune", "Harstad kommune"]
    pdf = unn_privacy.get("/access/report", patientId=PATIENT, format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_practitioner_block_stops_only_that_practitioner(ward, tromso, unn_privacy):
    response = unn_privacy.post("/access/blocks", {"patientId": PATIENT, "scope": "practitioner",
                                                   "hpr": TROMSO_NURSE["hpr"]})
    assert response.status_code == 201
    assert ask(tromso, TROMSO_NURSE)["decision"] == "emergency-only"
    colleague = {"hpr": "9144891", "name": "Anne Annen", "role": "sykepleier"}
    assert ask(tromso, colleague)["decision"] == "permit"
    # A practitioner block without an HPR number is refused.
    assert unn_privacy.post("/access/blocks", {"patientId": PATIENT, "scope": "practitioner"}).status_code == 400


def test_non_clinical_roles_and_bad_input_are_refused(ward, tromso):
    secretary = {"hpr": "9144892", "name": "Siv Sekretær", "role": "sekretær"}
    assert ask(tromso, secretary)["decision"] == "deny"
    no_hpr = {"hpr": "", "name": "Kari Nordlys", "role": "sykepleier"}
    assert ask(tromso, no_hpr)["decision"] == "deny"
    bad = tromso.post("/access/requests", {"patientId": "123", "holderHerId": UNN_MED_TROMSO, "purpose": "TREAT",
                                           "practitioner": TROMSO_NURSE})
    assert bad.status_code == 400
    assert tromso.post("/access/requests", {"patientId": PATIENT, "holderHerId": UNN_MED_TROMSO, "purpose": "PEEK",
                                            "practitioner": TROMSO_NURSE}).status_code == 400


def test_the_episode_alone_is_a_care_relation(ward, tromso, settings):
    """Messages older than the window do not count; the open episode still does."""
    from datetime import timedelta

    from django.utils import timezone

    from samhand.exchange.models import Message

    Message.objects.filter(patient_id=PATIENT).update(created_at=timezone.now() - timedelta(days=400))
    decision = ask(tromso, TROMSO_NURSE)
    assert decision["decision"] == "permit"
    assert Decision.objects.get(ref=decision["decisionRef"]).relation.startswith("open episode")
    from samhand.chains.models import Episode

    Episode.objects.filter(patient_id=PATIENT).update(state=Episode.State.CLOSED)
    assert ask(tromso, TROMSO_NURSE)["decision"] == "deny"


def test_unusual_volume_goes_to_review(ward, tromso, settings):
    settings.SAMHAND_ACCESS_VOLUME_PER_DAY = 2
    for _ in range(3):
        last = ask(tromso, TROMSO_NURSE)
    assert ReviewItem.objects.filter(decision__ref=last["decisionRef"], reason="volume").exists()


def test_an_expired_permit_reads_nothing(ward, tromso):
    from datetime import timedelta

    from django.utils import timezone

    permit = ask(tromso, TROMSO_NURSE)
    Decision.objects.filter(ref=permit["decisionRef"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert read(tromso, permit, ward["UTSKRIVNINGSRAPPORT"].pk).status_code == 403
