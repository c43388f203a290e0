"""Following the exchange: every business message and every AppRec correlated.

The exchange does not call this: ``subscribers.py`` reads its event feed (submitted, received,
apprec-received) in batches off the message's own transaction and calls ``track_arrival`` and
``track_apprec``. Both are idempotent (the feed is at-least-once) and use only what the MsgHead
already told us, kept with the message and its event: no decryption, no XML re-parsing.

When is a step done? HISD 80806 fig. 1: "Helseforetaket vet at kommunen har mottatt varsel når
positiv applikasjonskvittering er mottatt". So: a deadline is met when the message is sent (the
node records it in time); the step is *done* when a positive AppRec (8258 status 1, or 3 "OK,
feil i delmelding") arrives; a negative AppRec (status 2) means the receiver never took it in, so
the step is open again (expected, or overdue if its time has passed) until a new message comes.
With copy receivers, a positive AppRec from any receiver is not undone by another's rejection.
"""

from __future__ import annotations

import logging

from django.db import transaction

from samhand import kith

from samhand.lib import clock

from . import rules
from .definitions import steps_of
from .episodes import Arrival, persist_steps, record, refresh_step, settle
from .models import Episode, EpisodeMessage

POSITIVE = frozenset({"1", "3"})
log = logging.getLogger(__name__)


def track_message(message, msghead: kith.MsgHead) -> None:
    """Record a business message (not an AppRec) in its patient episode, if it belongs to one."""
    track_arrival(message, Arrival.of(msghead, clock.now()))


def track_arrival(message, arrival: Arrival) -> None:
    """As ``track_message``, from the facts the exchange kept. Tracking is secondary to the
    exchange: a failure here is logged and rolled back to a savepoint, and never loses anything."""
    if message.is_apprec or not arrival.msg_type or arrival.msg_type == "APPREC":
        return
    if EpisodeMessage.objects.filter(message_id=message.pk).exists():
        return
    try:
        with transaction.atomic():
            record(message, arrival)
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("chain tracking of %s %s failed", arrival.msg_type, arrival.msg_id)


def track_apprec(original_message, status: str) -> None:
    """The AppRec for ``original_message`` said ``status`` (code system 8258)."""
    try:
        with transaction.atomic():
            _apprec(original_message, status)
    except Exception:  # noqa: BLE001 - as for track_message
        log.exception("chain tracking of the AppRec for %s failed", getattr(original_message, "msg_id", "?"))


def _apprec(original_message, status: str) -> None:
    entry = (EpisodeMessage.objects.select_related("episode__chain_version").select_for_update(of=("episode",))
             .filter(message=original_message).first())
    if entry is None or entry.apprec_status == status:
        return
    if entry.apprec_status in POSITIVE and status not in POSITIVE:
        return  # a copy receiver's rejection does not undo what the receiver took in
    was_live = entry.live
    now = clock.now()
    entry.apprec_status, entry.apprec_at = status, now
    entry.save(update_fields=["apprec_status", "apprec_at"])
    if entry.step_id is None or entry.status == "C" or entry.effect == EpisodeMessage.Effect.CANCELLED:
        return
    episode: Episode = entry.episode
    defs = steps_of(episode.chain_version)
    board = rules.Board(defs, list(episode.steps.all()), discharged_at=episode.discharged_at)
    defn = board.defs.get(entry.step_id)
    if defn is None:
        return
    if status in POSITIVE:
        board.confirm(defn, now)
    elif was_live:
        refresh_step(board, episode, defn, now)
    settle(episode, board, now)
    persist_steps(False, [], board)
    episode.save(update_fields=["state", "closed_at", "close_reason", "discharged_at", "next_due_at",
                                "overdue_steps", "updated_at"])
