"""Fast bulk inserts for generated rows: one prepared INSERT per table, ``executemany`` in batches.

Django's ``bulk_create`` on SQLite packs at most 999 parameters per statement (about 30 member
rows), which makes 176k members cost thousands of statements; ``executemany`` with one prepared
statement is several times faster on SQLite and is pipelined by psycopg on PostgreSQL. Rows skip
model ``save()`` and signals, so no simple-history rows are written for generated data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import connection, models
from django.utils import timezone


class TableWriter:
    """Buffers rows (dicts of field name → Python value) and inserts them in batches."""

    def __init__(self, model: type[models.Model], *, batch_size: int = 5000):
        self.model = model
        self.batch_size = batch_size
        self.fields = [f for f in model._meta.concrete_fields]
        now = timezone.now()
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add or f.has_default()):
                self.defaults[f.attname] = now
            elif f.primary_key or f.null:
                self.defaults[f.attname] = None
            else:
                self.defaults[f.attname] = f.get_default()
        # Values the rows leave out are converted once; dates given per row go through the
        # backend's adapter (a plain ISO string on SQLite).
        self.converters: list[Callable[[Any], Any] | None] = []
        for f in self.fields:
            if isinstance(f, (models.DateTimeField, models.JSONField)):
                self.converters.append(lambda v, f=f: f.get_db_prep_save(v, connection))
            elif isinstance(f, models.DateField):
                self.converters.append(connection.ops.adapt_datefield_value)
            else:
                self.converters.append(None)
        for f, convert in zip(self.fields, self.converters, strict=True):
            if convert is not None and self.defaults[f.attname] is not None:
                self.defaults[f.attname] = convert(self.defaults[f.attname])
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        table = quote(model._meta.db_table)
        # identifiers come from model metadata, values are bound parameters
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        self.names = [f.attname for f in self.fields]
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: Mapping[str, Any]) -> None:
        values = []
        defaults = self.defaults
        for name, convert in zip(self.names, self.converters, strict=True):
            if name in row:
                value = row[name]
                values.append(convert(value) if convert is not None and value is not None else value)
            else:
                values.append(defaults[name])
        self.rows.append(tuple(values))
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []
