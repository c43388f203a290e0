"""Keyset pagination on (created_at, id): no COUNT(*) and no OFFSET, so page 1 000 is as
fast as page 1 with millions of messages.

A page may be drawn from several ordered queries (access.message_streams_for_user: one per
service and direction); each gives at most a page, and the pages are merged by time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass
class Page:
    items: list
    newer: str | None  # cursor for the page before (newer messages)
    older: str | None  # cursor for the page after (older messages)

    @property
    def first(self) -> bool:
        return self.newer is None


def _encode(row) -> str:
    return f"{row.created_at.isoformat()}_{row.pk}"


def _decode(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    stamp, _sep, pk = cursor.rpartition("_")
    try:
        at = datetime.fromisoformat(stamp)
        return (at, uuid.UUID(pk)) if at.tzinfo is not None else None
    except ValueError:
        return None


def _key(row):
    return (row.created_at, str(row.pk))


def _take(streams, n: int, *, before=None, after=None) -> list:
    """Up to ``n`` rows of all streams, newest first (oldest first when reading ``after``)."""
    rows = {}
    for qs in streams:
        if before is not None:
            # A range on created_at (the index) with the equal-time tie cut by id.
            qs = qs.filter(created_at__lte=before[0]).exclude(created_at=before[0], pk__gte=before[1])
        if after is not None:
            qs = qs.filter(created_at__gte=after[0]).exclude(created_at=after[0], pk__lte=after[1])
            qs = qs.order_by("created_at", "pk")
        for row in qs[:n]:
            rows[row.pk] = row
    ordered = sorted(rows.values(), key=_key, reverse=after is None)
    return ordered[:n]


def keyset_page(streams, *, older: str | None = None, newer: str | None = None, size: int = 50) -> Page:
    """One page of the streams (querysets ordered newest first by created_at, id)."""
    if not isinstance(streams, (list, tuple)):
        streams = [streams]
    before, after = _decode(older), _decode(newer)
    if after is not None:
        rows = _take(streams, size + 1, after=after)
        if len(rows) <= size:
            return keyset_page(streams, size=size)  # back at the top: show a full first page
        rows = rows[:size][::-1]
        return Page(rows, _encode(rows[0]), _encode(rows[-1]))
    rows = _take(streams, size + 1, before=before)
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(rows, _encode(rows[0]) if before is not None and rows else None,
                _encode(rows[-1]) if more_older and rows else None)
