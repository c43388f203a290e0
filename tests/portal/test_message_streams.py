"""The message list as one statement over many streams (issue 11): every filter shows exactly
what ``access.messages_for_user`` (one plain query over the organisation's traffic) shows, in the
same order, page after page and back; internal messages and copies come once; and a page costs
the same number of statements however many services the organisation has."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samhand.access.door import MessageFilter, messages_for_user
from samhand.exchange.models import Delivery, Message

# Tromsø's own services, Balsfjord's, UNN's.
TROMSO_A, TROMSO_B = "8201001", "8201002"
BALSFJORD = "8202001"
UNN_A, UNN_B = "8100101", "8100201"

ROUTES = [
    (UNN_A, TROMSO_A), (TROMSO_B, UNN_B), (TROMSO_A, TROMSO_B),  # the last: between two own services
    (UNN_A, BALSFJORD), (BALSFJORD, UNN_B), (TROMSO_A, BALSFJORD), (BALSFJORD, TROMSO_B),
    (UNN_B, BALSFJORD),  # with a copy to Tromsø below: Tromsø's only through the copy
]
STATES = ["acknowledged"] * 6 + ["rejected", "failed", "delivered", "queued"]
TYPES = ["LOG_INNLAGT", "INNLEGGELSESRAPPORT", "UTSKRIVNINGSRAPPORT"]


def _traffic(n: int = 170) -> list[Message]:
    """Messages on every route with primary deliveries in several states, AppRecs, copies, and
    runs of equal timestamps across streams (the keyset's tie is cut by id)."""
    now = timezone.now()
    messages, deliveries = [], []
    for i in range(n):
        sender, receiver = ROUTES[i % len(ROUTES)]
        apprec = i % 9 == 4
        at = now - timedelta(minutes=i // 3)  # three messages (three streams) share each minute
        m = Message(msg_id=str(uuid.uuid4()), sender_her_id=sender, receiver_her_id=receiver,
                    msg_type="APPREC" if apprec else TYPES[i % len(TYPES)], is_apprec=apprec, family="PLO",
                    sha256="0" * 64, origin=Message.Origin.API, created_at=at)
        messages.append(m)
        deliveries.append(Delivery(message=m, her_id=receiver, role=Delivery.Role.PRIMARY, created_at=at,
                                   state="delivered" if apprec else STATES[i % len(STATES)], for_apprec=apprec))
        if (sender, receiver) == (UNN_B, BALSFJORD) or i % 11 == 0:
            copy = TROMSO_B if TROMSO_B not in (sender, receiver) else TROMSO_A
            if copy not in (sender, receiver):
                deliveries.append(Delivery(message=m, her_id=copy, role=Delivery.Role.COPY, created_at=at,
                                           state="delivered"))
    Message.objects.bulk_create(messages)
    Delivery.objects.bulk_create(deliveries)
    return messages


def _walk(client, params: dict) -> list:
    """Every message the list shows, following «Eldre» to the end; then back with «Nyere»."""
    seen, pages = [], []
    response = client.get("/meldinger/", params)
    while True:
        assert response.status_code == 200
        page = [m.pk for m in response.context["page"].items]
        pages.append(page)
        seen += page
        older = response.context["older_url"]
        if not older:
            break
        response = client.get("/meldinger/" + older)
    # Back towards the newest, page by page: the same pages in reverse.
    for expected in reversed(pages[:-1]):
        response = client.get("/meldinger/" + response.context["newer_url"])
        assert [m.pk for m in response.context["page"].items] == expected
    return seen


def _reference(user, f: MessageFilter) -> list:
    """One plain query: what the list must show, newest first."""
    return list(messages_for_user(user, f).values_list("pk", flat=True))


@pytest.mark.parametrize(("params", "f"), [
    ({}, MessageFilter()),
    ({"kvitteringer": "on"}, MessageFilter(include_apprecs=True)),
    ({"type": "INNLEGGELSESRAPPORT"}, MessageFilter(msg_type="INNLEGGELSESRAPPORT")),
    ({"state": "acknowledged"}, MessageFilter(state="acknowledged")),
    ({"state": "delivered", "kvitteringer": "on"}, MessageFilter(state="delivered", include_apprecs=True)),
    ({"state": "delivered"}, MessageFilter(state="delivered")),  # waiting for an AppRec: the delivery side
    ({"type": "APPREC"}, MessageFilter(msg_type="APPREC", include_apprecs=True)),  # the type implies the tick
    ({"state": "rejected"}, MessageFilter(state="rejected")),  # read from the delivery side
    ({"state": "failed", "partner": "org:8202000"},
     MessageFilter(state="failed", partner_her_ids=("8202000", BALSFJORD, "8202002"))),
    ({"partner": "org:8202000"}, MessageFilter(partner_her_ids=("8202000", BALSFJORD, "8202002"))),
    # A service named in the search field: one of Tromsø's own for Tromsø (the single-query path).
    ({"q": TROMSO_B}, MessageFilter(partner_her_ids=(TROMSO_B,))),
])
def test_every_filter_pages_through_exactly_the_organisations_messages(seeded, people, as_user, params, f):
    _traffic()
    for username in ("tromso.ma", "unn.ma", "unn.drift"):
        expected = _reference(people[username], f)
        assert expected, "the traffic has something for each filter"
        assert _walk(as_user(username), params) == expected


def test_own_internal_messages_and_copies_are_listed_once(seeded, people, as_user):
    made = _traffic(60)
    shown = _walk(as_user("tromso.ma"), {"kvitteringer": "on"})
    assert len(shown) == len(set(shown))
    internal = [m.pk for m in made if (m.sender_her_id, m.receiver_her_id) == (TROMSO_A, TROMSO_B)]
    copied = [m.pk for m in made if (m.sender_her_id, m.receiver_her_id) == (UNN_B, BALSFJORD)]
    assert internal and set(internal) <= set(shown)
    assert copied and set(copied) <= set(shown)  # only through the copy to TROMSO_B
    # Nobody else's: UNN↔Balsfjord without a copy to Tromsø is not shown.
    foreign = [m.pk for i, m in enumerate(made) if (m.sender_her_id, m.receiver_her_id) == (UNN_A, BALSFJORD)
               and i % 11]
    assert foreign and not set(foreign) & set(shown)


def _statements(client, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/meldinger/", params or {}).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("params", [{}, {"state": "acknowledged"}, {"state": "failed"}, {"type": "LOG_INNLAGT"},
                                    {"state": "delivered"}])
def test_a_page_costs_the_same_statements_however_many_services(seeded, people, as_user, params):
    from samhand.directory.models import CommunicationParty, Organisation

    _traffic(120)
    client = as_user("tromso.ma")
    client.get("/meldinger/")  # the first request of a session may differ
    before = _statements(client, params)
    tromso = Organisation.objects.get(her_id="8201000")
    CommunicationParty.objects.bulk_create([
        CommunicationParty(her_id=str(8201100 + i), name=f"Tjeneste {i}", service_type="nursing",
                           organisation=tromso) for i in range(12)])
    client = as_user("tromso.ma")  # a new request: the scope is looked up again
    client.get("/meldinger/")
    assert _statements(client, params) == before
    assert before <= 14


def test_names_from_the_loaded_directory_are_the_names_from_the_database(seeded, django_assert_num_queries):
    from samhand.directory.models import CommunicationParty, Organisation
    from samhand.portal.choices import organisations
    from samhand.portal.names import Names

    her_ids = [*CommunicationParty.objects.values_list("her_id", flat=True),
               *Organisation.objects.values_list("her_id", flat=True), "9999999", ""]
    directory = organisations()
    with django_assert_num_queries(0):
        loaded = Names(her_ids, directory)
        labels = {h: (loaded.label(h), loaded.organisation(h)) for h in her_ids}
    looked_up = Names(her_ids)
    assert labels == {h: (looked_up.label(h), looked_up.organisation(h)) for h in her_ids}
    assert labels["8201001"][0].endswith(", Tromsø kommune") and labels["8201000"][0] == "Tromsø kommune"
