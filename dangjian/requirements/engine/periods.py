"""Periods: months, quarters, half years, years and the window of a one-off rule, with their
keys ("2024-05", "2024Q2", "2024H1", "2024", "D2023-11-30") and Chinese labels; the evaluation
window and the retention window."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from ..models import PeriodKind

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
CURRENT_WORD: dict[str, str] = {
    PeriodKind.MONTH: "本月",
    PeriodKind.QUARTER: "本季度",
    PeriodKind.HALF_YEAR: "本半年",
    PeriodKind.YEAR: "本年度",
    PeriodKind.ONCE: "截止日期前",
}


@dataclass(frozen=True, slots=True)
class Span:
    """One period: a month ("2024-05"), quarter ("2024Q2"), half year ("2024H1"), year ("2024")
    or the window of a one-off rule ("D2023-11-30")."""

    key: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return span_label(self.key)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def span_of(kind: str, day: dt.date) -> Span:
    y, m = day.year, day.month
    if kind == PeriodKind.MONTH:
        return Span(f"{y}-{m:02d}", dt.date(y, m, 1), _month_end(y, m))
    if kind == PeriodKind.QUARTER:
        q = (m - 1) // 3 + 1
        return Span(f"{y}Q{q}", dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if kind == PeriodKind.HALF_YEAR:
        h = 1 if m <= 6 else 2
        return Span(f"{y}H{h}", dt.date(y, 6 * h - 5, 1), _month_end(y, 6 * h))
    if kind == PeriodKind.YEAR:
        return Span(f"{y}", dt.date(y, 1, 1), dt.date(y, 12, 31))
    raise ValueError(f"unknown period kind {kind}")


def spans_overlapping(kind: str, start: dt.date, end: dt.date) -> list[Span]:
    """Every period of ``kind`` that overlaps [start, end], in order."""
    out: list[Span] = []
    if end < start:
        return out
    span = span_of(kind, start)
    while span.start <= end:
        out.append(span)
        span = span_of(kind, span.end + dt.timedelta(days=1))
    return out


def parse_span(key: str) -> Span | None:
    """The period named by ``key`` (month, quarter, half-year or year), or None if malformed."""
    key = (key or "").strip().upper()
    try:
        if len(key) == 4 and key.isdigit():
            return span_of(PeriodKind.YEAR, dt.date(int(key), 1, 1))
        if len(key) == 6 and key[4] == "Q" and key[5] in "1234":
            return span_of(PeriodKind.QUARTER, dt.date(int(key[:4]), 3 * int(key[5]) - 2, 1))
        if len(key) == 6 and key[4] == "H" and key[5] in "12":
            return span_of(PeriodKind.HALF_YEAR, dt.date(int(key[:4]), 6 * int(key[5]) - 5, 1))
        if len(key) == 7 and key[4] == "-":
            return span_of(PeriodKind.MONTH, dt.date(int(key[:4]), int(key[5:]), 1))
    except ValueError:
        return None
    return None


def period_kind_of_key(key: str) -> str:
    if key.startswith("D"):
        return PeriodKind.ONCE
    if "Q" in key:
        return PeriodKind.QUARTER
    if "H" in key:
        return PeriodKind.HALF_YEAR
    if "-" in key:
        return PeriodKind.MONTH
    return PeriodKind.YEAR


@functools.lru_cache(maxsize=8192)
def span_label(key: str) -> str:
    if key.startswith("D"):
        d = dt.date.fromisoformat(key[1:])
        return f"截至{d.year}年{d.month}月{d.day}日"
    if "Q" in key:
        return f"{key[:4]}年{QUARTER_NAMES[int(key[5])]}"
    if "H" in key:
        return f"{key[:4]}年{'上' if key[5] == '1' else '下'}半年"
    if "-" in key:
        return f"{key[:4]}年{int(key[5:])}月"
    return f"{key}年"


def today() -> dt.date:
    return timezone.localdate()


def window_start(on: dt.date) -> dt.date:
    years = int(getattr(settings, "COMPLIANCE_HISTORY_YEARS", 2))
    return dt.date(on.year - max(years, 1) + 1, 1, 1)


def retention_start(on: dt.date) -> dt.date:
    """Results of closed periods starting on or after this day are kept by a full recompute,
    even when they are older than the evaluation window (``COMPLIANCE_RETENTION_YEARS``)."""
    years = int(getattr(settings, "COMPLIANCE_RETENTION_YEARS", 5))
    return min(window_start(on), dt.date(on.year - max(years, 1) + 1, 1, 1))
