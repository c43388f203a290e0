"""Read side of the episodes, for the API and the portal.

``visible_episodes`` is the choke point (architecture §4): every look-up of an episode by an
outside caller goes through it, scoped to the parties the caller acts for; ``record_reads``
writes the access log, since an episode names the patient (national id) and what was sent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Prefetch, QuerySet

from samhand.access.models import AccessLog
from samhand.exchange.errors import NotFound
from samhand.lib import clock

from .models import Episode, EpisodeMessage, EpisodeParty, EpisodeStep

STATES = ("open", "overdue", "closed", "cancelled", "all")
OUTSTANDING = (EpisodeStep.State.EXPECTED, EpisodeStep.State.OVERDUE)


def visible_episodes(her_ids, *, state: str = "open") -> QuerySet:
    """Episodes in which one of ``her_ids`` takes part, most urgent first."""
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}")
    qs = Episode.objects.filter(pk__in=EpisodeParty.objects.filter(her_id__in=list(her_ids)).values("episode_id"))
    if state == "overdue":
        qs = qs.filter(state=Episode.State.OPEN, overdue_steps__gt=0)
    elif state != "all":
        qs = qs.filter(state=state)
    return (qs.select_related("chain_version__chain")
            .order_by(F("next_due_at").asc(nulls_last=True), "-started_at"))


def with_details(qs: QuerySet) -> QuerySet:
    return qs.prefetch_related(
        Prefetch("entries", queryset=EpisodeMessage.objects.select_related("step").order_by("at", "id")),
        Prefetch("steps", queryset=EpisodeStep.objects.select_related("step", "entry").order_by("step__position")),
        "parties")


def episode_for(her_ids, episode_id) -> Episode:
    """One episode as a caller acting for ``her_ids`` may see it; NotFound for everything else."""
    episode = with_details(visible_episodes(her_ids, state="all")).filter(pk=episode_id).first()
    if episode is None:
        raise NotFound(str(episode_id))
    return episode


def record_reads(episodes, *, actor_kind: str, actor: str, purpose: str, her_ids) -> None:
    """One access-log line per episode shown, against its first message."""
    rows = []
    her_ids = set(her_ids)
    for episode in episodes:
        entries = list(episode.entries.all())
        if not entries:
            continue
        mine = next((p.her_id for p in episode.parties.all() if p.her_id in her_ids), "")
        rows.append(AccessLog(actor_kind=actor_kind, actor=actor, message_id=entries[0].message_id,
                              patient_id=episode.patient_id, purpose=purpose, organisation_her_id=mine))
    AccessLog.objects.bulk_create(rows)


def outstanding(episode: Episode) -> list[EpisodeStep]:
    """The expected next steps (prefetched), soonest due first, those without a due time last."""
    steps = [s for s in episode.steps.all() if s.state in OUTSTANDING]
    return sorted(steps, key=lambda s: (s.due_at is None, s.due_at.timestamp() if s.due_at else 0, s.step.position))


# -- the portal -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NextStep:
    key: str
    title: str
    types: tuple[str, ...]
    sender_role: str
    due_at: datetime | None
    overdue: bool
    mandatory: bool


@dataclass(frozen=True)
class EpisodeSummary:
    id: str
    patient_id: str
    state: str
    chain: str
    chain_version: int
    hospital_her_id: str
    municipality_her_id: str
    started_at: datetime
    parties: tuple[str, ...]
    next_step: NextStep | None
    upcoming: tuple[NextStep, ...]
    overdue: bool
    flagged_messages: int


def _next(step: EpisodeStep) -> NextStep:
    d = step.step
    return NextStep(d.key, d.title, tuple(d.message_types), d.sender_role, step.due_at,
                    step.state == EpisodeStep.State.OVERDUE, d.mandatory)


def summarise(episode: Episode) -> EpisodeSummary:
    upcoming = tuple(_next(s) for s in outstanding(episode))
    return EpisodeSummary(
        id=str(episode.pk), patient_id=episode.patient_id, state=episode.state,
        chain=episode.chain_version.chain.code, chain_version=episode.chain_version.number,
        hospital_her_id=episode.hospital_org_her_id, municipality_her_id=episode.municipality_org_her_id,
        started_at=episode.started_at, parties=tuple(sorted(p.her_id for p in episode.parties.all())),
        next_step=upcoming[0] if upcoming else None, upcoming=upcoming, overdue=episode.overdue_steps > 0,
        flagged_messages=episode.flagged_messages)


def open_episodes_for(her_ids, *, overdue_only: bool = False, limit: int = 100) -> list[EpisodeSummary]:
    """Open episodes of the given parties, most urgent first (overdue, then soonest due)."""
    qs = with_details(visible_episodes(her_ids, state="overdue" if overdue_only else "open"))[:limit]
    return [summarise(e) for e in qs]


def open_episodes_by_service(her_ids, *, limit: int = 500) -> dict[str, list[EpisodeSummary]]:
    """Per service (HER-id), its open episodes, most urgent first: the portal's work list."""
    wanted = set(her_ids)
    grouped: dict[str, list[EpisodeSummary]] = defaultdict(list)
    for summary in open_episodes_for(her_ids, limit=limit):
        for her_id in summary.parties:
            if her_id in wanted:
                grouped[her_id].append(summary)
    return dict(grouped)


def due_within(her_ids, hours: float) -> list[EpisodeSummary]:
    """Open episodes with a step due in the next ``hours`` hours or already overdue."""
    horizon = clock.now().timestamp() + hours * 3600
    return [s for s in open_episodes_for(her_ids)
            if s.next_step and s.next_step.due_at and s.next_step.due_at.timestamp() <= horizon]
