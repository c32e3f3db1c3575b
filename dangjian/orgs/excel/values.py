"""Cell values as offices type them: dates in five spellings, "01 汉族"-style codes, 是/否, 无/—.

Every parser returns the cleaned value or raises ``CellError`` with a Chinese reason; the caller
adds the row and the column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

EMPTY_MARKERS = frozenset({"", "无", "—", "——", "-", "--", "－", "/", "／", "空", "暂无"})
_SPACES = re.compile(r"\s+")
_DATE_FULL = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_DATE_MONTH = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# A leading code: digits, or a digit and letters (学历 1A, 2C); up to four characters (工作岗位 0212).
_CODE = re.compile(r"^([0-9][0-9A-Za-z]{0,3})(?![0-9A-Za-z])[\s.、:：]*(.*)$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class CellError(ValueError):
    """A value that cannot be read; the message is Chinese and names no row."""


def squash(text: Any) -> str:
    """Header text without any whitespace (offices put spaces and line breaks in headers)."""
    return _SPACES.sub("", str(text or ""))


def text(value: Any) -> str:
    """The cell as trimmed text; numbers without a fraction lose their ``.0``; 无/— become ""."""
    if value is None:
        return ""
    if value.__class__ is str:  # nearly every cell: skip the type checks below
        if "\u3000" in value:
            value = value.replace("\u3000", " ")
        value = value.strip()
        return "" if value in EMPTY_MARKERS else value
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.datetime):
        value = value.date().isoformat()
    elif isinstance(value, dt.date):
        value = value.isoformat()
    value = str(value).replace("\u3000", " ").strip()
    return "" if value in EMPTY_MARKERS else value


def parse_date(value: Any) -> dt.date | None:
    """Excel dates, ``2019年7月1日``, ``2019/07/01``, ``2019-07-01``, ``2019.07`` (day 1), ``20190701``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _numeric_date(float(value))
    raw = text(value)
    if not raw:
        return None
    raw = raw.replace("．", ".").replace("／", "/").replace("－", "-")
    for pattern in (_DATE_FULL, _DATE_COMPACT):
        m = pattern.match(raw)
        if m:
            return _make_date(int(m[1]), int(m[2]), int(m[3]), raw)
    m = _DATE_MONTH.match(raw)
    if m:
        return _make_date(int(m[1]), int(m[2]), 1, raw)
    raise CellError(f"无法识别的日期“{raw}”，请写成 2019-07-01、2019年7月1日 或 2019.07")


def _numeric_date(number: float) -> dt.date:
    if 1900 <= number < 2100 and not number.is_integer():
        # A typed "2019.07" stored as a number. "2019.10" arrives as 2019.1, which is also how
        # "2019.1" (January) arrives: ambiguous, so it is reported rather than guessed.
        year = int(number)
        digits = f"{number:.6f}".split(".")[1].rstrip("0")
        if digits == "1":
            raise CellError(f"日期“{number:g}”有歧义（1月还是10月？），请写成 {year}-01 或 {year}-10")
        if len(digits) > 2:
            raise CellError(f"无法识别的日期“{number:g}”")
        return _make_date(year, int(digits.ljust(2, "0")), 1, f"{number:g}")
    if 1900 <= number < 2100:
        raise CellError(f"日期“{int(number)}”只有年份，请写到月份，如 {int(number)}.07")
    if 1 <= number < 80000:  # an Excel serial date in a cell without date format
        return _EXCEL_EPOCH + dt.timedelta(days=int(number))
    raise CellError(f"无法识别的日期“{number:g}”")


