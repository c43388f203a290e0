"""Open patient episodes per service, most urgent first (the chain issue's work list)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from samhand.chains import queries

from ..decorators import member_view
from ..names import Names


@member_view
def episodes(request):
    scope = request.scope
    if not scope.sees_content:
        # An episode names the patient: the node operator watches traffic, not patients.
        raise PermissionDenied("episodes carry patient data")
    overdue_only = request.GET.get("forsinket") == "1"
    by_service = queries.open_episodes_by_service(sorted(scope.her_ids))
    names = Names(list(by_service) + [h for items in by_service.values() for s in items for h in s.parties])
    services = []
    shown = {}
    for her_id, items in by_service.items():
        if overdue_only:
            items = [s for s in items if s.overdue]
        # Most urgent first: overdue before due, soonest due first, no due time last.
        items = sorted(items, key=lambda s: (not s.overdue, s.next_step is None or s.next_step.due_at is None,
                                             s.next_step.due_at.timestamp() if s.next_step and s.next_step.due_at
                                             else 0))
        services.append({"her_id": her_id, "name": names.label(her_id), "episodes": items,
                         "overdue": sum(1 for s in items if s.overdue)})
        shown.update({s.id: s for s in items})
    services.sort(key=lambda s: (-s["overdue"], s["name"]))
    _log_reads(scope, list(shown))
    return render(request, "portal/episodes.html", {"services": services, "names": names, "now": timezone.now(),
                                                    "overdue_only": overdue_only, "count": len(shown)})


def _log_reads(scope, episode_ids) -> None:
    """A list of episodes shows patients' ids and what was sent about them: log it like a read."""
    if not episode_ids:
        return
    rows = queries.with_details(queries.visible_episodes(sorted(scope.her_ids), state="all").filter(pk__in=episode_ids))
    queries.record_reads(rows, actor_kind="user", actor=scope.username, purpose="portal-episodes", her_ids=scope.her_ids)
