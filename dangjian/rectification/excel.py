"""The rectification ledger as Excel, in the columns offices use: export any subtree, import an
existing ledger.

Columns: 序号, 问题, 表现, 整改措施, 责任领导, 责任单位, 责任人, 整改时限, 完成情况, 销号情况, then
问题来源, 整改目标, 挂钩包案领导 (kept so a ledger exported here imports back whole) and, on export
only, 形式主义提示.

Import reads the sheet with the roster importer's reader (header found by its text, stray spaces
and line breaks ignored) and its upload limit; every row is checked first and errors come back as
"第 N 行 字段：原因"; only a file without errors is written, in one transaction. 整改措施 holds one
measure per line (leading numbering dropped), each owned by the row's 责任人 and due at its
整改时限. 销号 is never taken from a file: a row marked 已销号 arrives as 申请销号, for the level
above to sign off here; a row with 完成情况 arrives as 整改中; any other as 待整改.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dangjian.core import policy
from dangjian.core.permissions import Perm
from dangjian.orgs.excel.common import MAX_REPORTED_ERRORS, OrgResolver, RowError, write_import_audit
from dangjian.orgs.excel.layout import Column
from dangjian.orgs.excel.reader import WorkbookError, check_signature, read_workbook
from dangjian.orgs.excel.uploads import Upload, upload_dir, upload_get
from dangjian.orgs.excel.values import CellError, parse_date, text
from dangjian.orgs.models import Org

from . import services
from .detector import LABELS
from .models import DeadlineType, ItemWarning, Measure, Problem, ProblemSource, ProblemStatus

UPLOAD_KIND = "rectification"
COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", width=6),
    Column("description", "问题", ("检视问题", "存在问题", "问题清单"), width=36),
    Column("manifestation", "表现", ("问题表现", "具体表现"), width=36),
    Column("measures", "整改措施", ("整改举措",), width=44),
    Column("responsible_leader", "责任领导", width=10),
    Column("org", "责任单位", ("责任部门", "责任单位（部门）"), width=20),
    Column("owner", "责任人", width=10),
    Column("deadline", "整改时限", ("完成时限",), width=14),
    Column("progress", "完成情况", ("整改进展", "进展情况"), width=30),
    Column("closure", "销号情况", ("是否销号", "销号"), width=10),
    Column("source", "问题来源", width=14),
    Column("target", "整改目标", width=30),
    Column("patron_leader", "挂钩包案领导", ("包案领导",), width=12),
)
EXPORT_WARNINGS = Column("warnings", "形式主义提示", width=30)
REQUIRED = ("description", "org")
LABEL = {c.key: c.header for c in COLUMNS}
SOURCE_MAP = {label: value for value, label in ProblemSource.choices} | {
    "自己找": ProblemSource.SELF,
    "群众提": ProblemSource.OPINION,
    "上级点": ProblemSource.SUPERVISION,
    "巡视": ProblemSource.INSPECTION,
    "巡察": ProblemSource.INSPECTION,
    "民主生活会": ProblemSource.LIFE_MEETING,
    "组织生活会": ProblemSource.LIFE_MEETING,
}
CLOSURE_OPEN = {"", "未销号", "否", "未完成"}
CLOSURE_DONE = {"已销号", "是", "销号"}
_NUMBERING = re.compile(r"^\s*(?:[（(]?\d{1,2}[)）.、．]|[一二三四五六七八九十]+[、.．])\s*")


# ---------------------------------------------------------------- export


def _deadline_text(deadline_type: str, due_on: dt.date | None) -> str:
    if deadline_type == DeadlineType.DEADLINE and due_on:
        return due_on.isoformat()
    return DEADLINE_LABELS.get(deadline_type, deadline_type)


def _closure_text(status: str, closed_at: dt.datetime | None) -> str:
    if status == ProblemStatus.CLOSED and closed_at:
        return f"已销号（{timezone.localtime(closed_at).date().isoformat()}）"
    return {ProblemStatus.REQUESTED: "申请销号", ProblemStatus.RETURNED: "退回整改"}.get(status, "未销号")


DEADLINE_LABELS = dict(DeadlineType.choices)
SOURCE_LABELS = dict(ProblemSource.choices)
EXPORT_FIELDS = (
    "pk",
    "description",
    "manifestation",
    "responsible_leader",
    "org__name",
    "deadline_type",
    "due_on",
    "progress",
    "status",
    "closed_at",
    "source",
    "target",
    "patron_leader",
)
EXPORT_CHUNK = 2000


def _export_rows(problems: QuerySet[Problem]):
    """(problem values, measures [(text, owner)], warning codes) per problem, in ledger order.

    Plain tuples, a chunk of problems at a time with their measures and warnings in one query
    each: a whole prefecture's ledger (tens of thousands of rows) builds no model objects."""
    values = problems.order_by("org_path", "pk").values_list(*EXPORT_FIELDS)
    chunk: list[tuple] = []

    def flush():
        ids = [row[0] for row in chunk]
        measures: dict[int, list[tuple[str, str]]] = {}
        for pid, text_, owner in (
            Measure.objects.filter(problem_id__in=ids)
            .order_by("pk")
            .values_list("problem_id", "text", "owner")
        ):
            measures.setdefault(pid, []).append((text_, owner))
        codes: dict[int, list[str]] = {}
        for pid, code in (
            ItemWarning.objects.filter(problem_id__in=ids).order_by("pk").values_list("problem_id", "code")
        ):
            found = codes.setdefault(pid, [])
            if code not in found:
                found.append(code)
        for row in chunk:
            yield row, measures.get(row[0], []), codes.get(row[0], [])

    for row in values.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(row)
        if len(chunk) >= EXPORT_CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def ledger_export(problems: QuerySet[Problem], target: IO[bytes] | str) -> int:
    """Write ``problems`` (already scoped and filtered) as the ledger; returns the row count."""
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("检视问题整改台账")
    head = book.add_format(
        {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    columns = (*COLUMNS, EXPORT_WARNINGS)
    for j, column in enumerate(columns):
        sheet.set_column(j, j, column.width)
        sheet.write_string(0, j, column.header, head)
    rows = 0
    write_string = sheet.write_string
    for rows, (p, measures, codes) in enumerate(_export_rows(problems), 1):
        (_pk, description, manifestation, leader, org_name, deadline_type, due_on) = p[:7]
        (progress, status, closed_at, source, target_text, patron) = p[7:]
        owners = list(dict.fromkeys(owner for _, owner in measures if owner))
        sheet.write_number(rows, 0, rows, wrap)
        values = (
            description,
            manifestation,
            "\n".join(f"{i}. {text_}" for i, (text_, _) in enumerate(measures, 1)),
            leader,
            org_name,
            "、".join(owners),
            _deadline_text(deadline_type, due_on),
            progress,
            _closure_text(status, closed_at),
            SOURCE_LABELS.get(source, source),
            target_text,
            patron,
            "；".join(LABELS.get(c, c) for c in codes),
        )
        for j, value in enumerate(values, 1):
            if value:  # an empty cell is left unwritten (a third of the cells; xlsxwriter's time is per cell)
                write_string(rows, j, value, wrap)
    book.close()
    return rows


# ---------------------------------------------------------------- import


@dataclass
class LedgerRow:
    number: int
    org: Org
    data: dict[str, Any]
    measures: list[dict[str, Any]]
    status: str


@dataclass
class LedgerPlan:
    rows: list[LedgerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_name: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, number: int, key: str, reason: str) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(number, LABEL.get(key, key), reason))


def _deadline(raw: Any) -> tuple[str, dt.date | None]:
    value = text(raw)
    if not value:
        raise CellError("不能为空：填写日期（如 2026-06-30），或“立行立改”“长期坚持”")
    for kind, label in DeadlineType.choices:
        if value == label:
            return kind, None
    if value.startswith("限期"):
        value = value.removeprefix("限期").strip("：: ")
    try:
        day = parse_date(value)
    except CellError:
        raise CellError(f"“{value}”不是日期，也不是“立行立改”“长期坚持”") from None
    return DeadlineType.DEADLINE, day


def _measure_lines(raw: Any) -> list[str]:
    lines = re.split(r"[\r\n]+", text(raw))
    return [_NUMBERING.sub("", line).strip() for line in lines if _NUMBERING.sub("", line).strip()]


def ledger_validate(*, path: str | Path, user: Any, file_name: str = "") -> LedgerPlan:
    """Read and check every row; nothing is written."""
    plan = LedgerPlan(file_name=file_name)
    try:
        book = read_workbook(path, columns=COLUMNS, required=REQUIRED)
    except WorkbookError as exc:
        plan.errors.append(RowError(0, "", str(exc)))
        return plan
    resolver = OrgResolver(user=user)
    for sheet in book.sheets:
        for number, cells in sheet.rows:
            _validate_row(plan, resolver, user, number, {k: sheet.cell(cells, k) for k in sheet.columns})
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(0, "", "文件中没有问题行"))
    return plan


