"""Reading one instance by a fixed condition without building an ORM query (``fetch_one``).

Every page request authenticates its user; through the ORM that lookup spends most of its time
cloning and compiling the query rather than in the database. Here the SELECT is written once per
model from its metadata, values pass through the same database converters the ORM applies, and
the instance is made with ``Model.from_db`` as a QuerySet would. It serves the session user's
lookup (``accounts.backends``); every other read goes through the selectors' querysets.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def _converters(fields: list[models.Field], table: str) -> list[tuple[int, list, Any]]:
    """(position, converters, column) for the selected columns that need converting."""
    out = []
    for i, field in enumerate(fields):
        col = field.get_col(table)
        found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found:
            out.append((i, found, col))
    return out


def _convert(row: tuple, converters: list[tuple[int, list, Any]]) -> list[Any]:
    """A raw row's values as the ORM would return them (dates, booleans, decimals …)."""
    values = list(row)
    for i, found, col in converters:
        value = values[i]
        for fn in found:
            value = fn(value, col, connection)
        values[i] = value
    return values


# ``vendor`` only keys the cache: converters differ between SQLite and PostgreSQL.
@lru_cache(maxsize=32)
def _plan(model: type[models.Model], vendor: str) -> tuple[str, list[str], list[tuple[int, list, Any]]]:
    qn = connection.ops.quote_name
    table = model._meta.db_table
    fields: list[Any] = list(model._meta.concrete_fields)  # each has its column
    columns = ", ".join(f"{qn(table)}.{qn(f.column)}" for f in fields)
    select = f"SELECT {columns} FROM {qn(table)}"  # noqa: S608 - from model meta
    return select, [f.attname for f in fields], _converters(fields, table)


def fetch_one(model: type[M], where: str, params: list[Any]) -> M | None:
    """The first ``model`` row matching ``where`` (SQL over the model's own columns, e.g.
    ``"id = %s AND deleted_at IS NULL"``), or None."""
    select, attnames, converters = _plan(model, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"{select} WHERE {where} LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(connection.alias, attnames, _convert(row, converters))
