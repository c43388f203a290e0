"""Rooms and equipment quality (S18): checks, due dates, and whether a room may be booked.

A room is as good as its least recently checked equipment: its check is due on the earliest
``next_due`` of its equipment, and a room without checked equipment counts as overdue. An
overdue room is refused for clinical meetings and allowed, with a warning, for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from samhand.lib import clock

from .models import CHECK_ITEMS, Equipment, EquipmentCheck, Room


def check_due(room: Room) -> date | None:
    """The date the room's next check is due: the earliest of its equipment (None: never checked)."""
    dues = [e.next_due for e in room.equipment.all()]
    if not dues or any(d is None for d in dues):
        return None
    return min(dues)


def overdue(room: Room, on: date | None = None) -> bool:
    due = check_due(room)
    return due is None or due < (on or clock.today())


@dataclass(frozen=True)
class RoomDecision:
    allowed: bool
    warning: str = ""
    reason: str = ""


def bookable(room: Room, purpose: str, on: date | None = None) -> RoomDecision:
    """Whether the room may be used for a meeting of ``purpose`` on the day ``on`` (default today)."""
    if not room.active:
        return RoomDecision(False, reason=_("Rommet er ikke i bruk."))
    if not overdue(room, on):
        return RoomDecision(True)
    if purpose == "clinical":
        return RoomDecision(False, reason=_("Kvalitetskontrollen av rommets utstyr er forfalt; rommet kan ikke "
                                            "brukes til kliniske møter før det er kontrollert."))
    return RoomDecision(True, warning=_("Kvalitetskontrollen av rommets utstyr er forfalt."))


@transaction.atomic
def record_check(equipment: Equipment, *, by: str, items: dict[str, bool], note: str = "") -> EquipmentCheck:
    """Record a quality check. Only a check where every item passed moves the next due date."""
    unknown = set(items) - set(CHECK_ITEMS)
    if unknown:
        raise ValueError(f"unknown checklist items: {', '.join(sorted(unknown))}")
    full = {key: bool(items.get(key)) for key in CHECK_ITEMS}
    now = clock.now()
    check = EquipmentCheck.objects.create(equipment=equipment, at=now, by=by, items=full,
                                          passed=all(full.values()), note=note)
    if check.passed:
        Equipment.objects.filter(pk=equipment.pk).update(
            last_checked_at=now, last_checked_by=by, next_due=clock.today() + equipment.interval)
    return check


def rooms_for(organisation) -> list[Room]:
    return list(Room.objects.filter(organisation=organisation).prefetch_related("equipment")
                .select_related("organisation"))
