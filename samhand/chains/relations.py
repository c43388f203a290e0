"""An open episode is a care relation for the access broker (issue 15 §1): registered with
samhand.access.relations from ChainsConfig.ready(), so the access app needs no import of chains."""

from __future__ import annotations

from .models import Episode


def open_episode(patient_id: str, requester, holder, since) -> str | None:
    qs = Episode.objects.filter(patient_id=patient_id, state=Episode.State.OPEN)
    qs = qs.filter(parties__her_id__in=sorted(requester.her_ids)).filter(parties__her_id__in=sorted(holder.her_ids))
    episode = qs.order_by("-started_at").first()
    if episode is None:
        return None
    return f"open episode started {episode.started_at:%Y-%m-%d}"
