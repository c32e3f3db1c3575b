"""Ledger exports (.xlsx) built from the records: 三会一课记录 and 考勤统计.

xlsxwriter in constant-memory mode writes each row as it goes, so a county's two years of
records stream out without holding the workbook in memory; rows are read in chunks.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from . import selectors
from .models import Activity, Attendance, AttendanceStatus

CHUNK = 500

RECORD_HEADERS = [
    "组织",
    "序号",
    "类型",
    "日期",
    "开始时间",
    "结束时间",
    "地点",
    "主持人",
    "记录人",
    "授课人",
    "应到人数",
    "实到人数",
    "请假人员（原因）",
    "缺席人员（原因）",
    "异地参加人员",
    "列席人员",
    "议题",
    "内容纪要",
    "决议事项",
]
ATTENDANCE_HEADERS = ["组织", "姓名", "应参加", "出席", "异地参加", "请假", "缺席", "出勤率"]
WIDTHS_RECORDS = [24, 6, 20, 11, 8, 8, 16, 8, 8, 8, 8, 8, 24, 24, 14, 14, 30, 50, 30]
WIDTHS_ATTENDANCE = [28, 10, 8, 8, 8, 8, 8, 8]


def _workbook(out: IO[bytes]) -> xlsxwriter.Workbook:
    return xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False})


def _title(workbook: Any, sheet: Any, title: str, subtitle: str, ncols: int) -> int:
    fmt_title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    sheet.merge_range(0, 0, 0, ncols - 1, title, fmt_title)
    sheet.write(1, 0, subtitle)
    return 2


def _header(workbook: Any, sheet: Any, row: int, headers: list[str], widths: list[int]) -> None:
    fmt = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
    for col, (text, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write(row, col, text, fmt)
    sheet.freeze_panes(row + 1, 0)


def _write_row(sheet: Any, row: int, values: list[Any], *, wrap_from: int = 99, wrap: Any = None) -> None:
    """Typed writes, skipping empty cells (the generic ``write`` sniffs every string for URLs)."""
    for col, value in enumerate(values):
        if value is None or value == "":
            continue
        if isinstance(value, int | float):
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, value, wrap if col >= wrap_from else None)


def _subtitle(org_name: str, date_from: dt.date | None, date_to: dt.date | None) -> str:
    period = f"{date_from or '最早'} 至 {date_to or '今'}"
    return f"范围：{org_name}（含下级）  期间：{period}  导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"


RECORD_FIELDS = (
    "pk",
    "org_id",
    "org__name",
    "held_on",
    "starts_at",
    "ends_at",
    "place",
    "host__name",
    "recorder__name",
    "lecturer__name",
    "lecturer_name",
    "expected_count",
    "present_count",
    "observers",
    "topic",
    "content",
    "resolutions",
)


def _chunks(qs: QuerySet[Activity]) -> Iterator[list[dict[str, Any]]]:
    """The records in ``qs``'s order, as dicts, CHUNK at a time (plain values: no model objects)."""
    ids = list(qs.values_list("pk", flat=True))
    for i in range(0, len(ids), CHUNK):
        batch = ids[i : i + CHUNK]
        rows = {r["pk"]: r for r in Activity.objects.filter(pk__in=batch).values(*RECORD_FIELDS)}
        yield [rows[pk] for pk in batch if pk in rows]


def _attendance_text(batch: list[dict[str, Any]]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        Attendance.objects.filter(activity_id__in=[a["pk"] for a in batch])
        .exclude(status=AttendanceStatus.PRESENT)
        .values_list("activity_id", "status", "reason", "member__name")
        .order_by("activity_id", "member__name")
    )
    for activity_id, status, reason, name in rows:
        out[activity_id][status].append(f"{name}（{reason}）" if reason else name)
    return out


def write_records(
    out: IO[bytes],
    *,
    activities: QuerySet[Activity],
    org_name: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> int:
    """三会一课记录: one row per record, ordered by org then time; 序号 counts per org and year."""
    qs = activities.order_by("org_path", "starts_at", "pk")
    base = selectors.sequence_base(activities=activities, date_from=date_from)
    workbook = _workbook(out)
    sheet = workbook.add_worksheet("三会一课记录")
    row = _title(
        workbook, sheet, "三会一课记录", _subtitle(org_name, date_from, date_to), len(RECORD_HEADERS)
    )
    _header(workbook, sheet, row, RECORD_HEADERS, WIDTHS_RECORDS)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    seq: dict[tuple[int, int], int] = dict(base)
    count = 0
    for batch in _chunks(qs):
        kinds = selectors.kinds_by_activity(activity_ids=[a["pk"] for a in batch])
        people = _attendance_text(batch)
        for a in batch:
            key = (a["org_id"], a["held_on"].year)
            seq[key] = seq.get(key, 0) + 1
            start = timezone.localtime(a["starts_at"])
            end = timezone.localtime(a["ends_at"]) if a["ends_at"] else None
            p = people.get(a["pk"], {})
            values = [
                a["org__name"],
                seq[key],
                "、".join(kinds.get(a["pk"], [])),
                a["held_on"].isoformat(),
                f"{start:%H:%M}",
                f"{end:%H:%M}" if end else "",
                a["place"],
                a["host__name"] or "",
                a["recorder__name"] or "",
                a["lecturer__name"] or a["lecturer_name"],
                a["expected_count"],
                a["present_count"],
                "、".join(p.get(AttendanceStatus.LEAVE, [])),
                "、".join(p.get(AttendanceStatus.ABSENT, [])),
                "、".join(p.get(AttendanceStatus.ELSEWHERE, [])),
                a["observers"],
                a["topic"],
                a["content"],
                a["resolutions"],
            ]
            row += 1
            _write_row(sheet, row, values, wrap_from=12, wrap=wrap)
            count += 1
    workbook.close()
    return count


def write_attendance(
    out: IO[bytes],
    *,
    activities: QuerySet[Activity],
    org_name: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> int:
    """考勤统计: per member 应参加 / 出席 / 异地参加 / 请假 / 缺席 / 出勤率 ((出席+异地参加)/应参加)."""
    workbook = _workbook(out)
    sheet = workbook.add_worksheet("考勤统计")
    row = _title(
        workbook,
        sheet,
        "党员参加组织生活考勤统计",
        _subtitle(org_name, date_from, date_to),
        len(ATTENDANCE_HEADERS),
    )
    _header(workbook, sheet, row, ATTENDANCE_HEADERS, WIDTHS_ATTENDANCE)
    pct = workbook.add_format({"num_format": "0.0%"})
    count = 0
    for r in selectors.attendance_stats(activities=activities).iterator(chunk_size=2000):
        row += 1
        rate = (r["present"] + r["elsewhere"]) / r["expected"] if r["expected"] else 0
        values = [
            r["member__org__name"],
            r["member__name"],
            r["expected"],
            r["present"],
            r["elsewhere"],
            r["leave"],
            r["absent"],
        ]
        _write_row(sheet, row, values)
        sheet.write_number(row, len(values), rate, pct)
        count += 1
    workbook.close()
    return count


def spooled() -> IO[bytes]:
    """A temporary file for the workbook (kept in memory while small)."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


__all__ = ["spooled", "write_attendance", "write_records"]
