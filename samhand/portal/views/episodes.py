"""Open patient episodes per service, most urgent first (the chain issue's work list)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhand.access import door
from samhand.chains import queries
from samhand.chains.typenames import type_names
from samhand.exchange.errors import NotFound

from ..decorators import member_view
from ..names import Names
from .downtime import duration_text


@member_view
def episodes(request):
    scope = request.scope
    if not scope.sees_content:
        # An episode names the patient: the node operator watches traffic, not patients.
        raise PermissionDenied("episodes carry patient data")
    overdue_only = request.GET.get("forsinket") == "1"
    by_service = queries.open_episodes_by_service(sorted(scope.her_ids))
    names = Names(list(by_service) + [h for items in by_service.values() for s in items
                                      for h in (*s.parties, s.partner_her_id,
                                                *(n.actor.her_id for n in s.upcoming if n.actor))])
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
    _log_reads(request, list(shown))
    return render(request, "portal/episodes.html", {"services": services, "names": names, "now": timezone.now(),
                                                    "overdue_only": overdue_only, "count": len(shown)})


def _log_reads(request, episode_ids) -> None:
    """A list of episodes shows patients' ids and what was sent about them: logged through the door."""
    if not episode_ids:
        return
    scope = request.scope
    rows = queries.with_details(queries.visible_episodes(sorted(scope.her_ids), state="all").filter(pk__in=episode_ids))
    door.episodes_read(door.user_actor(request.user), rows, purpose="portal-episodes", her_ids=scope.her_ids,
                       listing=True)


STATE_LABELS = {
    "done": ("ok", _("utført")), "sent": ("info", _("sendt, venter på kvittering")),
    "expected": ("warn", _("venter")), "overdue": ("bad", _("forsinket")),
    "waiting": ("muted", _("venter på forrige steg")), "withdrawn": ("muted", _("bortfalt")),
    "missing": ("bad", _("mangler")),
}


@member_view
def episode_detail(request, pk):
    """One episode: the chain drawn as steps (done, waiting on whom, late), its messages and
    deadlines. Names the patient, so the view is logged like a read."""
    scope = request.scope
    if not scope.sees_content:
        raise PermissionDenied("episodes carry patient data")
    try:
        episode = queries.episode_for(sorted(scope.her_ids), pk)
    except NotFound:
        raise Http404(_("Ikke noe slikt pasientforløp for din organisasjon.")) from None
    door.episodes_read(door.user_actor(request.user), [episode], purpose="portal-episode", her_ids=scope.her_ids)
    now = timezone.now()
    types = type_names()
    steps = []
    entries = list(episode.entries.all())
    for s in episode.steps.all():
        d = s.step
        css, label = STATE_LABELS.get(s.state, ("info", s.get_state_display()))
        outstanding = s.state in ("expected", "overdue")
        steps.append({
            "position": d.position, "title": d.title, "state": s.state, "css": css, "label": label,
            "types": [types.get(t) or t for t in d.message_types], "mandatory": d.mandatory,
            "deadline": d.deadline_text, "due_at": s.due_at, "fulfilled_at": s.fulfilled_at,
            "confirmed_at": s.confirmed_at, "late": s.late or s.state == "overdue",
            "overdue_by": (now - s.due_at) if s.state == "overdue" and s.due_at else None,
            "actor": queries.actor_of(episode, s) if outstanding else None,
            "entry": s.entry, "note": d.note, "reference": d.reference,
        })
    mine = next((p.her_id for p in episode.parties.all() if p.her_id in scope.her_ids), "")
    partner = queries.partner_of(episode, mine)
    names = Names([episode.hospital_org_her_id, episode.municipality_org_her_id, partner,
                   *(p.her_id for p in episode.parties.all()),
                   *(st["actor"].her_id for st in steps if st["actor"]),
                   *(h for e in entries for h in (e.sender_her_id, e.receiver_her_id))])
    for st in steps:
        if st["overdue_by"] is not None:
            st["overdue_text"] = duration_text(st["overdue_by"])
    for e in entries:
        e.type_name = types.get(e.msg_type) or e.msg_type
    return render(request, "portal/episode.html", {
        "episode": episode, "steps": steps, "entries": entries, "names": names, "partner": partner,
        "version": episode.chain_version, "now": now})
