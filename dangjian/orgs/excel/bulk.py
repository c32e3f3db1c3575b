"""Batched inserts for large imports, with their history rows.

Django's ``bulk_create`` prepares every value through the field API and builds SQL per batch;
for a 176k-row roster that alone takes minutes on two cores. Rows here are plain lists sent with
``executemany`` in one statement shape, values adapted per column type by the connection's own
``ops`` (so SQLite and PostgreSQL get what Django would send). History rows are written the same
way, with the columns simple_history writes (history type "+"). Used only for brand-new rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 2000


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is sent to the database; None when as it is."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        memo: dict[Any, Any] = {}  # the same few moments (import time) repeat on every row

        def adapt(v: Any) -> Any:
            if v is None:
                return None
            if v not in memo:
                memo[v] = ops.adapt_datetimefield_value(v)
            return memo[v]

        return adapt
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    return None


def insert_values(
    model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT raw ``rows`` (one value per field, in order) in batches."""
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from model meta
    width = len(fields)
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            values = list(row)
            if len(values) != width:
                raise ValueError(f"{model.__name__}: {len(values)} values for {width} columns")
            for i, adapt in adapters:
                values[i] = adapt(values[i])
            batch.append(values)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows (the caller holds the import's write transaction)."""
    table = model._meta.db_table
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        top = cursor.fetchone()[0]
        if connection.vendor == "sqlite":  # AUTOINCREMENT never reuses ids, even of deleted rows
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            top = max(top, seq[0] if seq else 0)
    return list(range(top + 1, top + 1 + count))


def create_with_history(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    user: Any,
    reason: str,
    when: dt.datetime,
) -> list[int]:
    """Insert new rows (dicts of attname → value; fields left out take their default) with ids
    assigned here, then one "+" history row each. Returns the ids in the order of ``rows``.

    Plain dicts rather than model instances: building 176k instances costs more than the SQL.
    """
    if not rows:
        return []
    ids = next_ids(model, len(rows))
    fields = list(model._meta.concrete_fields)
    names = [f.attname for f in fields]
    pk_name = model._meta.pk.attname
    defaults = {f.attname: f.get_default for f in fields if f.attname != pk_name}
    default_names = defaults.keys()
    for row, pk in zip(rows, ids, strict=True):
        row[pk_name] = pk
        for name in default_names - row.keys():
            row[name] = defaults[name]()
    insert_values(model, fields, ([row[n] for n in names] for row in rows))
    history_model = model.history.model  # type: ignore[attr-defined]  # simple_history descriptor
    tracked = [f.attname for f in history_model.tracked_fields]
    by_name = {f.attname: f for f in history_model._meta.concrete_fields}
    extra = ("history_date", "history_change_reason", "history_type", "history_user_id")
    history_fields = [by_name[n] for n in (*tracked, *extra)]
    tail = [when, reason, "+", user.pk if user is not None else None]
    insert_values(history_model, history_fields, ([row[n] for n in tracked] + tail for row in rows))
    return ids
