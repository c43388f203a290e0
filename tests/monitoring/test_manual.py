"""The manual routine (S9): a readable PDF of what could not get through, who handled it, the mark
"already handled manually" at the receiver, and reconciliation until both sides have confirmed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from samhand.access.models import AccessLog
from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import Refused
from samhand.exchange.models import Delivery, Message
from samhand.monitoring.models import ManualHandling

from monhelpers import DIALOG, alerts_of, answer, send
from personas import TROMSO_NURSING, TROMSO_ORG, UNN_MED_TROMSO, UNN_ORG


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def tromso_down(hours: float = 8):
    from samhand.monitoring.services import declare_downtime

    now = timezone.now()
    return declare_downtime(party=CommunicationParty.objects.get(her_id=TROMSO_NURSING), planned=False, start=now,
                            expected_end=now + timedelta(hours=hours), description="Gerica nede", by="ma.tromso")


def test_the_pdf_shows_patient_sender_receiver_content_and_whom_to_call(unn, work):
    from samhand.monitoring.services import manual_routine_pdf

    tromso_down()
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, sample=DIALOG)
    work()
    pdf = manual_routine_pdf(Message.objects.get(pk=message_id), by="sykepleier.unn")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Manuell rutine" in text
    assert "Line" in text and "Danser" in text and "13116900216" in text  # the patient
    assert "kardiologisk poliklinikk" in text  # the content
    assert "Medisinsk avdeling, UNN Tromsø" in text and "Sykepleietjeneste, Tromsø kommune" in text
    assert "Ring mottaker" in text and "+47 77 00 10 00" in text  # Tromsø's meldingsansvarlig: whom to call
    assert "Etternavn" in text and "Tema" in text  # readable labels
    assert "sykepleier.unn" in text
    handling = ManualHandling.objects.get()
    assert (handling.handled_by, handling.receiver_her_id, handling.sender_organisation.her_id) == (
        "sykepleier.unn", TROMSO_NURSING, UNN_ORG)
    assert AccessLog.objects.filter(message_id=message_id, purpose="manual-routine", actor="sykepleier.unn").exists()


def test_a_message_that_cannot_make_its_deadline_raises_the_manual_routine(unn, work):
    from samhand.monitoring.services import manual_routine_pdf

    tromso_down(hours=8)  # longer than the set time (4 hours): it cannot be delivered in time
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    alert = alerts_of(UNN_ORG, kind="manual-routine").get()
    assert alert.severity == "critical" and alert.partner_her_id == TROMSO_NURSING
    manual_routine_pdf(Message.objects.get(pk=message_id), by="sykepleier.unn")
    work()
    alert.refresh_from_db()
    assert alert.state == "resolved"


def test_the_set_time_passes_without_a_receipt(unn, work, clock):
    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    clock.advance(hours=3, minutes=59)
    work()
    assert not alerts_of(UNN_ORG, kind="manual-routine").exists()
    clock.advance(minutes=2)
    work()
    assert alerts_of(UNN_ORG, kind="manual-routine").exists()


def test_nothing_is_handled_twice_or_forgotten(unn, tromso, work):
    from samhand.monitoring.services import (confirm_reconciliation, end_downtime, manual_routine_pdf,
                                             reconciliation_list)

    downtime = tromso_down()
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, sample=DIALOG)
    work()
    message = Message.objects.get(pk=message_id)
    manual_routine_pdf(message, by="sykepleier.unn")
    manual_routine_pdf(message, by="sykepleier.unn")  # a reprint is not a second handling
    handling = ManualHandling.objects.get()
    assert handling.printed == 2
    unn_org, tromso_org = Organisation.objects.get(her_id=UNN_ORG), Organisation.objects.get(her_id=TROMSO_ORG)
    assert list(reconciliation_list(unn_org)) == [handling] == list(reconciliation_list(tromso_org))

    # Tromsø is back: the message arrives electronically, marked as already handled manually.
    end_downtime(downtime, by="ma.tromso")
    work()
    delivery = Delivery.objects.get(message_id=message_id)
    assert delivery.state == "delivered"
    flag = tromso.get(f"/messages/{delivery.pk}/manual-handling").json()
    assert flag["handledManually"] is True and flag["handledBy"] == "sykepleier.unn"
    events = [e["kind"] for e in tromso.status(delivery.pk)["events"]]
    assert "handled-manually" in events and "already-handled-manually" in events
    handling.refresh_from_db()
    assert handling.delivered_after_at == delivery.delivered_at

    confirm_reconciliation(handling, side="sender", by="sykepleier.unn")
    assert list(reconciliation_list(unn_org)) == [handling]  # the receiver has not confirmed yet
    confirm_reconciliation(handling, side="receiver", by="sykepleier.tromso")
    assert list(reconciliation_list(unn_org)) == [] == list(reconciliation_list(tromso_org))
    with pytest.raises(Refused):
        confirm_reconciliation(handling, side="both", by="x")

    # Received and receipted: handling it manually now would enter it twice.
    answer(tromso, TROMSO_NURSING, message_id)
    work()
    other = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, other)
    work()
    with pytest.raises(Refused) as refused:
        manual_routine_pdf(Message.objects.get(pk=other), by="sykepleier.unn")
    assert refused.value.status == 409


def test_the_manual_routine_through_the_api(unn, tromso, outsider, work):
    tromso_down()
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, sample=DIALOG)
    work()
    delivery = Delivery.objects.get(message_id=message_id)
    assert outsider.post(f"/messages/{message_id}/manual-routine", {}).status_code == 404
    assert tromso.post(f"/messages/{message_id}/manual-routine", {}).status_code == 404  # not the sender
    response = unn.post(f"/messages/{message_id}/manual-routine", {"reason": "Gerica nede, haster"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Gerica nede, haster" in pdf_text(response.content)

    [item] = unn.get("/reconciliation").json()
    assert item["awaiting"] == ["sender", "receiver"] and item["messageId"] == message_id
    assert tromso.get("/reconciliation").json()[0]["id"] == item["id"]
    assert outsider.get("/reconciliation").status_code == 403
    assert unn.post(f"/reconciliation/{item['id']}/confirm", {"side": "receiver"}).status_code == 403
    assert unn.post(f"/reconciliation/{item['id']}/confirm", {"side": "sender"}).json()["awaiting"] == ["receiver"]
    done = tromso.post(f"/reconciliation/{item['id']}/confirm", {"side": "receiver"})
    assert done.status_code == 200 and done.json()["awaiting"] == []
    assert unn.get("/reconciliation").json() == [] == tromso.get("/reconciliation").json()
    assert delivery.pk is not None


def test_the_receiving_epr_sees_already_handled_manually_through_the_api(unn, tromso, work):
    """When the message gets through after manual handling, the EPR is told not to enter it twice."""
    from samhand.monitoring.services import end_downtime, manual_routine_pdf

    downtime = tromso_down()
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, sample=DIALOG)
    work()
    assert tromso.inbox(TROMSO_NURSING) == []  # held during downtime
    manual_routine_pdf(Message.objects.get(pk=message_id), by="sykepleier.unn")
    end_downtime(downtime, by="ma.tromso")
    work()
    entry = tromso.inbox(TROMSO_NURSING)[0]
    assert entry["handledManually"] is True
    status = tromso.status(entry["id"])
    assert status["handledManually"] is True
    assert "already-handled-manually" in [e["kind"] for e in status["events"]]
    assert unn.status(message_id)["handledManually"] is True


def test_the_delivered_events_are_checked_with_one_statement_per_batch(unn, work):
    """monitoring.manual looks up the batch's manual handlings at once; a delivery handled
    manually is marked once, however often its event comes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from samhand.exchange.models import Event, SubscriberCursor
    from samhand.exchange.outbox import drain
    from samhand.monitoring.services import end_downtime, manual_routine_pdf

    downtime = tromso_down()
    handled = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, sample=DIALOG)
    work()
    manual_routine_pdf(Message.objects.get(pk=handled), by="sykepleier.unn")
    end_downtime(downtime, by="ma.tromso")
    for _ in range(5):
        send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    marked = ManualHandling.objects.get().delivered_after_at
    assert marked is not None and Event.objects.filter(kind="already-handled-manually").count() == 1

    SubscriberCursor.objects.filter(name="monitoring.manual").update(txid=0, event_id=0)  # the feed again
    with CaptureQueriesContext(connection) as captured:
        assert drain("monitoring.manual") >= 6
    lookups = [q for q in captured if "monitoring_manualhandling" in q["sql"]]
    assert len(lookups) == 1
    assert ManualHandling.objects.get().delivered_after_at == marked
    assert Event.objects.filter(kind="already-handled-manually").count() == 1
