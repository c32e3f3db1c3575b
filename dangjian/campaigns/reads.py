"""Small reads run on every view of the dashboard, as statements built once per process.

For a few small indexed reads the ORM spent more time building the SQL than the database
spent running it. Here the statement is built by the ORM once per process for each key (the
reprs of its conditions, values included) and then run as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections

_SQL: dict[tuple[str, ...], tuple[str, tuple[Any, ...]]] = {}
_SQL_KEEP = 256


def read_rows(
    model: Any, fields: tuple[str, ...], build: Callable[[], Any], *, key: tuple[str, ...]
) -> list[Any]:
    """``model`` rows (only ``fields`` loaded) of the queryset ``build`` makes. The statement is
    built once per process for each ``key`` (the reprs of its conditions, values included) and
    then run as it is: for the dashboard's few small reads, building them through the ORM cost
    more than running them."""
    # ``from_db`` takes the values in the model's field order.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
    hit = _SQL.get(key)
    if hit is None:
        if len(_SQL) >= _SQL_KEEP:
            _SQL.clear()
        sql, params = build().values_list(*names).query.sql_with_params()
        hit = _SQL[key] = (sql, tuple(params))
    db = model.objects.db
    with connections[db].cursor() as cursor:
        cursor.execute(*hit)
        return [model.from_db(db, names, row) for row in cursor.fetchall()]


def read_values(build: Callable[[], Any], *, key: tuple[str, ...], db: str = "default") -> list[tuple]:
    """The rows (tuples, as the database driver returns them) of the ``values_list`` queryset
    ``build`` makes: only for columns that need no converter of the ORM (text, numbers)."""
    hit = _SQL.get(key)
    if hit is None:
        if len(_SQL) >= _SQL_KEEP:
            _SQL.clear()
        sql, params = build().query.sql_with_params()
        hit = _SQL[key] = (sql, tuple(params))
    with connections[db].cursor() as cursor:
        cursor.execute(*hit)
        return cursor.fetchall()
