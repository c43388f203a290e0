"""The downtime routine (S8, Helse Nord): announce to every partner, hold messages (not fail them),
keep quiet about the partner, release in order afterwards, and give the all-clear."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.models import Delivery, Event
from samhand.monitoring.models import Downtime, PartnerStatus

from monhelpers import alerts_of, answer, send
from personas import (BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, TROMSO_ORG, UNN_MED_HARSTAD, UNN_MED_TROMSO,
                      UNN_ORG)

UNN_MA = "meldingsansvarlig@unn.example.no"
TROMSO_MA = "meldingsansvarlig@tromso.kommune.example.no"


def iso(value) -> str:
    return value.isoformat()


def declare(caller, her_id: str, *, hours: float = 6, planned: bool = True, start=None):
    start = start or timezone.now()
    return caller.post("/downtime", {"herId": her_id, "planned": planned, "start": iso(start),
                                     "expectedEnd": iso(start + timedelta(hours=hours)),
                                     "description": "Oppgradering av Gerica", "contact": "IKT Tromsø, 77 79 00 00"})


def test_planned_downtime_holds_messages_and_releases_them_in_order(unn, tromso, work, clock, mailoutbox):
    first = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)  # UNN and Tromsø are partners
    work()
    answer(tromso, TROMSO_NURSING, first)
    work()
    mailoutbox.clear()

    response = declare(tromso, TROMSO_NURSING)
    assert response.status_code == 201, response.content
    downtime = response.json()
    assert (downtime["state"], downtime["planned"], downtime["herId"]) == ("in-force", True, TROMSO_NURSING)
    work()
    notices = {m.to[0]: m for m in mailoutbox}
    assert set(notices) == {UNN_MA, TROMSO_MA}  # every communication partner, and the party's own
    assert "Planlagt nedetid" in notices[UNN_MA].subject
    assert "forventet varighet 6 timer" in notices[UNN_MA].body and "Oppgradering av Gerica" in notices[UNN_MA].body

    held = [send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(3)]
    other = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE)
    work()
    assert set(Delivery.objects.filter(message_id__in=held).values_list("state", flat=True)) == {"queued"}
    assert Delivery.objects.get(message_id=other).state == "delivered"  # only the party in downtime is held

    clock.advance(hours=2)  # well past the backlog and receipt warnings: suppressed during downtime
    work()
    assert not alerts_of(UNN_ORG, partner_her_id=TROMSO_NURSING).exclude(kind="manual-routine").exists()
    assert alerts_of(UNN_ORG, partner_her_id=TROMSO_CASE, kind="apprec-late").exists()  # not in downtime
    assert not PartnerStatus.objects.filter(suspected_down=True).exists()
    clock.advance(hours=-2)

    mailoutbox.clear()
    ended = tromso.post(f"/downtime/{downtime['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["state"] == "ended" and ended.json()["released"] == 3
    work()
    assert set(Delivery.objects.filter(message_id__in=held).values_list("state", flat=True)) == {"delivered"}
    delivered = list(Event.objects.filter(kind="delivered", message_id__in=held).order_by("at", "id")
                     .values_list("message_id", flat=True))
    assert [str(m) for m in delivered] == held  # in the order they were sent
    all_clear = {m.to[0]: m for m in mailoutbox}
    assert set(all_clear) == {UNN_MA, TROMSO_MA} and "Friskmelding" in all_clear[UNN_MA].subject
    assert "(3)" in all_clear[UNN_MA].body


def test_downtime_that_starts_later_holds_nothing_until_it_starts(unn, tromso, work, clock):
    from samhand.monitoring.services import held_her_ids

    assert declare(tromso, TROMSO_NURSING, start=timezone.now() + timedelta(hours=1)).status_code == 201
    assert TROMSO_NURSING not in held_her_ids()
    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    assert Delivery.objects.get(her_id=TROMSO_NURSING).state == "delivered"
    clock.advance(hours=1, minutes=1)
    assert TROMSO_NURSING in held_her_ids()
    assert [d["state"] for d in unn.get("/downtime").json()] == ["in-force"]
    # The dispatch claim (its statement prepared by the first claim, before the clock moved) now holds.
    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    assert sorted(Delivery.objects.filter(her_id=TROMSO_NURSING).values_list("state", flat=True)) == [
        "delivered", "queued"]


def test_a_whole_organisation_can_be_down(unn, work):
    from samhand.monitoring.services import held_her_ids

    response = declare(unn, UNN_ORG, planned=False)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Universitetssykehuset Nord-Norge HF"
    assert {UNN_MED_TROMSO, UNN_MED_HARSTAD, UNN_ORG} <= held_her_ids()
    assert TROMSO_NURSING not in held_her_ids()


def test_who_may_declare_and_end_downtime(unn, tromso, outsider):
    assert declare(outsider, TROMSO_NURSING).status_code == 403
    assert declare(unn, TROMSO_NURSING).status_code == 403  # not UNN's party
    assert declare(tromso, UNN_ORG).status_code == 403
    assert declare(tromso, "9999999").status_code == 422
    start = timezone.now()
    backwards = tromso.post("/downtime", {"herId": TROMSO_NURSING, "planned": True, "start": iso(start),
                                          "expectedEnd": iso(start - timedelta(hours=1)), "description": "x"})
    assert backwards.status_code == 400
    naive = tromso.post("/downtime", {"herId": TROMSO_NURSING, "planned": False, "start": "2030-05-01T08:00:00",
                                      "expectedEnd": "2030-05-01T12:00:00", "description": "Strømbrudd"})
    assert naive.status_code == 201 and naive.json()["start"].startswith("2030-05-01T08:00:00+02:00")
    downtime_id = naive.json()["id"]
    assert unn.post(f"/downtime/{downtime_id}/end", {}).status_code == 403
    assert outsider.get("/downtime").status_code == 403
    assert unn.get("/downtime").json()[0]["herId"] == TROMSO_NURSING  # everyone sees partners' downtime
    assert tromso.post("/downtime/999999/end", {}).status_code == 404


def test_downtime_for_shows_own_and_partners_downtime(unn, tromso, balsfjord, work):
    from samhand.monitoring.services import declare_downtime, downtime_for

    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    now = timezone.now()
    nursing = CommunicationParty.objects.get(her_id=TROMSO_NURSING)
    partner = declare_downtime(party=nursing, planned=True, start=now + timedelta(days=2),
                               expected_end=now + timedelta(days=2, hours=5), description="Oppgradering", by="ma")
    stranger = declare_downtime(party=CommunicationParty.objects.get(her_id=BALSFJORD_NURSING), planned=True,
                                start=now, expected_end=now + timedelta(hours=1), description="Test", by="ma")
    assert list(downtime_for(Organisation.objects.get(her_id=UNN_ORG))) == [partner]
    assert list(downtime_for(Organisation.objects.get(her_id=TROMSO_ORG))) == [partner]
    assert stranger in downtime_for(Organisation.objects.get(her_id="8202000"))


def test_declaring_downtime_settles_the_suspicion_and_an_overrun_is_alerted(unn, tromso, work, clock):
    from samhand.monitoring.services import declare_downtime, end_downtime

    for _ in range(3):
        send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    clock.advance(minutes=61)
    work()
    suspected = alerts_of(TROMSO_ORG, kind="suspected-down").get()
    assert suspected.proposes_downtime
    now = clock.now()
    downtime = declare_downtime(party=CommunicationParty.objects.get(her_id=TROMSO_NURSING), planned=False,
                                start=now, expected_end=now + timedelta(hours=1), description="Gerica svarer ikke",
                                by="ma.tromso")
    suspected.refresh_from_db()
    assert suspected.state == "resolved" and "nedetid" in suspected.resolved_by
    clock.advance(hours=2)
    work()
    overrun = alerts_of(TROMSO_ORG, kind="downtime-overrun").get()
    assert overrun.state == "open"
    work()
    assert alerts_of(TROMSO_ORG, kind="downtime-overrun").count() == 1
    end_downtime(downtime, by="ma.tromso")
    assert end_downtime(downtime, by="ma.tromso").ended_by == "ma.tromso"  # ending twice changes nothing
    work()
    overrun.refresh_from_db()
    assert overrun.state == "resolved"
    assert Downtime.objects.get(pk=downtime.pk).ended_at is not None
