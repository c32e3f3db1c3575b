"""Writing the roster in the national 《党员基本信息汇总表》 layout (template and export alike).

Row 1 a merged title, row 2 ``基层党委：… 汇总日期：…``, rows 3–4 a two-level header (``联系电话``
over ``手机号`` / ``固定电话``), data from row 5, a merged ``注：…`` row after the last member, and
the code-list sheets 民族 / 学历 / 工作岗位. Written with xlsxwriter in constant-memory mode, so a
176k-row export streams rows to disk instead of holding them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ..choices import EDUCATION_TABLE, OCCUPATION_TABLE, Education, Ethnicity, Occupation
from . import layout

DATE_COLUMNS = {
    "birth_date",
    "joined_on",
    "full_member_on",
    "lost_contact_on",
    "founded_on",
    "term_due",
    "term_start",
}
TEMPLATE_ROWS = 500  # rows carrying drop-down lists in the empty template
ROSTER_NOTE = (
    "注：1. 人员类别填“正式”或“预备”；民族、学历、工作岗位按各代码表填写，可只填代码或名称，"
    "如“01 汉族”“22 大专”“0212 事业单位专业技术岗位”；代码表中的类别（如“0 在岗职工”）不能作为取值。"
    "2. 日期可写 2019-07-01、2019年7月1日、2019/07/01 或 2019.07。3. 公民身份证号请以文本格式填写完整 18 位；"
    "已登记的身份证号更新该党员信息，所在党支部不同即办理组织关系转接。4. 同名党支部请写成“上级名称/名称”。"
)
MASKED_NOTE = "注：本表身份证号、手机号已按您的权限隐去部分数字，仅供查阅，不能用于重新导入。"
ORG_NOTE = (
    "注：组织类别填 基层党委、党工委、党组、党总支、党支部、联合党支部、临时党支部 或 党小组；"
    "上级党组织填名称（同名时写“上级名称/名称”）；书记填本组织党员的姓名；日期可写 1969.01、2019-07-01 等。"
)


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.title = book.add_format(base | {"bold": True, "font_size": 16, "align": "center"})
        self.subtitle = book.add_format(base)
        self.subtitle_right = book.add_format(base | {"align": "right"})
        self.header = book.add_format(
            base | {"bold": True, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"}
        )
        self.cell = book.add_format(base | {"border": 1})
        self.text = book.add_format(base | {"border": 1, "num_format": "@"})
        self.date = book.add_format(base | {"border": 1, "num_format": "yyyy-mm-dd", "align": "left"})
        self.note = book.add_format(base | {"text_wrap": True, "valign": "top"})


def _write_header(book, sheet, fmt: _Formats, columns, *, title: str, left: str, right: str) -> int:
    """Rows 1–4; returns the 0-based index of the first data row."""
    last = len(columns) - 1
    for i, col in enumerate(columns):
        sheet.set_column(i, i, col.width)
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last, title, fmt.title)
    split = max(1, last // 2)
    sheet.merge_range(1, 0, 1, split, left, fmt.subtitle)
    sheet.merge_range(1, split + 1, 1, last, right, fmt.subtitle_right)
    groups = [c.group for c in columns]
    two_level = any(groups)
    sheet.set_row(2, 28)
    i = 0
    while i <= last:  # row 3: labels, and the upper header over each group
        group = groups[i]
        if group:
            end = i
            while end + 1 <= last and groups[end + 1] == group:
                end += 1
            if end > i:
                sheet.merge_range(2, i, 2, end, group, fmt.header)
            else:
                sheet.write_string(2, i, group, fmt.header)
            i = end + 1
        else:
            sheet.write_string(2, i, columns[i].header, fmt.header)
            i += 1
    if not two_level:
        return 3
    for i, col in enumerate(columns):  # row 4: lower header, blanks under the vertical merges
        if groups[i]:
            sheet.write_string(3, i, col.header, fmt.header)
        else:
            sheet.write_blank(3, i, None, fmt.header)
    # Vertical merges of the single-level columns over rows 3–4. In constant-memory mode cells
    # must be written row by row, so these ranges are registered after both rows are written
    # (merge_range would write row 4 before the rest of row 3).
    for i, group in enumerate(groups):
        if not group:
            sheet.merge.append([2, i, 3, i])
    sheet.freeze_panes(4, 2)
    return 4


def code_sheet_rows() -> dict[str, list[tuple[str, str, str]]]:
    """The code-list sheets: sheet name → (code, name, group) rows. Only values are rows; the
    group (``0 在岗职工``) is a column beside them, so the drop-down lists never offer a heading."""
    sheets: dict[str, list[tuple[str, str, str]]] = {
        "民族": [(code, label.split(" ", 1)[1], "") for code, label in Ethnicity.choices]
    }
    for sheet, table in (("学历", EDUCATION_TABLE), ("工作岗位", OCCUPATION_TABLE)):
        sheets[sheet] = [
            (code, name, f"{group} {group_name}" if group else "")
            for group, group_name, codes in table
            for code, name in codes
        ]
    return sheets


def _code_sheets(book, fmt: _Formats) -> None:
    for name, rows in code_sheet_rows().items():
        sheet = book.add_worksheet(name)
        sheet.set_column(0, 0, 8)
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 2, 34)
        sheet.set_column(3, 3, 16)
        sheet.write_row(0, 0, ["代码", "名称", "填写值", "类别"], fmt.header)
        for r, (code, label, group) in enumerate(rows, start=1):
            sheet.write_string(r, 0, code, fmt.text)
            sheet.write_string(r, 1, label, fmt.cell)
            sheet.write_string(r, 2, f"{code} {label}", fmt.cell)
            if group:
                sheet.write_string(r, 3, group, fmt.cell)
            else:
                sheet.write_blank(r, 3, None, fmt.cell)


def _validations(sheet, columns, first: int, last: int) -> None:
    lists: dict[str, Any] = {
        "gender": ["男", "女"],
        "status": ["正式", "预备"],
        "standing": ["正常", "停止党籍"],
        "lost_contact": [layout.YES, layout.NO],
        "mobile": [layout.YES, layout.NO],
        "ethnicity": f"=民族!$C$2:$C${len(Ethnicity.choices) + 1}",
        "education": f"=学历!$C$2:$C${len(Education.choices) + 1}",
        "occupation": f"=工作岗位!$C$2:$C${len(Occupation.choices) + 1}",
        "kind": [label for _, label in layout.KIND_LABEL.items()],
        "sector": [label for _, label in layout.SECTOR_LABEL.items()],
    }
    for i, col in enumerate(columns):
        source = lists.get(col.key)
        if source is not None:
            sheet.data_validation(
                first, i, last, i, {"validate": "list", "source": source, "error_type": "warning"}
            )


def write_roster(
    target: str | Path | IO[bytes],
    *,
    rows: Iterable[dict[str, Any]],
    org_name: str = "",
    on: dt.date | None = None,
    masked: bool | Callable[[], bool] = False,
    template: bool = False,
) -> int:
    """Write members (dicts keyed by column key) in the national layout; returns the row count."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False})
    fmt = _Formats(book)
    sheet = book.add_worksheet("党员基本信息")
    columns = layout.ROSTER_COLUMNS
    on = on or dt.date.today()  # noqa: DTZ011 - calendar date
    first = _write_header(
        book,
        sheet,
        fmt,
        columns,
        title=layout.ROSTER_TITLE,
        left=f"基层党委：{org_name}",
        right=f"汇总日期：{on.year}年{on.month}月{on.day}日",
    )
    count = 0
    for count, values in enumerate(rows, start=1):
        _write_values(sheet, fmt, columns, first + count - 1, values)
    note_row = first + (TEMPLATE_ROWS if template else count)
    if template:
        _validations(sheet, columns, first, first + TEMPLATE_ROWS - 1)
        for i, col in enumerate(columns):
            if col.key in ("id_number", "phone", "landline"):
                sheet.set_column(i, i, col.width, fmt.text)
    # ``masked`` may be a callable answered only once the rows are written (an export learns
    # whether it masked any number while streaming them); the function itself is always truthy.
    any_masked = masked() if callable(masked) else masked
    sheet.set_row(note_row, 48)
    sheet.merge_range(
        note_row, 0, note_row, len(columns) - 1, MASKED_NOTE if any_masked else ROSTER_NOTE, fmt.note
    )
    _code_sheets(book, fmt)
    book.close()
    return count


