"""Reading workbooks as offices keep them: the header is found by its text, not its position.

A sheet's header is the first row (among the first 15) naming the required columns, with stray
spaces and line breaks ignored. When the next row names further columns it is the lower level of
a two-level header (``联系电话`` over ``手机号`` / ``固定电话``) and data starts after it. A row
starting with ``注`` ends the data. Sheets without such a header (code lists such as 民族, 学历,
工作岗位, or instructions) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangjian.core.xlsx import XlsxError, read_sheets, xlsx_check

from .layout import CODE_SHEETS, Column
from .values import squash, text

HEADER_SCAN_ROWS = 15
_FALLBACK_ALIASES = {"联系电话": "phone", "联系方式": "phone"}
XLSX_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"


class WorkbookError(ValueError):
    """The file as a whole cannot be read; the message is Chinese."""


@dataclass
class Sheet:
    name: str
    columns: dict[str, int]  # column key -> 0-based index
    header_rows: tuple[int, ...]  # Excel row numbers of the header
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (Excel row number, cells)

    def cell(self, cells: Sequence[Any], key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        return cells[index]


@dataclass
class Workbook:
    sheets: list[Sheet]
    skipped: list[str]  # names of sheets without a header that are not code lists

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


def check_signature(head: bytes) -> None:
    """Reject files that are not really .xlsx (a renamed .xls, .csv or anything else)."""
    if head.startswith(XLSX_SIGNATURE):
        return
    if head.startswith(OLE_SIGNATURE):
        raise WorkbookError("这是旧版 .xls 文件（或已加密），请在 Excel 中“另存为” .xlsx 格式后再上传")
    raise WorkbookError(
        "该文件不是有效的 Excel .xlsx 文件（文件内容与扩展名不符），请用 Excel 另存为 .xlsx 后再上传"
    )


def workbook_check(path: str | Path) -> None:
    """Refuse, before any parsing, a file that is not an .xlsx or is too big once unpacked."""
    path = Path(path)
    with path.open("rb") as fh:
        check_signature(fh.read(8))
    try:
        xlsx_check(path)
    except XlsxError as exc:
        raise WorkbookError(str(exc)) from exc


def read_workbook(path: str | Path, *, columns: Sequence[Column], required: Sequence[str]) -> Workbook:
    """Check the limits, parse in a memory-capped child (``dangjian.core.xlsx``), find the headers."""
    workbook_check(path)
    try:
        grids = read_sheets(path, skip=CODE_SHEETS)
    except XlsxError as exc:
        raise WorkbookError(str(exc)) from exc
    sheets: list[Sheet] = []
    skipped: list[str] = []
    for name, grid in grids:
        sheet = _read_sheet(name, grid, columns=columns, required=required)
        if sheet is None:
            if any(text(v) for row in grid[:HEADER_SCAN_ROWS] for v in row):
                skipped.append(name)
            continue
        sheets.append(sheet)
    if not sheets:
        labels = "、".join(c.header for c in columns if c.key in required)
        raise WorkbookError(f"没有找到表头：工作表中应有一行包含“{labels}”等列名")
    return Workbook(sheets=sheets, skipped=skipped)


def _match(cell: Any, columns: Sequence[Column]) -> str | None:
    key = squash(cell)
    if not key:
        return None
    for column in columns:
        if key in column.spellings:
            return column.key
    return None


def _read_sheet(
    name: str, grid: list[list[Any]], *, columns: Sequence[Column], required: Sequence[str]
) -> Sheet | None:
    for top_index, top in enumerate(grid[:HEADER_SCAN_ROWS]):
        found = {j: k for j, cell in enumerate(top) if (k := _match(cell, columns))}
        if not set(required) <= set(found.values()):
            continue
        header_rows = [top_index + 1]
        data_start = top_index + 1
        if data_start < len(grid):
            lower = grid[data_start]
            sub = {j: k for j, cell in enumerate(lower) if (k := _match(cell, columns))}
            if sub and not (set(sub.values()) & set(found.values())):
                found.update(sub)
                header_rows.append(data_start + 1)
                data_start += 1
        mapping: dict[str, int] = {}
        for j in sorted(found):
            mapping.setdefault(found[j], j)
        for j, cell in enumerate(top):
            key = _FALLBACK_ALIASES.get(squash(cell))
            if key and key not in mapping and j not in found:
                mapping[key] = j
        sheet = Sheet(name=name, columns=mapping, header_rows=tuple(header_rows))
        sheet.rows = list(_data_rows(grid, data_start, mapping))
        return sheet
    return None


def _data_rows(grid: list[list[Any]], start: int, mapping: dict[str, int]) -> Iterator[tuple[int, list[Any]]]:
    seq_index = mapping.get("seq")
    for index in range(start, len(grid)):
        cells = grid[index]
        first = next((text(v) for v in cells if text(v)), "")
        if not first:
            continue
        if first.startswith(("注：", "注:", "说明：", "说明:")) or first in ("注", "说明"):
            break
        if seq_index is not None and all(
            not text(v) for j, v in enumerate(cells) if j != seq_index
        ):  # pre-numbered empty template rows
            continue
        yield index + 1, cells
