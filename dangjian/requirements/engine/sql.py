"""What differs between SQLite and PostgreSQL, in one place: table names, parameters holding
lists, period keys computed from a date column, id lists of a group, and the periods table."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection

from dangjian.activities.models import Activity, ActivityKindEntry, Attendance
from dangjian.orgs.models import Member, Org, OrgStateChange, Position, Transfer

from ..models import ComplianceResult, ComplianceRollup, PeriodKind, TrackedOrg
from .periods import Span

T_ORG = Org._meta.db_table
T_STATE = OrgStateChange._meta.db_table
T_MEMBER = Member._meta.db_table
T_POSITION = Position._meta.db_table
T_TRANSFER = Transfer._meta.db_table
T_ACTIVITY = Activity._meta.db_table
T_ENTRY = ActivityKindEntry._meta.db_table
T_ATTENDANCE = Attendance._meta.db_table
T_RESULT = ComplianceResult._meta.db_table
T_ROLLUP = ComplianceRollup._meta.db_table
T_TRACKED = TrackedOrg._meta.db_table
STEPLEN = Org.steplen
ALPHABET_LAST = Org.alphabet[-1]


def pg() -> bool:
    return connection.vendor == "postgresql"


# SQLite: bytes of the database file mapped into memory during a job that reads most of it
# (SQLite caps it at its compile-time limit).
BULK_MMAP = 1 << 34


@contextlib.contextmanager
def bulk_reads() -> Iterator[None]:
    """SQLite: the whole database file mapped into memory while the block runs, so that the
    pages a full recompute reads are read in place rather than copied through the page cache
    (which holds a fraction of them); the connection's own setting again afterwards."""
    before = None
    if not pg():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA mmap_size")
            row = cursor.fetchone()  # none for a database in memory
            if row is not None:
                before = int(row[0])
                cursor.execute(f"PRAGMA mmap_size = {BULK_MMAP}")
    if before is None:
        yield
        return
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size = {before}")


def cols(columns: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def sql_date(day: dt.date | None) -> Any:
    return connection.ops.adapt_datefield_value(day)


def as_date(value: Any) -> dt.date | None:
    """A date read back from raw SQL (SQLite gives ISO text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def key_sql(period: PeriodKind | str, col: str) -> str:
    """SQL naming the ``period`` that contains the date column ``col``, to join with the periods
    of ``periods_sql`` on ``period_join()``: on SQLite the key text (see ``span_of``), on
    PostgreSQL the period's first day (date_trunc is much cheaper than to_char)."""
    if pg():
        ts = f"CAST({col} AS timestamp)"  # a bare date would go through timestamptz
        if period == PeriodKind.HALF_YEAR:
            return (
                f"CAST(date_trunc('year', {ts}) + CASE WHEN EXTRACT(MONTH FROM {col}) > 6 "
                f"THEN INTERVAL '6 months' ELSE INTERVAL '0 months' END AS date)"
            )
        unit = {PeriodKind.MONTH: "month", PeriodKind.QUARTER: "quarter", PeriodKind.YEAR: "year"}[
            PeriodKind(period)
        ]
        return f"CAST(date_trunc('{unit}', {ts}) AS date)"
    # SQLite stores dates as ISO text.
    return {
        PeriodKind.MONTH: f"substr({col}, 1, 7)",
        PeriodKind.QUARTER: f"substr({col}, 1, 4) || 'Q' || ((CAST(substr({col}, 6, 2) AS INTEGER) + 2) / 3)",
        PeriodKind.HALF_YEAR: f"substr({col}, 1, 4) || CASE WHEN substr({col}, 6, 2) <= '06' THEN 'H1' ELSE 'H2' END",
        PeriodKind.YEAR: f"substr({col}, 1, 4)",
    }[PeriodKind(period)]


def unindexed(col: str) -> str:
    """``col`` in a condition SQLite must not use an index for (a full scan in table order is
    cheaper than visiting most rows through an index); PostgreSQL plans by its statistics."""
    return col if pg() else f"+{col}"


def period_join() -> str:
    """The column of the periods subquery that ``key_sql`` values match."""
    return "s" if pg() else "k"


def once_key(span: Span) -> Any:
    return sql_date(span.start) if pg() else span.key


def in_ids(col: str, ids: list, *, sql_type: str = "bigint") -> tuple[str, list]:
    """``col`` is one of ``ids``, as a single parameter (an array / a JSON list)."""
    if pg():
        return f"{col} = ANY(CAST(%s AS {sql_type}[]))", [ids]
    return f"{col} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]  # noqa: S608


def id_list(col: str, distinct: bool = True) -> str:
    """Comma-separated values of a group (the order is not defined; readers sort)."""
    d = "DISTINCT " if distinct else ""
    if pg():
        return f"STRING_AGG({d}CAST({col} AS TEXT), ',')"
    return f"GROUP_CONCAT({d}{col})"


def text_cat(*parts: str) -> str:
    if pg():
        return " || ".join(f"CAST({p} AS TEXT)" for p in parts)
    return " || ".join(parts)


def literals(values: Iterable[str]) -> str:
    """Inline string constants (our own choice values: letters and underscores only)."""
    out = []
    for v in values:
        if not str(v).replace("_", "").isalnum():
            raise ValueError(f"unsafe literal {v!r}")
        out.append(f"'{v}'")
    return ", ".join(out)


def periods_sql(spans: Sequence[Span]) -> tuple[str, list]:
    parts, params = [], []
    for i, s in enumerate(spans):
        parts.append("SELECT %s AS k, %s AS s, %s AS e" if i == 0 else "SELECT %s, %s, %s")
        params += [s.key, sql_date(s.start), sql_date(s.end)]
    return " UNION ALL ".join(parts), params


def intervals_sql(rows: list[tuple[int, dt.date, dt.date | None, dt.date | None]]) -> tuple[str, list]:
    """A table (o, f, t, rf) of one parameter: org ``o`` is judged for periods starting in
    [f, t) (t NULL: open); periods ending before ``rf`` have no records."""
    if pg():
        return (
            "SELECT * FROM unnest(CAST(%s AS bigint[]), CAST(%s AS date[]), CAST(%s AS date[]), "
            "CAST(%s AS date[])) AS x(o, f, t, rf)",
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]],
        )
    iso = _IsoMemo()
    data = json.dumps([[r[0], iso[r[1]], iso[r[2]], iso[r[3]]] for r in rows])
    # A compound subquery is not flattened into the join: each interval's values are read from
    # the JSON once, not again for every period they are compared with.
    return (
        "SELECT value ->> 0 AS o, value ->> 1 AS f, value ->> 2 AS t, value ->> 3 AS rf FROM json_each(%s) "
        "UNION ALL SELECT NULL, NULL, NULL, NULL WHERE 1 = 0",
        [data],
    )


class _IsoMemo(dict):
    """``date.isoformat`` (None for None) by subscription, remembered: intervals share a few
    distinct days."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, day: dt.date) -> str:
        text = self[day] = day.isoformat()
        return text


def fetch_all(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