def _validate_row(
    plan: LedgerPlan, resolver: OrgResolver, user: Any, number: int, cells: dict[str, Any]
) -> None:
    before = len(plan.errors)
    org = None
    try:
        org = resolver.resolve(text(cells.get("org")))
    except CellError as exc:
        plan.error(number, "org", str(exc))
    if (
        org is not None
        and user is not None
        and not policy.allows_path(user, Perm.RECTIFICATION_CHANGE, org.path)
    ):
        plan.error(number, "org", f"您无权登记“{org.name}”的检视问题")
    deadline_type, due_on = DeadlineType.IMMEDIATE, None
    try:
        deadline_type, due_on = _deadline(cells.get("deadline"))
    except CellError as exc:
        plan.error(number, "deadline", str(exc))
    source_text = text(cells.get("source"))
    source = SOURCE_MAP.get(source_text, ProblemSource.SELF if not source_text else "")
    if not source:
        plan.error(number, "source", f"“{source_text}”不是可选的来源：" + "、".join(ProblemSource.labels))
    closure = text(cells.get("closure"))
    if closure not in CLOSURE_OPEN | CLOSURE_DONE:
        plan.error(number, "closure", f"“{closure}”无法识别，应为“已销号”或“未销号”")
    data = {
        "description": text(cells.get("description")),
        "manifestation": text(cells.get("manifestation")),
        "responsible_leader": text(cells.get("responsible_leader")),
        "target": text(cells.get("target")),
        "patron_leader": text(cells.get("patron_leader")),
        "source": source or ProblemSource.SELF,
        "deadline_type": deadline_type,
        "due_on": due_on,
    }
    values, errors = services.problem_check(data)
    for key, reason in errors.items():
        plan.error(number, "deadline" if key in ("due_on", "deadline_type") else key, reason)
    progress = text(cells.get("progress"))
    if len(progress) > 2000:
        plan.error(number, "progress", f"不能超过 2000 字（现有 {len(progress)} 字）")
    owner = text(cells.get("owner"))
    measures = [
        {"text": line, "owner": owner, "due_on": due_on} for line in _measure_lines(cells.get("measures"))
    ]
    try:
        services.measure_check(measures)
    except ValidationError as exc:
        plan.error(number, "measures", "；".join(exc.messages))
    if len(plan.errors) > before or org is None:
        return
    status = ProblemStatus.PENDING
    if closure in CLOSURE_DONE:
        status = ProblemStatus.REQUESTED
    elif progress:
        status = ProblemStatus.IN_PROGRESS
    plan.rows.append(LedgerRow(number, org, values | {"progress": progress}, measures, status))


