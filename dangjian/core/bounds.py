"""Bounds on what users may type: ids and dates. The one place forms, API schemas, services and
imports take them from, so a page and the API refuse the same input with the same words.

- Ids are positive and fit a signed 64-bit column; anything else is "not found", never a 500.
- Dated records of Party life cannot be earlier than the Party's founding (1921-07-01) nor more
  than a day in the future (a day of slack for time zones and records made just after midnight).
  Birth dates only have to be after 1900 and not in the future.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

MAX_ID = 2**63 - 1
PARTY_FOUNDED = dt.date(1921, 7, 1)
EARLIEST_BIRTH = dt.date(1900, 1, 1)
FUTURE_SLACK = dt.timedelta(days=1)


def parse_id(raw: Any) -> int | None:
    """A database id from user input (int or ASCII digits), or None when it cannot be one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            return None
        value = int(text)
    return value if 1 <= value <= MAX_ID else None


def latest_date(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + FUTURE_SLACK


def record_date_error(
    value: dt.date | dt.datetime | None, label: str, *, today: dt.date | None = None
) -> str | None:
    """Why ``value`` cannot be the date of a record (Chinese, naming the field), or None."""
    if value is None:
        return None
    # The date as written, in its own offset: converting a datetime of year 1 or 9999 to another
    # zone overflows, and the day of slack covers the offsets.
    day = value.date() if isinstance(value, dt.datetime) else value
    if day < PARTY_FOUNDED:
        return f"{label}不能早于 1921 年 7 月 1 日"
    if day > latest_date(today):
        return f"{label}不能晚于明天"
    return None


def birth_date_error(
    value: dt.date | None, label: str = "出生日期", *, today: dt.date | None = None
) -> str | None:
    if value is None:
        return None
    if value < EARLIEST_BIRTH:
        return f"{label}不能早于 1900 年"
    if value > (today or timezone.localdate()):
        return f"{label}不能晚于今天"
    return None
