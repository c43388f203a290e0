"""lib.bulk.update_many: one statement writes the named fields of many rows, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samhand.exchange.models import SubscriberCursor
from samhand.lib.bulk import update_many

from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.django_db


def test_writes_each_row_its_own_values_in_one_statement():
    cursors = [SubscriberCursor.objects.create(name=f"bulk-{i}") for i in range(4)]
    untouched = SubscriberCursor.objects.create(name="bulk-other", txid=7, event_id=70)
    at = timezone.now() - timedelta(hours=1)
    for i, cursor in enumerate(cursors[:3]):
        cursor.txid, cursor.event_id, cursor.updated_at = 100 + i, 1000 + i, at + timedelta(minutes=i)
    cursors[3].txid = 99  # changed in memory, but its row is not in the batch
    with CaptureQueriesContext(connection) as queries:
        updated = update_many(SubscriberCursor, cursors[:3], ["txid", "event_id", "updated_at"])
    assert updated == 3
    if connection.vendor == "postgresql":
        assert len(queries) == 1 and "UNNEST" in queries[0]["sql"]
    rows = {c.name: c for c in SubscriberCursor.objects.filter(name__startswith="bulk-")}
    for i in range(3):
        row = rows[f"bulk-{i}"]
        assert (row.txid, row.event_id, row.updated_at) == (100 + i, 1000 + i, at + timedelta(minutes=i))
    assert rows["bulk-3"].txid == 0
    assert (rows["bulk-other"].txid, rows["bulk-other"].event_id) == (untouched.txid, untouched.event_id)


def test_only_the_named_fields_are_written():
    cursor = SubscriberCursor.objects.create(name="bulk-fields", txid=1, event_id=2)
    cursor.txid, cursor.event_id = 5, 6
    update_many(SubscriberCursor, [cursor], ["txid"])
    cursor.refresh_from_db()
    assert (cursor.txid, cursor.event_id) == (5, 2)


def test_foreign_keys_and_nulls(unn):
    from samhand.exchange.models import Delivery

    ids = []
    for _ in range(2):
        response = unn.send(readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
    first, second = (Delivery.objects.get(message_id=i) for i in ids)
    at = timezone.now()
    first.apprec_id, first.acked_at, first.state = second.message_id, at, Delivery.State.ACKNOWLEDGED
    second.apprec_id, second.acked_at, second.state = None, None, Delivery.State.FAILED
    assert update_many(Delivery, [first, second], ["apprec", "acked_at", "state"]) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.apprec_id, first.acked_at, first.state) == (second.message_id, at, Delivery.State.ACKNOWLEDGED)
    assert (second.apprec_id, second.acked_at, second.state) == (None, None, Delivery.State.FAILED)


def test_nothing_to_write_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert update_many(SubscriberCursor, [], ["txid"]) == 0
    assert len(queries) == 0


def test_a_field_that_is_not_a_column_is_refused():
    cursor = SubscriberCursor.objects.create(name="bulk-refused")
    with pytest.raises(ValueError):
        update_many(SubscriberCursor, [cursor], ["name"])  # the primary key itself


# --- insert_many -----------------------------------------------------------------------------

def _episode(patient: str):
    from samhand.chains.models import Episode
    from samhand.chains.seed import seed_standard_chain

    version = seed_standard_chain()  # idempotent
    now = timezone.now()
    return Episode(chain_version=version, patient_id=patient, hospital_org_her_id="8100100", started_at=now,
                   updated_at=now)


def test_insert_many_writes_what_bulk_create_writes_and_sets_the_ids(seeded):
    from samhand.chains.models import ChainStep, Episode, EpisodeParty, EpisodeStep
    from samhand.lib.bulk import insert_many

    episodes = [_episode(f"0101000000{i}") for i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        insert_many(Episode, episodes)  # UUID ids: known before, nothing to read back
    assert Episode.objects.filter(pk__in=[e.pk for e in episodes]).count() == 3
    steps = list(ChainStep.objects.filter(version=episodes[0].chain_version).order_by("position")[:3])
    at = timezone.now()
    states = [EpisodeStep(episode=episodes[i % 3], step=steps[i // 3], due_at=at if i else None,
                          late=bool(i % 2)) for i in range(5)]
    other = [EpisodeStep(episode=episodes[2], step=steps[1])]
    with CaptureQueriesContext(connection) as queries:
        insert_many(EpisodeStep, states)
        insert_many(EpisodeStep, other)
    if connection.vendor == "postgresql":
        # One statement per call, and the same text for 5 rows and for 1: prepared once.
        # (Django shows the statements with their values filled in: compare up to the arrays.)
        texts = [q["sql"].partition("UNNEST(")[0] for q in queries]
        assert len(texts) == 2 and texts[0] == texts[1] and texts[0].endswith("SELECT * FROM ")
    assert all(s.pk is not None and not s._state.adding for s in states + other)
    assert len({s.pk for s in states + other}) == 6
    for state in states:
        row = EpisodeStep.objects.get(pk=state.pk)
        assert (row.episode_id, row.step_id, row.due_at, row.late, row.state) == \
            (state.episode_id, state.step_id, state.due_at, state.late, EpisodeStep.State.WAITING)
    # Conflicts ignored: the existing party stays as it was, the new one is written.
    EpisodeParty.objects.create(episode=episodes[0], her_id="8201001", side="municipality", role="first")
    insert_many(EpisodeParty, [EpisodeParty(episode=episodes[0], her_id="8201001", side="municipality", role="second"),
                               EpisodeParty(episode=episodes[1], her_id="8201001", side="municipality")],
                ignore_conflicts=True)
    assert sorted(EpisodeParty.objects.filter(episode__in=episodes[:2]).values_list("role", flat=True)) == ["", "first"]


def test_insert_many_writes_json_and_refuses_mixed_ids(seeded):
    from samhand.chains.models import Episode, EpisodeMessage
    from samhand.exchange.models import Message
    from samhand.lib.bulk import insert_many

    episode = _episode("01010000009")
    insert_many(Episode, [episode])
    messages = [Message.objects.create(msg_id=f"bulk-{i}", sender_her_id="8100100", receiver_her_id="8201001",
                                       msg_type="INNLAGT", sha256="0" * 64, origin="api") for i in range(2)]
    entries = [EpisodeMessage(episode=episode, message=m, msg_id=m.msg_id, msg_type="INNLAGT", at=timezone.now(),
                              sender_her_id="8100100", receiver_her_id="8201001", flags=flags)
               for m, flags in zip(messages, [["late", {"code": "x"}], []], strict=True)]
    insert_many(EpisodeMessage, entries)
    assert [EpisodeMessage.objects.get(pk=e.pk).flags for e in entries] == [["late", {"code": "x"}], []]
    mixed = [EpisodeMessage(pk=10 ** 9, episode=episode, message=messages[0], msg_id="a", msg_type="T", at=timezone.now()),
             EpisodeMessage(episode=episode, message=messages[1], msg_id="b", msg_type="T", at=timezone.now())]
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError, match="every object has its id"):
            insert_many(EpisodeMessage, mixed)
    unsaved = EpisodeMessage(episode=_episode("01010000008"), message=messages[0], msg_id="c", msg_type="T",
                             at=timezone.now())
    unsaved.episode.pk = None  # a target without an id: refused before anything is written
    with pytest.raises(ValueError):
        insert_many(EpisodeMessage, [unsaved])
