"""Read side of the episodes, for the API and the portal.

``visible_episodes`` is the choke point (architecture §4): every look-up of an episode by an
outside caller goes through it, scoped to the parties the caller acts for. Showing an episode
names the patient (national id) and what was sent: callers log it through the access door
(``samhand.access.door.episodes_read``), the one writer of the access log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Prefetch, QuerySet

from samhand.exchange.errors import NotFound
from samhand.lib import clock

from .models import SIDE_OF_ROLE, Episode, EpisodeMessage, EpisodeParty, EpisodeStep, Role

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


def outstanding(episode: Episode) -> list[EpisodeStep]:
    """The expected next steps (prefetched), soonest due first, those without a due time last."""
    steps = [s for s in episode.steps.all() if s.state in OUTSTANDING]
    return sorted(steps, key=lambda s: (s.due_at is None, s.due_at.timestamp() if s.due_at else 0, s.step.position))


@dataclass(frozen=True)
class Actor:
    """Who must act on a step: a service (HER-id) or, when any of its services may, an organisation."""

    her_id: str
    role: str  # the chain role (Role value)
    any_service: bool = False

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else self.role


def actor_of(episode: Episode, step: EpisodeStep) -> Actor:
    """The party that must send ``step`` (prefetched episode, see ``with_details``).

    A step answers what its trigger brought: the municipal service that received the trigger
    message (its whole organisation when the step answers by link, like the feedback on
    LOG_UTSKRIVNINGSKLAR, which any service of the municipality may give), or the hospital service
    that sent or received it. Without a trigger message, the episode's hospital or municipality.
    """
    d = step.step
    side = SIDE_OF_ROLE.get(d.sender_role, "")
    parties = {p.her_id: p for p in episode.parties.all()}
    trigger = None
    if d.trigger_id is not None:
        trigger = next((s.entry for s in episode.steps.all() if s.step_id == d.trigger_id), None)
    if trigger is not None:
        for her_id in (trigger.receiver_her_id, trigger.sender_her_id):
            party = parties.get(her_id)
            if party is not None and party.side == side:
                if d.requires_link and party.organisation_her_id:
                    return Actor(party.organisation_her_id, d.sender_role, any_service=True)
                return Actor(her_id, d.sender_role)
    if side == "hospital":
        return Actor(episode.hospital_org_her_id, d.sender_role, any_service=True)
    if side == "municipality" and episode.municipality_org_her_id:
        return Actor(episode.municipality_org_her_id, d.sender_role, any_service=True)
    return Actor("", d.sender_role)


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
    actor: Actor | None = None


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
    partner_her_id: str = ""  # the other side: the municipality for the hospital, and the reverse


def _next(step: EpisodeStep, episode: Episode | None = None) -> NextStep:
    d = step.step
    return NextStep(d.key, d.title, tuple(d.message_types), d.sender_role, step.due_at,
                    step.state == EpisodeStep.State.OVERDUE, d.mandatory,
                    actor_of(episode, step) if episode is not None else None)


def partner_of(episode: Episode, her_id: str) -> str:
    """The organisation on the other side of the episode from ``her_id``'s point of view."""
    party = next((p for p in episode.parties.all() if p.her_id == her_id), None)
    if party is not None and party.side == "hospital":
        return episode.municipality_org_her_id
    return episode.hospital_org_her_id


def summarise(episode: Episode, viewer_her_id: str = "") -> EpisodeSummary:
    upcoming = tuple(_next(s, episode) for s in outstanding(episode))
    return EpisodeSummary(
        id=str(episode.pk), patient_id=episode.patient_id, state=episode.state,
        chain=episode.chain_version.chain.code, chain_version=episode.chain_version.number,
        hospital_her_id=episode.hospital_org_her_id, municipality_her_id=episode.municipality_org_her_id,
        started_at=episode.started_at, parties=tuple(sorted(p.her_id for p in episode.parties.all())),
        next_step=upcoming[0] if upcoming else None, upcoming=upcoming, overdue=episode.overdue_steps > 0,
        flagged_messages=episode.flagged_messages,
        partner_her_id=partner_of(episode, viewer_her_id) if viewer_her_id else "")


def open_episodes_for(her_ids, *, overdue_only: bool = False, limit: int = 100) -> list[EpisodeSummary]:
    """Open episodes of the given parties, most urgent first (overdue, then soonest due)."""
    qs = with_details(visible_episodes(her_ids, state="overdue" if overdue_only else "open"))[:limit]
    return [summarise(e) for e in qs]


def open_episodes_by_service(her_ids, *, limit: int = 500) -> dict[str, list[EpisodeSummary]]:
    """Per service (HER-id), its open episodes, most urgent first: the portal's work list."""
    wanted = set(her_ids)
    grouped: dict[str, list[EpisodeSummary]] = defaultdict(list)
    for episode in with_details(visible_episodes(her_ids, state="open"))[:limit]:
        for party in episode.parties.all():
            if party.her_id in wanted:
                grouped[party.her_id].append(summarise(episode, party.her_id))
    return dict(grouped)


def due_within(her_ids, hours: float) -> list[EpisodeSummary]:
    """Open episodes with a step due in the next ``hours`` hours or already overdue."""
    horizon = clock.now().timestamp() + hours * 3600
    return [s for s in open_episodes_for(her_ids)
            if s.next_step and s.next_step.due_at and s.next_step.due_at.timestamp() <= horizon]
