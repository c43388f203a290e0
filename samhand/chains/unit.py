"""Tracking a batch of messages and AppRecs: the rows they look up read together, their writes
written together.

The outbox hands ``chains.tracking`` its events in batches (``subscribers.py``). Recording them one
by one read the message's entries, its episode and the episode's steps with a statement each, and
wrote every row with another. A ``Unit`` serves ``episodes.py`` and ``tracking.py`` instead:

- Look-ups are answered from what the unit holds. When one misses, the unit reads what *every*
  remaining item of the batch will look up, in one statement: which messages already have an
  entry; the entries the messages refer to, that wait for them (a change or cancellation that
  came first) or whose AppRec arrived, with their episodes locked as before; the patients'
  episodes; those episodes' steps. The unit knows which keys it holds completely (``_covered``).
- One object per row: an item sees what an earlier item of the batch changed, in order, as if it
  had read the row again.
- Writes wait until ``flush()``: new rows in one INSERT per table, changed rows in one UPDATE per
  table. A rarer path that reads or changes rows with a statement of its own (a cancellation, a
  change, a negative AppRec, the parties of a feedback) calls ``flush()`` first, and after it
  changed entries with a query (``entries_changed``) the unit reads the entries again.

Nothing here decides anything: the rules stay in ``episodes.py``, ``rules.py`` and ``tracking.py``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from samhand.lib.bulk import insert_many, update_many

from .models import Episode, EpisodeMessage, EpisodeParty, EpisodeStep

if TYPE_CHECKING:
    from .episodes import Arrival

STEP_FIELDS = ["state", "triggered_at", "due_at", "fulfilled_at", "confirmed_at", "overdue_at", "late", "entry"]
ENTRY_FIELDS = ["apprec_status", "apprec_at"]  # what changes in an entry after it is written
EPISODE_FIELDS = [f.name for f in Episode._meta.concrete_fields if not f.primary_key]
NEW = -1  # placeholder entry id (rules.Board) until the entry row exists
PENDING = ("M", "C")


@dataclass(frozen=True)
class Work:
    """One item: a business message that arrived (``arrival``), or an AppRec with ``status``
    for ``message``, the original."""

    message: object
    arrival: Arrival | None = None
    status: str = ""


def _order(entry: EpisodeMessage, seq: int) -> tuple:
    # EpisodeMessage.Meta.ordering (at, id); a row not written yet gets the next ids, in turn.
    return (entry.at, entry.pk is None, entry.pk or 0, seq)


class Unit:
    def __init__(self, items: Sequence[Work] = ()):
        self.items = list(items)
        self.position = 0
        self._tracked: set = set()  # messages with an entry …
        self._tracked_known: set = set()  # … of these
        # Entries, indexed by what is looked up; _covered: keys held completely.
        self._entries: dict[int, EpisodeMessage] = {}  # id(entry) -> entry
        self._entry_pks: dict[int, EpisodeMessage] = {}
        self._seq: dict[int, int] = {}
        self._by_msg_id: dict[str, list[EpisodeMessage]] = defaultdict(list)
        self._by_ref: dict[str, list[EpisodeMessage]] = defaultdict(list)
        self._by_message: dict[int, EpisodeMessage] = {}
        self._covered: set[tuple] = set()
        self._stale = False
        self._counter = itertools.count()
        # Episodes and their steps.
        self._episodes: dict = {}
        self._patients: set[str] = set()
        self._states: dict = {}
        # Deferred writes.
        self._new_episodes: dict = {}
        self._dirty_episodes: dict = {}
        self._episode_fields: set[str] = set()
        self._new_entries: list[EpisodeMessage] = []
        self._dirty_entries: dict[int, EpisodeMessage] = {}
        self._placeholders: dict[int, EpisodeMessage] = {}
        self._temp_ids = itertools.count(NEW - 1, -1)
        self._new_states: list[EpisodeStep] = []
        self._dirty_states: dict[int, EpisodeStep] = {}
        self._new_parties: list[EpisodeParty] = []

    def __iter__(self) -> Iterator[Work]:
        """The items in order; what the unit reads ahead covers the current item and the rest."""
        while self.position < len(self.items):
            yield self.items[self.position]
            self.position += 1

    def _remaining(self) -> list[Work]:
        return self.items[self.position:]

    def _arrivals(self) -> Iterator[tuple[object, Arrival]]:
        for item in self._remaining():
            if item.arrival is not None:
                yield item.message, item.arrival

    # -- which messages are tracked ---------------------------------------------------------------
    def tracked(self, message_pk) -> bool:
        """Whether the message already has an entry (one query for the rest of the batch)."""
        if message_pk not in self._tracked_known:
            wanted = ({message.pk for message, _a in self._arrivals()} | {message_pk}) - self._tracked_known
            self._tracked.update(EpisodeMessage.objects.filter(message_id__in=wanted)
                                 .values_list("message_id", flat=True))
            self._tracked_known |= wanted
        return message_pk in self._tracked

    def untracked(self, message_pk) -> None:
        """The caller knows the message has no entry yet."""
        self._tracked_known.add(message_pk)

    # -- entries --------------------------------------------------------------------------------
    @staticmethod
    def _keys_of(item: Work) -> Iterator[tuple]:
        a = item.arrival
        if a is None:
            yield ("message", item.message.pk)
            return
        for ref in a.refs:
            yield ("msg_id", ref)
        if a.status != "C" and a.sender.her_id is not None:
            yield ("waiting", a.sender.her_id, a.msg_id)

    def _need(self, keys: Iterable[tuple]) -> None:
        if self._stale:
            # Entries were changed by a query: write what waits, then read them again.
            self.flush()
            self._forget_entries()
        missing = set(keys) - self._covered
        if not missing:
            return
        for item in self._remaining():
            missing.update(k for k in self._keys_of(item) if k not in self._covered)
        query = Q(pk__in=[])
        messages = [k[1] for k in missing if k[0] == "message"]
        if messages:
            query |= Q(message_id__in=messages)
        msg_ids = [k[1] for k in missing if k[0] == "msg_id"]
        if msg_ids:
            query |= Q(msg_id__in=msg_ids)
        waiting: dict[str, list[str]] = defaultdict(list)
        for k in missing:
            if k[0] == "waiting":
                waiting[k[1]].append(k[2])
        for sender, ids in waiting.items():
            # The partial indexes entry_pending_parent_idx / entry_pending_conv_idx.
            query |= (Q(sender_her_id=sender, target__isnull=True, status__in=PENDING)
                      & (Q(ref_parent__in=ids) | Q(ref_conversation__in=ids)))
        # The episode rows are locked (PostgreSQL) so that concurrent messages of one episode apply in turn.
        for row in (EpisodeMessage.objects.select_related("episode__chain_version")
                    .select_for_update(of=("episode",)).filter(query)):
            self._add_entry(row)
        self._covered |= missing

    def _add_entry(self, entry: EpisodeMessage) -> EpisodeMessage:
        if entry.pk is not None and entry.pk in self._entry_pks:
            return self._entry_pks[entry.pk]  # ours is as new as the row, or newer
        episode = self._episodes.setdefault(entry.episode_id, entry.episode)
        if entry.episode is not episode:
            entry.episode = episode
        self._entries[id(entry)] = entry
        self._seq[id(entry)] = next(self._counter)
        if entry.pk is not None:
            self._entry_pks[entry.pk] = entry
        self._by_msg_id[entry.msg_id].append(entry)
        self._by_ref[entry.ref_parent].append(entry)
        if entry.ref_conversation != entry.ref_parent:
            self._by_ref[entry.ref_conversation].append(entry)
        self._by_message[entry.message_id] = entry
        return entry

    def _forget_entries(self) -> None:
        self._entries.clear(), self._entry_pks.clear(), self._seq.clear(), self._covered.clear()
        self._by_msg_id.clear(), self._by_ref.clear(), self._by_message.clear()
        self._stale = False

    def entries_changed(self) -> None:
        """Entries were changed by a query (not through their objects): read them again when next asked."""
        self._stale = True

    def _ordered(self, entries: Iterable[EpisodeMessage]) -> list[EpisodeMessage]:
        unique = {id(e): e for e in entries}
        return sorted(unique.values(), key=lambda e: _order(e, self._seq[id(e)]))

    def linked(self, refs: list[str]) -> list[EpisodeMessage]:
        """The entries of the messages ``refs`` names, in the entries' order."""
        self._need(("msg_id", r) for r in refs)
        return self._ordered(e for r in refs for e in self._by_msg_id.get(r, ()))

    def waiting_for(self, a: Arrival) -> list[EpisodeMessage]:
        """Changes and cancellations of ``a`` from its sender that came before it (HISD 1154 §4.2)."""
        if a.sender.her_id is None:
            return []  # sender_her_id = NULL matches no row
        self._need([("waiting", a.sender.her_id, a.msg_id)])
        return self._ordered(e for e in self._by_ref.get(a.msg_id, ())
                             if a.msg_id in (e.ref_parent, e.ref_conversation) and e.sender_her_id == a.sender.her_id
                             and e.msg_type == a.msg_type and e.target_id is None and e.status in PENDING)

    def entry_of(self, message_pk) -> EpisodeMessage | None:
        """The entry of a message (whose AppRec arrived)."""
        self._need([("message", message_pk)])
        return self._by_message.get(message_pk)

    # -- episodes -------------------------------------------------------------------------------
    def latest_episode(self, patient_id: str, hospital: str) -> Episode | None:
        """The patient's latest episode at the hospital trust that is not cancelled (locked)."""
        if patient_id not in self._patients:
            wanted = ({a.patient_id for _m, a in self._arrivals() if a.patient_id} | {patient_id}) - self._patients
            for row in (Episode.objects.select_related("chain_version").select_for_update(of=("self",))
                        .filter(patient_id__in=wanted).exclude(state=Episode.State.CANCELLED)
                        .order_by("-started_at")):
                self._episodes.setdefault(row.pk, row)
            self._patients |= wanted
        latest = None
        for episode in self._episodes.values():
            if (episode.patient_id == patient_id and episode.hospital_org_her_id == hospital
                    and episode.state != Episode.State.CANCELLED
                    and (latest is None or episode.started_at >= latest.started_at)):
                latest = episode
        return latest

    def states_of(self, episode: Episode) -> list[EpisodeStep]:
        """The episode's steps, in the chain's order (with those of the batch's other episodes)."""
        if episode.pk not in self._states:
            wanted = {episode.pk} | self._likely()
            for pk in wanted:
                self._states[pk] = []
            for state in EpisodeStep.objects.filter(episode_id__in=wanted).order_by("episode_id", "step__position"):
                self._states[state.episode_id].append(state)
        return self._states[episode.pk]

    def _likely(self) -> set:
        """Episodes whose steps the batch will probably read: those of the entries read, and each
        patient's latest at each hospital trust."""
        wanted = {e.episode_id for e in self._entries.values()}
        latest: dict[tuple, Episode] = {}
        for episode in self._episodes.values():
            if episode.patient_id in self._patients and episode.state != Episode.State.CANCELLED:
                key = (episode.patient_id, episode.hospital_org_her_id)
                if key not in latest or episode.started_at >= latest[key].started_at:
                    latest[key] = episode
        wanted |= {e.pk for e in latest.values()}
        return {pk for pk in wanted if pk not in self._states and pk not in self._new_episodes}

    # -- writes ---------------------------------------------------------------------------------
    def save_episode(self, episode: Episode, fields: Iterable[str] | None = None) -> None:
        """As ``episode.save(update_fields=fields)``."""
        self._episodes.setdefault(episode.pk, episode)
        if episode._state.adding:
            self._new_episodes[episode.pk] = episode
        else:
            self._dirty_episodes[episode.pk] = episode
            self._episode_fields.update(EPISODE_FIELDS if fields is None else fields)

    def add_states(self, episode: Episode, states: list[EpisodeStep]) -> None:
        """A new episode's steps."""
        self._states[episode.pk] = states
        self._new_states.extend(states)

    def save_states(self, states: Iterable[EpisodeStep]) -> None:
        """Changed steps (all of STEP_FIELDS written)."""
        for state in states:
            if state.pk is not None:
                self._dirty_states[id(state)] = state

    def add_entry(self, entry: EpisodeMessage) -> int:
        """A new entry; returns the id the steps it fulfils carry until it is written."""
        self._add_entry(entry)
        self._new_entries.append(entry)
        self._tracked.add(entry.message_id)
        self._tracked_known.add(entry.message_id)
        placeholder = next(self._temp_ids)
        self._placeholders[placeholder] = entry
        return placeholder

    def save_entry(self, entry: EpisodeMessage) -> None:
        """An entry's AppRec status changed (ENTRY_FIELDS)."""
        if entry.pk is not None:
            self._dirty_entries[id(entry)] = entry

    def add_parties(self, parties: list[EpisodeParty]) -> None:
        """Parties of an episode; one already there is left as it is."""
        self._new_parties.extend(parties)

    def flush(self) -> None:
        """Write what waits: a statement per table and kind of write."""
        if self._new_episodes:
            insert_many(Episode, self._new_episodes.values())
            self._new_episodes.clear()
        if self._new_entries:
            insert_many(EpisodeMessage, self._new_entries)
            for entry in self._new_entries:
                self._entry_pks[entry.pk] = entry
            self._new_entries.clear()
        if self._placeholders:
            for state in itertools.chain(self._new_states, self._dirty_states.values()):
                if state.entry_id is not None and state.entry_id < NEW:
                    state.entry_id = self._placeholders[state.entry_id].pk
        if self._new_states:
            assert all(s.entry_id != NEW for s in self._new_states), "a step names an entry that was never added"
            insert_many(EpisodeStep, self._new_states)
            self._new_states.clear()
        if self._new_parties:
            # One row per party and episode: the first, as when each was written in turn.
            unique: dict[tuple, EpisodeParty] = {}
            for party in self._new_parties:
                unique.setdefault((party.episode_id, party.her_id), party)
            insert_many(EpisodeParty, unique.values(), ignore_conflicts=True)
            self._new_parties.clear()
        if self._dirty_entries:
            update_many(EpisodeMessage, self._dirty_entries.values(), ENTRY_FIELDS)
            self._dirty_entries.clear()
        if self._dirty_states:
            update_many(EpisodeStep, self._dirty_states.values(), STEP_FIELDS)
            self._dirty_states.clear()
        if self._dirty_episodes:
            fields = [f for f in EPISODE_FIELDS if f in self._episode_fields]
            update_many(Episode, self._dirty_episodes.values(), fields)
            self._dirty_episodes.clear()
            self._episode_fields.clear()
