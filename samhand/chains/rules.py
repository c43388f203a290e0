"""The chain rules as a pure core: step definitions and one episode's step states, changed in place.

No database here: a ``Board`` works on any objects with the attributes of ChainStep (definitions)
and EpisodeStep (states), so the rules are tested with plain objects and the services only load
and save. Rules, from HISD 80806 (the PLO guide) and FOR-2011-11-18-1115:

- A step without a trigger is expected from the episode's start; any other step becomes expected
  when its trigger step is fulfilled, due ``deadline`` later (or at the end of that day).
- A message fulfils its step ("sent"); the step is "done" when a positive AppRec arrives
  (guide fig. 1: "Helseforetaket vet at kommunen har mottatt varsel når positiv
  applikasjonskvittering er mottatt"). A negative AppRec or a cancellation (status C, HISD 1154)
  undoes the fulfilment, and whatever it triggered and is still outstanding waits again.
- A message for a step whose trigger has not happened is out of order unless the step may come
  early (Innleggelsesrapport on the municipality's own initiative, guide §9.1); a second new
  message for a done step that cannot repeat is flagged as repeated.
- A step may withdraw another (LOG_AVMELDING: the patient is no longer ready for discharge, so the
  feedback on LOG_UTSKRIVNINGSKLAR is no longer due, guide §10.5.3).
- The closing step (LOG_UTSKREVET) discharges the episode: what can no longer happen is missing if
  mandatory, withdrawn otherwise; what the discharge triggers (Utskrivningsrapport the same day)
  is still expected. The episode closes once nothing mandatory or due is outstanding.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from zoneinfo import ZoneInfo

WAITING, EXPECTED, OVERDUE, SENT, DONE, WITHDRAWN, MISSING = (
    "waiting", "expected", "overdue", "sent", "done", "withdrawn", "missing")
FULFILLED = frozenset({SENT, DONE})
OUTSTANDING = frozenset({EXPECTED, OVERDUE})

# Flags on a message (EpisodeMessage.flags).
OUT_OF_ORDER, REPEATED, LATE, WRONG_SIDE, AFTER_CLOSE = (
    "out_of_order", "repeated", "late", "wrong_side", "after_close")

OSLO = ZoneInfo("Europe/Oslo")


def due_for(defn, triggered_at: datetime | None) -> datetime | None:
    """When a step triggered at ``triggered_at`` is due; None when it has no deadline."""
    if triggered_at is None:
        return None
    if defn.same_day:
        # "Sendes utskrivningsdagen" (guide §10.2): by the end of the trigger's day, Norwegian time.
        local = triggered_at.astimezone(OSLO)
        return datetime.combine(local.date(), time(23, 59, 59), tzinfo=OSLO)
    if defn.deadline is None:
        return None
    return triggered_at + defn.deadline


class Board:
    """One episode's step states under its chain version's definitions."""

    def __init__(self, defs: Iterable, states: Iterable, *, discharged_at: datetime | None = None):
        self.defs = {d.id: d for d in defs}
        self.states = {s.step_id: s for s in states}
        self.discharged_at = discharged_at
        self.changed: dict[int, object] = {}

    # -- helpers -----------------------------------------------------------------------------
    def state_of(self, defn):
        return self.states[defn.id]

    def _touch(self, state) -> None:
        self.changed[state.step_id] = state

    def dependents(self, step_id) -> list:
        return [d for d in self.defs.values() if d.trigger_id == step_id]

    def fulfilled(self, step_id) -> bool:
        return step_id is not None and self.states[step_id].state in FULFILLED

    def closing_step(self):
        return next((d for d in self.defs.values() if d.closes_episode), None)

    # -- transitions -------------------------------------------------------------------------
    def start(self, at: datetime) -> None:
        for defn in self.defs.values():
            if defn.trigger_id is None:
                self.expect(defn, at)

    def expect(self, defn, at: datetime) -> None:
        s = self.states[defn.id]
        s.state, s.triggered_at, s.due_at, s.overdue_at = EXPECTED, at, due_for(defn, at), None
        self._touch(s)

    def fulfil(self, defn, at: datetime, entry_id, *, change: bool = False) -> list[str]:
        """A live message (N, or M whose original is not live) for ``defn`` at ``at``; returns flags."""
        s = self.states[defn.id]
        flags: list[str] = []
        if defn.trigger_id is not None and not self.fulfilled(defn.trigger_id) and not defn.allow_early:
            flags.append(OUT_OF_ORDER)
        if s.state in FULFILLED:
            if not change and not defn.repeatable:
                flags.append(REPEATED)
            s.entry_id = entry_id
            self._touch(s)
            return flags
        if s.due_at is not None and at > s.due_at:
            flags.append(LATE)
            s.late = True
        s.state, s.fulfilled_at, s.confirmed_at, s.entry_id = SENT, at, None, entry_id
        self._touch(s)
        for dep in self.dependents(defn.id):
            ds = self.states[dep.id]
            if ds.state in (WAITING, WITHDRAWN):
                self.expect(dep, at)
            elif ds.state in FULFILLED and ds.triggered_at is None:
                # It came early (allowed): record when it would have been due, for the timeline.
                ds.triggered_at, ds.due_at = at, due_for(dep, at)
                self._touch(ds)
        if defn.withdraws_id is not None:
            self.withdraw(defn.withdraws_id, keep=defn.id)
        if defn.closes_episode:
            self.discharge(at, defn)
        return flags

    def confirm(self, defn, at: datetime) -> None:
        """Positive AppRec for the step's message."""
        s = self.states[defn.id]
        if s.state == SENT:
            s.state, s.confirmed_at = DONE, at
            self._touch(s)

    def unfulfil(self, defn, at: datetime) -> None:
        """No live message fulfils ``defn`` any more (cancelled, or rejected by the receiver)."""
        s = self.states[defn.id]
        if s.state not in FULFILLED:
            return
        s.fulfilled_at, s.confirmed_at, s.late, s.entry_id = None, None, False, None
        if defn.trigger_id is None or self.fulfilled(defn.trigger_id):
            s.state, s.due_at = EXPECTED, due_for(defn, s.triggered_at)
            if s.due_at is not None and s.due_at <= at:
                s.state, s.overdue_at = OVERDUE, s.overdue_at or at
        else:
            s.state, s.triggered_at, s.due_at = WAITING, None, None
        self._touch(s)
        for dep in self.dependents(defn.id):
            ds = self.states[dep.id]
            if ds.state in OUTSTANDING:
                ds.state, ds.triggered_at, ds.due_at, ds.overdue_at = WAITING, None, None, None
                self._touch(ds)
        if defn.closes_episode:
            self.discharged_at = None

    def withdraw(self, step_id, *, keep=None) -> None:
        """The step no longer applies, nor anything it triggered (except ``keep``)."""
        s = self.states[step_id]
        s.state = WITHDRAWN
        self._touch(s)
        for dep in self.dependents(step_id):
            if dep.id == keep:
                continue
            ds = self.states[dep.id]
            if ds.state != WITHDRAWN:
                ds.state = WITHDRAWN
                self._touch(ds)

    def discharge(self, at: datetime, closing) -> None:
        self.discharged_at = at
        for defn in self.defs.values():
            s = self.states[defn.id]
            if defn.id == closing.id or defn.trigger_id == closing.id:
                continue  # what the discharge itself triggers is expected now
            if s.state == WAITING:
                s.state = WITHDRAWN  # its trigger never came: not applicable in this stay
                self._touch(s)
            elif s.state == EXPECTED and s.due_at is None:
                s.state = MISSING if defn.mandatory else WITHDRAWN
                self._touch(s)

    def mark_overdue(self, now: datetime) -> list:
        marked = []
        for s in self.states.values():
            if s.state == EXPECTED and s.due_at is not None and s.due_at <= now:
                s.state, s.overdue_at = OVERDUE, now
                self._touch(s)
                marked.append(s)
        return marked

    def closable(self) -> bool:
        """Discharged, and nothing mandatory or with a due time outstanding."""
        if self.discharged_at is None:
            return False
        return not any(s.state in OUTSTANDING and (self.defs[sid].mandatory or s.due_at is not None)
                       for sid, s in self.states.items())

    def close(self) -> None:
        """Final: whatever is still outstanding or waiting is missing (mandatory) or withdrawn."""
        for sid, s in self.states.items():
            if s.state in OUTSTANDING or s.state == WAITING:
                s.state = MISSING if self.defs[sid].mandatory else WITHDRAWN
                self._touch(s)

    # -- summary -----------------------------------------------------------------------------
    def next_due_at(self) -> datetime | None:
        """The earliest due time still outstanding: in the past when something is overdue, so
        sorting episodes by it puts the most overdue first and then the soonest due."""
        dues = [s.due_at for s in self.states.values() if s.state in OUTSTANDING and s.due_at is not None]
        return min(dues) if dues else None

    def overdue_count(self) -> int:
        return sum(1 for s in self.states.values() if s.state == OVERDUE)


def version_key(version: str) -> tuple:
    """Sort key for "1.6" < "2.0" < "10.1"; non-numeric parts sort as text after numbers."""
    parts = []
    for part in version.split("."):
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(parts)
