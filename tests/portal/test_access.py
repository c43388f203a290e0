"""Scope: each organisation sees its own traffic; the operator sees all metadata and no content;
every read of content goes through the choke point and is logged."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samhand.access.models import AccessLog
from samhand.access import door as access
from samhand.exchange.errors import NotFound, Refused

from portalpeople import BALSFJORD_PATIENT, TROMSO_PATIENT


def _listed(client) -> str:
    response = client.get("/meldinger/")
    assert response.status_code == 200
    return response.content.decode()


def _ids(messages):
    return {str(m.pk) for m in messages}


def test_each_organisation_sees_its_own_messages(traffic, people):
    t = traffic
    tromso = _ids(access.messages_for_user(people["tromso.sb"]))
    assert tromso == _ids([t["to_tromso"], t["report"], t["neighbours"]])
    assert _ids(access.messages_for_user(people["balsfjord.ma"])) == _ids([t["to_balsfjord"], t["neighbours"]])
    assert _ids(access.messages_for_user(people["unn.ma"])) == _ids([t["to_tromso"], t["to_balsfjord"], t["report"]])
    # The operator watches all traffic.
    assert _ids(access.messages_for_user(people["unn.drift"])) == _ids(t.values())


def test_message_pages_of_other_organisations_are_not_found(traffic, as_user):
    tromso = as_user("tromso.ma")
    assert tromso.get(f"/meldinger/{traffic['to_tromso'].pk}/").status_code == 200
    assert tromso.get(f"/meldinger/{traffic['to_balsfjord'].pk}/").status_code == 404
    assert tromso.get(f"/meldinger/{traffic['to_balsfjord'].pk}/innhold/").status_code == 404
    assert as_user("unn.ma").get(f"/meldinger/{traffic['neighbours'].pk}/").status_code == 404
    assert f"/meldinger/{traffic['to_balsfjord'].pk}/" not in _listed(tromso)


def test_reading_content_is_logged_with_who_and_which_message(traffic, as_user, people):
    message = traffic["to_tromso"]
    response = as_user("tromso.sb").get(f"/meldinger/{message.pk}/innhold/")
    assert response.status_code == 200
    body = response.content.decode()
    assert TROMSO_PATIENT in body and "Pasientlogistikk" in body and "<?xml" not in body
    log = AccessLog.objects.get(actor="tromso.sb")
    assert (log.actor_kind, log.message_id, log.patient_id, log.purpose) == ("user", message.pk, TROMSO_PATIENT,
                                                                            "portal-view")
    assert log.organisation_her_id == message.receiver_her_id
    # The sender reads its own copy (encrypted to the sender too).
    assert as_user("unn.ma").get(f"/meldinger/{message.pk}/innhold/").status_code == 200
    assert AccessLog.objects.get(actor="unn.ma").organisation_her_id == message.sender_her_id


def test_the_operator_sees_metadata_but_never_content(traffic, as_user, people):
    operator = as_user("unn.drift")
    message = traffic["neighbours"]
    page = operator.get(f"/meldinger/{message.pk}/")
    assert page.status_code == 200 and message.patient_id.encode() not in page.content
    assert operator.get(f"/meldinger/{message.pk}/innhold/").status_code == 403
    assert operator.get("/meldinger/", {"q": BALSFJORD_PATIENT}).status_code == 403
    assert operator.get("/forlop/").status_code == 403
    assert BALSFJORD_PATIENT.encode() not in operator.get("/meldinger/").content
    with pytest.raises(Refused) as refused:
        access.content_for_user(people["unn.drift"], access.view_for_user(people["unn.drift"], message.pk))
    assert refused.value.status == 403
    assert not AccessLog.objects.filter(actor="unn.drift").exists()


def test_view_for_user_is_not_found_for_bad_and_foreign_ids(traffic, people):
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", traffic["to_balsfjord"].pk):
        with pytest.raises(NotFound):
            access.view_for_user(people["tromso.ma"], bad)
    view = access.view_for_user(people["tromso.ma"], traffic["to_tromso"].pk)
    assert view.role == "receiver" and view.delivery.her_id == traffic["to_tromso"].receiver_her_id


def test_lists_and_message_pages_never_load_content(traffic, as_user):
    client = as_user("unn.ma")
    for url in ("/meldinger/", f"/meldinger/{traffic['to_tromso'].pk}/", "/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not [q for q in queries.captured_queries if "exchange_messagecontent" in q["sql"]], url


def test_the_operator_dashboard_counts_all_traffic(traffic, as_user):
    response = as_user("unn.drift").get("/")
    assert response.status_code == 200
    assert response.context["panels"]["trafikk"]["traffic"].total == 4
    assert "Pasientforløp" not in response.content.decode()  # no patient work lists for the operator


def test_a_copy_receiver_sees_the_message(unn, work, people, as_user):
    from msgfactory import readdress

    from portalpeople import INNLAGT
    from samhand.exchange.models import Message

    response = unn.send(readdress(INNLAGT, sender="8100101", receiver="8201001", copies=("8202001",)))
    assert response.status_code == 202, response.content
    work()
    message = Message.objects.get(pk=response.json()["id"])
    balsfjord = as_user("balsfjord.ma")
    assert str(message.pk) in balsfjord.get("/meldinger/").content.decode()
    page = balsfjord.get(f"/meldinger/{message.pk}/")
    assert page.status_code == 200 and "kopimottaker" in page.content.decode()
    assert _ids(access.messages_for_user(people["balsfjord.ma"])) == {str(message.pk)}
