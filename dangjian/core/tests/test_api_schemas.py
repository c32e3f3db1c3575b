"""The API's schemas: every one is on core's ``Schema``, which reads a plain dict as ninja does."""

from __future__ import annotations

import datetime as dt
import json

import ninja
from ninja import Field
from ninja.responses import NinjaJSONEncoder

from config.api import api  # noqa: F401  # imports every app's api module
from dangjian.core.api import DateFirstJSONEncoder, Schema


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return out


def test_every_api_schema_of_the_project_is_on_the_core_schema():
    ours = [
        c
        for c in _subclasses(ninja.Schema)
        if c.__module__.startswith("dangjian.") and ".tests." not in c.__module__
    ]
    assert len(ours) > 30
    assert [c for c in ours if not issubclass(c, Schema)] == []


class _Line(ninja.Schema):
    name: str
    on: dt.date | None = None


class _Page(ninja.Schema):
    items: list[_Line]
    count: int = Field(alias="total")
    note: str = "—"


class _FastLine(Schema):
    name: str
    on: dt.date | None = None


class _FastPage(Schema):
    items: list[_FastLine]
    count: int = Field(alias="total")
    note: str = "—"


def test_a_dict_validates_as_through_ninjas_getter():
    data = {"items": [{"name": "甲", "on": dt.date(2026, 1, 2), "extra": 1}, {"name": "乙"}], "total": 2}
    assert _FastPage.model_validate(data).model_dump() == _Page.model_validate(data).model_dump()
    assert _FastPage.model_validate(data).model_dump() == {
        "items": [{"name": "甲", "on": dt.date(2026, 1, 2)}, {"name": "乙", "on": None}],
        "count": 2,
        "note": "—",
    }


def test_objects_and_resolvers_still_go_through_ninjas_getter():
    class Row:
        name = "丙"

        def on(self):  # ninja's getter calls methods
            return dt.date(2026, 3, 4)

    assert _FastLine.model_validate(Row()).model_dump() == {"name": "丙", "on": dt.date(2026, 3, 4)}

    class Resolved(Schema):
        name: str

        @staticmethod
        def resolve_name(obj):
            return "resolved"

    assert Resolved.model_validate({"name": "plain"}).name == "resolved"


def test_the_encoder_writes_the_same_text_as_ninjas():
    data = {
        "on": dt.date(2026, 5, 6),
        "at": dt.datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC),
        "at_local": dt.datetime(2026, 5, 6, 7, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "naive": dt.datetime(2026, 5, 6, 7, 8),
        "nested": [dt.date(2020, 1, 1), {"x": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}],
        "text": "中文",
    }
    assert json.dumps(data, cls=DateFirstJSONEncoder, ensure_ascii=False) == json.dumps(
        data, cls=NinjaJSONEncoder, ensure_ascii=False
    )
