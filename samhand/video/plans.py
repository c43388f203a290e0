"""Video plans and use against them, per quarter (S17).

Use counts the meetings an organisation took part in, by the quarter they started in: held,
cancelled, technical failures (with cause), minutes, participants by role. Each goal of the year's
plan is set against that quarter's actual figure; the share of discharge meetings on video is
counted against the episodes of the organisation discharged in the quarter (S7 episodes).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from samhand.chains.models import Episode, EpisodeParty

from .models import Goal, Meeting, Participant, Plan

DISCHARGE_SERVICE = "discharge-meeting"


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1-4")
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(year, 3 * quarter - 2, 1), time.min, tzinfo=tz)
    end = datetime.combine(date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1), time.min, tzinfo=tz)
    return start, end


def quarter_of(moment: datetime) -> tuple[int, int]:
    local = timezone.localtime(moment)
    return local.year, (local.month - 1) // 3 + 1


@dataclass
class GoalResult:
    kind: str
    label: str
    target: int
    actual: float | None
    met: bool | None
    responsible: str = ""


@dataclass
class QuarterUse:
    year: int
    quarter: int
    held: int = 0
    cancelled: int = 0
    failed: int = 0
    booked: int = 0
    minutes: int = 0
    by_purpose: dict = field(default_factory=dict)
    by_role: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)  # (meeting, cause)
    goals: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.quarter}. kvartal {self.year}"


def _meetings(organisation, start: datetime, end: datetime):
    return (Meeting.objects.filter(organisations=organisation, start__gte=start, start__lt=end).distinct()
            .select_related("service").prefetch_related("participants"))


def quarter_use(organisation, year: int, quarter: int) -> QuarterUse:
    start, end = quarter_bounds(year, quarter)
    use = QuarterUse(year, quarter)
    purposes, roles = Counter(), Counter()
    discharge_meetings = 0
    for meeting in _meetings(organisation, start, end):
        if meeting.status == Meeting.Status.CANCELLED:
            use.cancelled += 1
            continue
        if meeting.status == Meeting.Status.BOOKED:
            use.booked += 1
            continue
        if meeting.status == Meeting.Status.FAILED:
            use.failed += 1
            use.failures.append((meeting, meeting.failure_cause))
        else:
            use.held += 1
            purposes[meeting.purpose] += 1
            if meeting.service and meeting.service.code == DISCHARGE_SERVICE:
                discharge_meetings += 1
        use.minutes += meeting.duration_minutes or 0
        roles.update(p.role for p in meeting.participants.all())
    use.by_purpose = dict(purposes)
    use.by_role = {str(Participant.Role(r).label): n for r, n in sorted(roles.items())}
    plan = Plan.objects.filter(organisation=organisation, year=year).prefetch_related("goals").first()
    if plan is not None:
        her_ids = [organisation.her_id, *organisation.parties.values_list("her_id", flat=True)]
        discharges = Episode.objects.filter(
            discharged_at__gte=start, discharged_at__lt=end,
            pk__in=EpisodeParty.objects.filter(her_id__in=her_ids).values("episode_id")).count()
        use.goals = [_result(goal, use, purposes, discharge_meetings, discharges) for goal in plan.goals.all()]
    return use


def _result(goal: Goal, use: QuarterUse, purposes: Counter, discharge_meetings: int, discharges: int) -> GoalResult:
    kind = goal.kind
    actual: float | None
    if kind == Goal.Kind.DISCHARGE_SHARE:
        actual = round(100 * discharge_meetings / discharges, 1) if discharges else None
    elif kind == Goal.Kind.COMPETENCE_SESSIONS:
        actual = purposes.get("competence", 0)
    elif kind == Goal.Kind.CLINICAL_MEETINGS:
        actual = purposes.get("clinical", 0)
    else:  # MAX_FAILURE_SHARE: lower is better
        done = use.held + use.failed
        actual = round(100 * use.failed / done, 1) if done else None
    if actual is None:
        met = None
    elif kind == Goal.Kind.MAX_FAILURE_SHARE:
        met = actual <= goal.target
    else:
        met = actual >= goal.target
    return GoalResult(kind, str(Goal.Kind(kind).label), goal.target, actual, met, goal.responsible)


def year_chart(organisation, year: int) -> dict:
    """Held, technical failures and cancelled meetings per quarter: the portal's stacked bar chart."""
    quarters = [quarter_use(organisation, year, q) for q in (1, 2, 3, 4)]
    return {"labels": [f"K{q.quarter} {year}" for q in quarters],
            "series": [{"label": _("Gjennomført"), "data": [q.held for q in quarters]},
                       {"label": _("Teknisk feil"), "data": [q.failed for q in quarters]},
                       {"label": _("Avlyst"), "data": [q.cancelled for q in quarters]}]}
