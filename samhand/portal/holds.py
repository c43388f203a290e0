"""Messages held back for a downtime, explained on both sides.

The sender sees «holdt tilbake: mottaker har nedetid til 00:06» instead of «i kø»; the
organisation that is down sees the messages waiting for it (type, sender, since when: no patient
data, so no access log).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.models import Delivery
from samhand.monitoring.models import Downtime


@dataclass(frozen=True)
class Hold:
    downtime: Downtime
    until: datetime

    @property
    def text(self) -> str:
        return _("holdt tilbake: mottaker har nedetid til %(until)s") % {"until": short_time(self.until)}


def short_time(value: datetime) -> str:
    """«00:06» today, «02.12.2026 00:06» another day (Norwegian format)."""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _in_force(now: datetime) -> list[Downtime]:
    return list(Downtime.objects.filter(ended_at__isnull=True, start__lte=now)
                .select_related("party__organisation", "organisation").order_by("expected_end"))


def holds(her_ids, now: datetime | None = None) -> dict[str, Hold]:
    """For each of ``her_ids`` whose deliveries are held now: the downtime holding them."""
    wanted = {h for h in her_ids if h}
    if not wanted:
        return {}
    downtimes = _in_force(now or timezone.now())
    if not downtimes:
        return {}
    org_of = dict(CommunicationParty.objects.filter(her_id__in=wanted).values_list("her_id", "organisation_id"))
    org_of.update(dict(Organisation.objects.filter(her_id__in=wanted).values_list("her_id", "pk")))
    found: dict[str, Hold] = {}
    for dt in downtimes:
        for her_id in wanted - found.keys():
            hit = (dt.party_id and dt.party.her_id == her_id) or (dt.organisation_id and
                                                                 org_of.get(her_id) == dt.organisation_id)
            if hit:
                found[her_id] = Hold(dt, dt.expected_end)
    return found


def waiting_for(organisation: Organisation, *, limit: int = 50) -> list[Delivery]:
    """Deliveries to the organisation's services held back by its downtime, oldest first."""
    her_ids = [organisation.her_id, *organisation.parties.values_list("her_id", flat=True)]
    held = holds(her_ids)
    if not held:
        return []
    rows = list(Delivery.objects.filter(her_id__in=list(held), state=Delivery.State.QUEUED)
                .select_related("message").order_by("created_at")[:limit])
    for d in rows:
        d.hold = held[d.her_id]
    return rows


def held_count(downtime: Downtime) -> int:
    """How many deliveries this downtime holds now (the number released when it ends)."""
    if downtime.party_id:
        her_ids = [downtime.party.her_id]
    else:
        her_ids = [downtime.organisation.her_id, *downtime.organisation.parties.values_list("her_id", flat=True)]
    return Delivery.objects.filter(her_id__in=her_ids, state=Delivery.State.QUEUED).count()
