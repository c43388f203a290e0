"""Video meetings as care relations, for the access broker (samhand/access may call this if present).

Two organisations that met over video about a patient have a care relation for that patient from
the meeting on. Only meetings that were not cancelled count.
"""

from __future__ import annotations

from datetime import datetime
from itertools import combinations

from .models import Meeting


def meetings_for(patient_id: str, since: datetime | None = None) -> list[tuple[int, int, datetime]]:
    """(organisation id, organisation id, meeting start) for every pair of organisations in a
    meeting about the patient since ``since``; each pair once per meeting, lower id first."""
    if not patient_id:
        return []
    qs = Meeting.objects.filter(patient_id=patient_id).exclude(status=Meeting.Status.CANCELLED)
    if since is not None:
        qs = qs.filter(start__gte=since)
    relations = []
    for meeting in qs.prefetch_related("organisations").order_by("start"):
        orgs = sorted({o.pk for o in meeting.organisations.all()})
        relations += [(a, b, meeting.start) for a, b in combinations(orgs, 2)]
    return relations