def _write_values(sheet, fmt: _Formats, columns, r: int, values: dict[str, Any]) -> None:
    for i, col in enumerate(columns):
        value = values.get(col.key)
        if value is None or value == "":
            sheet.write_blank(r, i, None, fmt.cell)
        elif col.key in DATE_COLUMNS and isinstance(value, dt.date):
            sheet.write_datetime(r, i, dt.datetime(value.year, value.month, value.day), fmt.date)  # noqa: DTZ001
        elif isinstance(value, int) and not isinstance(value, bool):
            sheet.write_number(r, i, value, fmt.cell)
        else:
            sheet.write_string(r, i, str(value), fmt.text)


def write_orgs(
    target: str | Path | IO[bytes], *, rows: Iterable[dict[str, Any]], on: dt.date | None = None
) -> int:
    """The org-list template (and export) in the same two-part layout."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    fmt = _Formats(book)
    sheet = book.add_worksheet("党组织")
    columns = layout.ORG_COLUMNS
    on = on or dt.date.today()  # noqa: DTZ011 - calendar date
    first = _write_header(
        book,
        sheet,
        fmt,
        columns,
        title=layout.ORG_TITLE,
        left="",
        right=f"汇总日期：{on.year}年{on.month}月{on.day}日",
    )
    count = 0
    for count, values in enumerate(rows, start=1):
        _write_values(sheet, fmt, columns, first + count - 1, values)
    _validations(sheet, columns, first, first + TEMPLATE_ROWS - 1)
    note_row = first + (count or TEMPLATE_ROWS)
    sheet.set_row(note_row, 36)
    sheet.merge_range(note_row, 0, note_row, len(columns) - 1, ORG_NOTE, fmt.note)
    book.close()
    return count


def column_letter(key: str) -> str:
    """Excel column letter of a roster column (for messages and tests)."""
    return xl_col_to_name([c.key for c in layout.ROSTER_COLUMNS].index(key))