def _make_date(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(f"日期“{raw}”不存在") from None


def parse_months(value: Any) -> int | None:
    """A number of months (6, "6", "6个月"); empty or 无 means none. The range is the member
    check's (the same message as the form and the API)."""
    raw = text(value)
    if raw in ("", "无", "否"):
        return None
    number = raw.removesuffix("个月").removesuffix("月").strip()
    try:
        months = float(number)
    except ValueError:
        raise CellError(f"应填月数（如 6 或 12），不能是“{raw}”") from None
    if months != int(months) or months < 0:
        raise CellError(f"应填整月数（如 6 或 12），不能是“{raw}”")
    return int(months)


def parse_bool(value: Any, *, label: str) -> bool:
    """是/否 (empty means 否)."""
    raw = text(value)
    if raw in ("", "否", "不是", "N", "n", "0", "FALSE", "False"):
        return False
    if raw in ("是", "Y", "y", "1", "TRUE", "True"):
        return True
    raise CellError(f"应填“是”或“否”，不能是“{raw}”")


class CodeList:
    """A coded list (民族, 学历, 工作岗位) read from ``01 汉族``, ``01``, ``汉族`` or ``汉``.

    ``width`` pads numeric codes that lost their leading zero (民族 ``1`` → ``01``); lists whose
    codes are prefixes of one another (工作岗位 ``011`` under ``0``) are matched exactly.
    ``groups`` are headings (``0 在岗职工``): reported, never a value. ``foreign`` is another
    standard's table (code → (name, our code or "")) consulted when a value is not ours: a code
    with one counterpart is mapped, others are reported; ``foreign_groups`` lets a heading of that
    table stand before one of our names under it ("40 中专").
    """

    def __init__(
        self,
        choices: Iterable[tuple[str, str]],
        *,
        label: str,
        aliases: dict[str, str] | None = None,
        width: int = 0,
        groups: dict[str, str] | None = None,
        foreign: dict[str, tuple[str, str]] | None = None,
        foreign_label: str = "",
        foreign_groups: dict[str, frozenset[str]] | None = None,
    ):
        self.label = label
        self.width = width
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        for code, display in choices:
            self.labels[code] = display
            m = _CODE.match(display)
            name = m[2].strip() if m else display
            self.by_code[code] = code
            self.by_name[squash(name)] = code
        for alias, code in (aliases or {}).items():
            self.by_name[squash(alias)] = code
        self.groups = dict(groups or {})
        self.group_by_name = {squash(name): code for code, name in self.groups.items()}
        self.foreign = dict(foreign or {})
        self.foreign_by_name = {squash(name): code for code, (name, _) in self.foreign.items()}
        self.foreign_label = foreign_label
        self.foreign_groups = dict(foreign_groups or {})  # a heading of the other table → our codes under it
        self._known: dict[str, str] = {}  # cell text → code, for the few spellings a file repeats

    def parse(self, value: Any) -> str:
        raw = text(value)
        if not raw:
            return ""
        code = self._known.get(raw)
        if code is None:
            code = self._parse(raw)
            if len(self._known) < 10_000:
                self._known[raw] = code
        return code

    def _own(self, given: str) -> str | None:
        code = self.by_code.get(given)
        if code is None and self.width and given.isdigit():
            code = self.by_code.get(given.lstrip("0").zfill(self.width))
        return code

    def _parse(self, raw: str) -> str:
        m = _CODE.match(raw)
        if m:
            given, name = m[1].upper(), squash(m[2])
            code = self._own(given)
            named = self.by_name.get(name) if name else None
            other = self.foreign.get(given)
            if other is not None and name == squash(other[0]) and named is None:
                return self._from_foreign(raw, given)  # "22 大学本科结业": the other standard's
            if code is not None:
                if named in (None, code):
                    return code
                raise CellError(f"代码 {m[1]} 与名称“{m[2].strip()}”不一致")
            if other is not None:
                if named is not None and (other[1] == named or named in self.foreign_groups.get(given, ())):
                    return named  # "31 大专", "40 中专": the other table's code (or heading), our name
                if named is None:
                    return self._from_foreign(raw, given)
            if named is not None:
                raise CellError(f"代码 {m[1]} 与名称“{m[2].strip()}”不一致")
            if (given in self.groups and not name) or name in self.group_by_name:
                self._group(raw)
        key = squash(raw)
        code = self.by_name.get(key)
        if code is None and not key.endswith("族"):
            code = self.by_name.get(key + "族")
        if code is not None:
            return code
        if key in self.group_by_name:
            self._group(raw)
        if key in self.foreign_by_name:
            return self._from_foreign(raw, self.foreign_by_name[key])
        raise CellError(f"“{raw}”不在{self.label}代码表中")

    def _group(self, raw: str) -> None:
        raise CellError(f"“{raw}”是{self.label}的类别，不是可填写的值，请填写该类别下的具体{self.label}")

    def _from_foreign(self, raw: str, code: str) -> str:
        name, ours = self.foreign[code]
        if ours:
            return ours
        label = self.foreign_label
        source = f"{label}{' ' if label[-1:].isascii() else ''}的" if label else ""
        if name.endswith("教育"):
            why = "是类别，不是具体学历"
        elif name.endswith(("结业", "肄业")):
            why = (
                "在党员信息系统的学历代码中没有对应项（该代码表不区分毕业、结业、肄业），请按已取得的学历填写"
            )
        else:
            why = "在党员信息系统的代码表中没有唯一对应项"
        raise CellError(f"“{raw}”（{source}“{code} {name}”）{why}，可选值见“{self.label}”代码表")

    def display(self, code: str) -> str:
        return self.labels.get(code, "")


def parse_choice(value: Any, mapping: dict[str, str], *, hint: str) -> str:
    raw = text(value)
    code = mapping.get(raw)
    if code is not None:
        return code
    raw = squash(raw)
    if not raw:
        return ""
    try:
        return mapping[raw]
    except KeyError:
        raise CellError(f"“{raw}”无法识别，应为{hint}") from None
