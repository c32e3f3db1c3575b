"""Reading rows without building an ORM query: one instance by a fixed condition
(``fetch_one``), and the converters that turn raw cursor rows into the values the ORM would give
(``value_converters`` / ``convert``, for SQL the ORM compiled once and a caller stored).

A page request authenticates its user and fetches the org it is about; through the ORM each of
those lookups spends most of its time cloning and compiling the query rather than in the
database. Here the SELECT is written once per model from its metadata, values pass through the
same database converters the ORM applies, and the instance is made with ``Model.from_db`` as a
QuerySet would. Use it only for hot, fixed lookups; anything scoped still goes through the
selectors, which call it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def _converters(fields: list[models.Field], tables: list[str]) -> list[tuple[int, list, Any]]:
    """(position, converters, column) for the selected columns that need converting."""
    out = []
    for i, (field, table) in enumerate(zip(fields, tables, strict=True)):
        col = field.get_col(table)
        found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found:
            out.append((i, found, col))
    return out


def convert(row: tuple, converters: list[tuple[int, list, Any]]) -> list[Any]:
    """A raw row's values as the ORM would return them (dates, booleans, decimals …)."""
    values = list(row)
    for i, found, col in converters:
        value = values[i]
        for fn in found:
            value = fn(value, col, connection)
        values[i] = value
    return values


# ``vendor`` only keys the caches: converters differ between SQLite and PostgreSQL.
@lru_cache(maxsize=32)
def _plan(model: type[models.Model], vendor: str) -> tuple[str, list[str], list[tuple[int, list, Any]]]:
    qn = connection.ops.quote_name
    table = model._meta.db_table
    fields: list[Any] = list(model._meta.concrete_fields)  # each has its column
    columns = ", ".join(f"{qn(table)}.{qn(f.column)}" for f in fields)
    select = f"SELECT {columns} FROM {qn(table)}"  # noqa: S608 - from model meta
    return select, [f.attname for f in fields], _converters(fields, [table] * len(fields))


@lru_cache(maxsize=32)
def value_converters(
    model: type[models.Model], names: tuple[str, ...], vendor: str
) -> list[tuple[int, list, Any]]:
    """Converters for rows of ``model.objects.values(*names)`` read with a plain cursor
    (``names``: own fields, ``pk``, or ``fk__field`` one relation away)."""
    fields: list[Any] = []  # concrete fields (get_field is typed to return relations too)
    tables: list[str] = []
    for name in names:
        field: Any
        if name == "pk":
            field = model._meta.pk
        elif "__" in name:
            relation, attr = name.split("__", 1)
            related = model._meta.get_field(relation).related_model
            assert related is not None and not isinstance(related, str), name  # a real relation
            field = related._meta.get_field(attr)
        else:
            field = model._meta.get_field(name)
        fields.append(field)
        tables.append(field.model._meta.db_table)
    return _converters(fields, tables)


def fetch_one(model: type[M], where: str, params: list[Any]) -> M | None:
    """The first ``model`` row matching ``where`` (SQL over the model's own columns, e.g.
    ``"id = %s AND deleted_at IS NULL"``), or None."""
    select, attnames, converters = _plan(model, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"{select} WHERE {where} LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(connection.alias, attnames, convert(row, converters))