@transaction.atomic
def ledger_apply(*, plan: LedgerPlan, actor: Any) -> int:
    """Write every row of a checked plan, or nothing."""
    if not plan.ok:
        raise ValidationError("台账有错误，未导入")
    for row in plan.rows:
        try:
            problem = services.problem_create(org=row.org, actor=actor, measures=row.measures, **row.data)
            if row.status != ProblemStatus.PENDING:
                problem = services.problem_start(problem=problem, actor=actor)
            if row.status == ProblemStatus.REQUESTED:
                services.problem_request_close(
                    problem=problem, actor=actor, note="导入：原台账记为已销号，请上级核实后销号"
                )
        except ValidationError as exc:
            raise ValidationError(f"第 {row.number} 行：{'；'.join(exc.messages)}") from exc
    write_import_audit(
        actor=actor,
        verb="rectification.import",
        orgs=[r.org for r in plan.rows],
        rows=len(plan.rows),
        file=plan.file_name,
    )
    return len(plan.rows)


def upload_keep(*, uploaded: Any, user_id: int) -> Upload:
    """Keep an uploaded ledger between check and confirm (the roster import's store and limit)."""
    limit = getattr(settings, "UPLOAD_MAX_BYTES", 60 * 1024 * 1024)
    if uploaded.size > limit:
        raise WorkbookError(f"文件超过 {limit // (1024 * 1024)} MB，请拆分后上传")
    name = Path(uploaded.name or "").name
    if not name.lower().endswith(".xlsx"):
        raise WorkbookError("请上传 Excel .xlsx 文件")
    head = uploaded.read(8)
    uploaded.seek(0)
    check_signature(head)
    upload = Upload(
        token=secrets.token_urlsafe(24), user_id=user_id, kind=UPLOAD_KIND, file_name=name, summary={}
    )
    upload_dir()
    with upload.path.open("wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    upload.save_meta()
    return upload


def upload_find(*, token: str, user_id: int) -> Upload | None:
    upload = upload_get(token=token, user_id=user_id)
    return upload if upload is not None and upload.kind == UPLOAD_KIND else None
