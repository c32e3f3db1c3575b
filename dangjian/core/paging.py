"""Keyset pages for the big lists: no OFFSET walk and no COUNT(*) over a whole scope.

A page is fetched by a cursor that names the last (or first) row already shown, in the list's
order; the count is taken only up to a cap ("1,000 条以上" past it). The order must end in a
unique column (the primary key) so that the cursor names exactly one position.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet


class BadCursor(ValueError):
    """The cursor text is not one this module wrote; the message is Chinese."""


@dataclass
class KeysetPage:
    """One page of rows and what the pager shows: links exist only where rows exist."""

    object_list: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_capped: bool
    size: int
    is_first: bool = field(default=True)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _encode(value: dt.datetime) -> str:
    """Microseconds since the epoch: URL-safe as it stands, exact, and zone-free."""
    return str((value - _EPOCH) // _MICROSECOND)


def _cursor(direction: str, row: Any, fields: tuple[str, str]) -> str:
    """The cursor naming ``row`` (a model instance, or a dict from ``values()``)."""
    when, pk = (
        (row[fields[0]], row[fields[1]]) if isinstance(row, dict) else (getattr(row, f) for f in fields)
    )
    return f"{direction}~{_encode(when)}~{pk}"


def _parse(cursor: str) -> tuple[str, dt.datetime, int]:
    parts = cursor.split("~")
    if len(parts) != 3 or parts[0] not in ("n", "p"):
        raise BadCursor("翻页参数不正确，请从第一页重新开始")
    stamp, last_id = parts[1].removeprefix("-"), parts[2]
    if not (stamp.isdigit() and len(stamp) <= 17 and last_id.isdigit() and len(last_id) <= 18):
        raise BadCursor("翻页参数不正确，请从第一页重新开始")
    try:
        when = _EPOCH + int(parts[1]) * _MICROSECOND
    except OverflowError:
        raise BadCursor("翻页参数不正确，请从第一页重新开始") from None
    return parts[0], when, int(last_id)


def keyset_page(
    qs: QuerySet[Any],
    *,
    cursor: str | None,
    size: int,
    count_cap: int,
    time_field: str = "starts_at",
    id_field: str = "pk",
    offset: int = 0,
    values: tuple[str, ...] = (),
) -> KeysetPage:
    """A page of ``qs`` newest first by (``time_field``, ``id_field``), after or before the cursor.

    ``cursor`` is ``None`` for the first page, else a value from a previous page's
    ``next_cursor``/``previous_cursor``; without a cursor, ``offset`` rows are skipped first
    (the API's offset paging, bounded by its callers). ``values``: give the rows as dicts of
    these fields (they must include both order fields) rather than model instances. Raises
    BadCursor for text this module did not write.
    """
    fields = (time_field, id_field)
    newest_first = qs.order_by(f"-{time_field}", f"-{id_field}")
    # COUNT over a LIMIT subquery in the list's order: the database stops at the cap, and walks
    # the rows as the page does (newest first), where a default date window finds them at once.
    counted = newest_first.values(id_field)[: count_cap + 1].count()
    count, capped = min(counted, count_cap), counted > count_cap
    if values:  # after the count, which needs none of the joins these may bring
        newest_first = newest_first.values(*values)
    if not cursor:
        rows = list(newest_first[offset : offset + size + 1])
        more = len(rows) > size
        rows = rows[:size]
        previous = _cursor("p", rows[0], fields) if offset and rows else None
        return KeysetPage(
            rows,
            _cursor("n", rows[-1], fields) if more else None,
            previous,
            count,
            capped,
            size,
            is_first=not offset,
        )
    direction, when, last_id = _parse(cursor)
    if direction == "n":
        after = Q(**{f"{time_field}__lt": when}) | Q(**{time_field: when, f"{id_field}__lt": last_id})
        rows = list(newest_first.filter(after)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        next_cursor = _cursor("n", rows[-1], fields) if more else None
        previous_cursor = _cursor("p", rows[0], fields) if rows else None
        return KeysetPage(rows, next_cursor, previous_cursor, count, capped, size, is_first=False)
    before = Q(**{f"{time_field}__gt": when}) | Q(**{time_field: when, f"{id_field}__gt": last_id})
    oldest_first = qs.order_by(time_field, id_field).filter(before)
    if values:
        oldest_first = oldest_first.values(*values)
    rows = list(oldest_first[: size + 1])
    more = len(rows) > size
    rows = list(reversed(rows[:size]))
    return KeysetPage(
        rows,
        _cursor("n", rows[-1], fields) if rows else None,
        _cursor("p", rows[0], fields) if more and rows else None,
        count,
        capped,
        size,
        is_first=not more,
    )
