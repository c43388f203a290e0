"""Following the exchange: every business message and every AppRec correlated.

The exchange does not call this: ``subscribers.py`` reads its event feed (submitted, received,
apprec-received) in batches off the message's own transaction and hands each batch to
``track_batch``; other callers track one message with ``track_message``/``track_arrival`` or one
AppRec with ``track_apprec``. All are idempotent (the feed is at-least-once) and use only what the
MsgHead already told us, kept with the message and its event: no decryption, no XML re-parsing.

When is a step done? HISD 80806 fig. 1: "Helseforetaket vet at kommunen har mottatt varsel når
positiv applikasjonskvittering er mottatt". So: a deadline is met when the message is sent (the
node records it in time); the step is *done* when a positive AppRec (8258 status 1, or 3 "OK,
feil i delmelding") arrives; a negative AppRec (status 2) means the receiver never took it in, so
the step is open again (expected, or overdue if its time has passed) until a new message comes.
With copy receivers, a positive AppRec from any receiver is not undone by another's rejection.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from django.db import transaction

from samhand import kith

from samhand.lib import clock

from . import rules
from .definitions import steps_of
from .episodes import Arrival, record, refresh_step, settle
from .models import Episode, EpisodeMessage
from .unit import Unit, Work

POSITIVE = frozenset({"1", "3"})
log = logging.getLogger(__name__)


def track_message(message, msghead: kith.MsgHead) -> None:
    """Record a business message (not an AppRec) in its patient episode, if it belongs to one."""
    track_arrival(message, Arrival.of(msghead, clock.now()))


def track_arrival(message, arrival: Arrival) -> None:
    """As ``track_message``, from the facts the exchange kept. Tracking is secondary to the
    exchange: a failure here is logged and rolled back to a savepoint, and never loses anything."""
    if not _business(message, arrival):
        return
    if EpisodeMessage.objects.filter(message_id=message.pk).exists():
        return
    try:
        with transaction.atomic():
            unit = Unit([Work(message, arrival)])
            unit.untracked(message.pk)
            record(unit, message, _stamped(arrival))
            unit.flush()
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("chain tracking of %s %s failed", arrival.msg_type, arrival.msg_id)


def track_apprec(original_message, status: str) -> None:
    """The AppRec for ``original_message`` said ``status`` (code system 8258)."""
    try:
        with transaction.atomic():
            unit = Unit([Work(original_message, status=status)])
            _apprec(unit, original_message, status)
            unit.flush()
    except Exception:  # noqa: BLE001 - as for track_message
        log.exception("chain tracking of the AppRec for %s failed", getattr(original_message, "msg_id", "?"))


def track_batch(items: Sequence[Work]) -> None:
    """The items in order, as ``track_arrival``/``track_apprec`` one after the other would, with a
    few statements for the whole batch (unit.py). No savepoint per item: a failure fails the
    batch, and the caller (the outbox) runs it again item by item and records the one that fails."""
    unit = Unit(items)
    for item in unit:
        if item.arrival is None:
            _apprec(unit, item.message, item.status)
        elif _business(item.message, item.arrival) and not unit.tracked(item.message.pk):
            record(unit, item.message, _stamped(item.arrival))
    unit.flush()


def _business(message, arrival: Arrival) -> bool:
    return not message.is_apprec and bool(arrival.msg_type) and arrival.msg_type != "APPREC"


def _stamped(arrival: Arrival) -> Arrival:
    """An arrival without a time is recorded as arriving now (on the chains' clock)."""
    return arrival if arrival.at is not None else replace(arrival, at=clock.now())


def _apprec(unit: Unit, original_message, status: str) -> None:
    entry = unit.entry_of(original_message.pk)
    if entry is None or entry.apprec_status == status:
        return
    if entry.apprec_status in POSITIVE and status not in POSITIVE:
        return  # a copy receiver's rejection does not undo what the receiver took in
    was_live = entry.live
    now = clock.now()
    entry.apprec_status, entry.apprec_at = status, now
    unit.save_entry(entry)
    if entry.step_id is None or entry.status == "C" or entry.effect == EpisodeMessage.Effect.CANCELLED:
        return
    episode: Episode = entry.episode
    defs = steps_of(episode.chain_version)
    board = rules.Board(defs, unit.states_of(episode), discharged_at=episode.discharged_at)
    defn = board.defs.get(entry.step_id)
    if defn is None:
        return
    if status in POSITIVE:
        board.confirm(defn, now)
    elif was_live:
        refresh_step(unit, board, episode, defn, now)
    settle(episode, board, now)
    unit.save_states(board.changed.values())
    unit.save_episode(episode, ["state", "closed_at", "close_reason", "discharged_at", "next_due_at",
                                "overdue_steps", "updated_at"])
