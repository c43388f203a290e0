"""Keyset pagination on (created_at, id): no COUNT(*) and no OFFSET, so page 1 000 is as
fast as page 1 with millions of messages.

A page may be drawn from several ordered queries (access.message_streams_for_user: one per
service and direction). They are asked in ONE statement: each stream, bounded by the cursor and
limited to a page, is a branch of a ``UNION ALL`` whose outer ORDER BY and LIMIT keep the page.
Each branch still walks its own (her_id, created_at) index with a limit, so a page costs the
same at any volume, and the page costs one round trip however many services the organisation has.
The streams must not overlap (a message in one stream only); access.message_streams_for_user
makes them so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections


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


def _bounded(qs, n: int, *, before=None, after=None):
    """One stream after (or before) the cursor, at most ``n`` rows in the page's order."""
    if before is not None:
        # A range on created_at (the index) with the equal-time tie cut by id.
        qs = qs.filter(created_at__lte=before[0]).exclude(created_at=before[0], pk__gte=before[1])
    if after is not None:
        qs = qs.filter(created_at__gte=after[0]).exclude(created_at=after[0], pk__lte=after[1])
        qs = qs.reverse()  # oldest first, in the stream's own terms
    return qs[:n]


def _union(parts: list, n: int, *, ascending: bool) -> list:
    """The first ``n`` rows of several limited queries of one model, in one statement.

    Each part is compiled as Django would run it and wrapped as ``SELECT * FROM (…)``, which both
    PostgreSQL and SQLite accept with ORDER BY and LIMIT inside (Django's own ``union()`` refuses
    sliced parts on SQLite). All parts select the same columns (the same model and ``only()``)."""
    first = parts[0]
    connection = connections[first.db]
    sql, params = [], []
    for i, qs in enumerate(parts):
        try:
            part_sql, part_params = qs.query.get_compiler(using=first.db).as_sql()
        except EmptyResultSet:  # a part that can match nothing (say ``__in=[]``)
            continue
        sql.append(f"SELECT * FROM ({part_sql}) AS stream{i}")
        params.extend(part_params)
    if not sql:
        return []
    quote = connection.ops.quote_name
    direction = "ASC" if ascending else "DESC"
    created = quote(first.model._meta.get_field("created_at").column)
    pk = quote(first.model._meta.pk.column)
    statement = f"{' UNION ALL '.join(sql)} ORDER BY {created} {direction}, {pk} {direction} LIMIT {int(n)}"
    return list(first.model.objects.db_manager(first.db).raw(statement, params))


def _take(streams, n: int, *, before=None, after=None) -> list:
    """Up to ``n`` rows of all streams, newest first (oldest first when reading ``after``)."""
    parts = [_bounded(qs, n, before=before, after=after) for qs in streams]
    if len(parts) == 1:
        return list(parts[0])
    return _union(parts, n, ascending=after is not None)


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
