"""The periodic work of the chains: steps whose due time passed become overdue; episodes close.

Each item is claimed with a conditional update, so several workers never handle it twice
("nothing got updated: another worker got there first").
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from samhand.exchange.outbox import publish
from samhand.lib import clock

from . import rules
from .definitions import steps_of
from .episodes import Context, close_episode, summarise
from .models import SIDE_OF_ROLE, Episode, EpisodeStep

BATCH = 100


def _grace() -> timedelta:
    # After LOG_UTSKREVET, late steps (Utskrivningsrapport, Epikrise) may still come for a while.
    return timedelta(days=getattr(settings, "SAMHAND_CHAIN_DISCHARGE_GRACE_DAYS", 7))


def _idle() -> timedelta:
    # An episode without any message for this long is closed; what it lacks is then missing.
    return timedelta(days=getattr(settings, "SAMHAND_CHAIN_IDLE_DAYS", 60))


def deadline_step(owner: str) -> int:
    """Mark due steps overdue and close finished or abandoned episodes; returns items handled."""
    now = clock.now()
    return _mark_overdue(now) + _close_quiet(now)


def _mark_overdue(now) -> int:
    handled = 0
    due = list(EpisodeStep.objects.filter(state=EpisodeStep.State.EXPECTED, due_at__lte=now)
               .order_by("due_at").values_list("pk", "episode_id")[:BATCH])
    for pk, episode_id in due:
        with transaction.atomic():
            claimed = (EpisodeStep.objects.filter(pk=pk, state=EpisodeStep.State.EXPECTED, due_at__lte=now)
                       .update(state=EpisodeStep.State.OVERDUE, overdue_at=now))
            if not claimed:
                continue  # another worker got there first, or the message came meanwhile
            episode = _refresh(episode_id)
            _publish_overdue(episode, pk)
            handled += 1
    return handled


def _publish_overdue(episode: Episode, step_pk) -> None:
    """A mandatory step overdue: an event for the rooms above (deviations opens a draft)."""
    step = EpisodeStep.objects.select_related("step").get(pk=step_pk).step
    if not step.mandatory:
        return
    side = SIDE_OF_ROLE.get(step.sender_role)
    responsible = episode.hospital_org_her_id if side == "hospital" else episode.municipality_org_her_id
    publish("chain-step-overdue", actor="chains", data={"episode": str(episode.pk), "step": step.key,
                                                        "organisation_her_id": responsible or ""})


def _refresh(episode_id) -> Episode:
    episode = Episode.objects.select_for_update().select_related("chain_version").get(pk=episode_id)
    board = rules.Board(steps_of(episode.chain_version), list(episode.steps.all()),
                        discharged_at=episode.discharged_at)
    summarise(episode, board)
    episode.save(update_fields=["next_due_at", "overdue_steps"])
    return episode


def _close_quiet(now) -> int:
    quiet = (Episode.objects.filter(state=Episode.State.OPEN, discharged_at__lte=now - _grace())
             | Episode.objects.filter(state=Episode.State.OPEN, updated_at__lte=now - _idle()))
    handled = 0
    for episode_id in list(quiet.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            episode = (Episode.objects.select_for_update().select_related("chain_version")
                       .filter(pk=episode_id, state=Episode.State.OPEN).first())
            if episode is None:
                continue
            reason = ("utskrevet; frist for etterfølgende meldinger utløpt" if episode.discharged_at
                      else "ingen meldinger på lenge")
            ctx = Context(episode, steps_of(episode.chain_version), list(episode.steps.all()))
            close_episode(ctx, now, reason)
            handled += 1
    return handled
