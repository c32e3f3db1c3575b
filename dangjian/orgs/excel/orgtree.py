"""Org-tree import: 组织名称, 组织类别, 上级党组织, 所在单位, 单位类别, 成立日期, 书记, 应换届时间, 实际换届时间.

A row's parent is found by name among the file's rows first, then in the importer's scope
("上级名称/名称" when a name repeats), so a whole subtree can come in one file in any row order.
A row whose name already exists under that parent updates that org (empty cells keep the recorded
value: org lists are often partial); otherwise it creates one.
书记 is a name: when it matches one member of that org a 书记 Position is recorded, otherwise the
row gets a warning (never an error). All-or-nothing, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dangjian.core import policy
from dangjian.core.events import emit

from .. import services
from ..choices import NO_TERM_KINDS, PositionTitle
from ..models import Member, Org, Position, default_term_years
from . import layout
from .common import MAX_REPORTED_ERRORS, OrgResolver, RowError, org_key, write_import_audit
from .reader import WorkbookError, read_workbook
from .values import CellError, parse_choice, parse_date, text

LABELS = {c.key: c.header for c in layout.ORG_COLUMNS}
FIELDS = ("kind", "unit_name", "sector", "founded_on", "term_start", "term_due")
CHANGE_REASON = "组织导入"


@dataclass
class OrgRow:
    sheet: str
    row: int
    name: str
    parent_raw: str
    data: dict[str, Any]
    secretary: str
    parent_row: OrgRow | None = None
    parent_org: Org | None = None
    existing: Org | None = None
    changed: list[str] = field(default_factory=list)
    org: Org | None = None  # set when applied


@dataclass
class OrgPlan:
    file_name: str
    rows: list[OrgRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def to_create(self) -> int:
        return sum(1 for r in self.rows if r.existing is None)

    @property
    def to_update(self) -> int:
        return sum(1 for r in self.rows if r.existing is not None and r.changed)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.existing is not None and not r.changed)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": "orgs",
            "file_name": self.file_name,
            "rows": len(self.rows),
            "create": self.to_create,
            "update": self.to_update,
            "unchanged": self.unchanged,
            "transfer": 0,
            "error_count": len(self.errors),
            "errors": [e.as_dict() for e in self.errors[:MAX_REPORTED_ERRORS]],
            "warnings": self.warnings,
        }


@dataclass
class OrgResult:
    created: int
    updated: int
    unchanged: int
    secretaries: int
    warnings: list[str]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def orgs_validate(*, path: str | Path, user: Any, file_name: str = "") -> OrgPlan:
    plan = OrgPlan(file_name=file_name or Path(path).name)
    try:
        book = read_workbook(path, columns=layout.ORG_COLUMNS, required=layout.ORG_REQUIRED_HEADERS)
    except WorkbookError as exc:
        plan.errors.append(RowError(0, "", str(exc)))
        return plan
    for name in book.skipped:
        plan.warnings.append(f"工作表“{name}”中没有找到组织信息表头，已跳过")
    multi = len(book.sheets) > 1
    rows: list[OrgRow] = []
    for sheet in book.sheets:
        label = sheet.name if multi else ""
        for row_number, cells in sheet.rows:
            before = len(plan.errors)

            def err(key: str, reason: str, _row: int = row_number, _label: str = label) -> None:
                plan.errors.append(RowError(_row, LABELS.get(key, key), reason, _label))

            data: dict[str, Any] = {}
            name = text(sheet.cell(cells, "name"))
            if not name:
                err("name", "不能为空")
            elif len(name) > 120:
                err("name", "不能超过 120 个字")
            kind = None
            try:
                kind = parse_choice(
                    sheet.cell(cells, "kind"),
                    layout.KIND_MAP,
                    hint="基层党委、党工委、党组、党总支、党支部、联合党支部、临时党支部或党小组",
                )
                if not kind:
                    err("kind", "不能为空")
            except CellError as exc:
                err("kind", str(exc))
            data["kind"] = kind
            if "unit_name" in sheet.columns:
                data["unit_name"] = text(sheet.cell(cells, "unit_name"))[:120]
            if "sector" in sheet.columns:
                try:
                    data["sector"] = parse_choice(
                        sheet.cell(cells, "sector"),
                        layout.SECTOR_MAP,
                        hint="机关、事业单位、国有企业、非公企业、社会组织、农村、社区或学校",
                    )
                except CellError as exc:
                    err("sector", str(exc))
            for key in ("founded_on", "term_due", "term_start"):
                if key in sheet.columns:
                    try:
                        data[key] = parse_date(sheet.cell(cells, key))
                    except CellError as exc:
                        err(key, str(exc))
            if len(plan.errors) > before:
                continue
            # An org list is often partial: an empty cell keeps what is recorded (never clears it).
            data = {k: v for k, v in data.items() if v not in (None, "")}
            rows.append(
                OrgRow(
                    sheet=label,
                    row=row_number,
                    name=name,
                    parent_raw=text(sheet.cell(cells, "parent")),
                    data=data,
                    secretary=text(sheet.cell(cells, "secretary")),
                )
            )
    if not rows and not plan.errors:
        plan.errors.append(RowError(0, "", "文件中没有组织数据（表头下方没有任何数据行）"))
        return plan
    resolver = OrgResolver(user=user)
    _resolve_parents(plan, rows, resolver, user)
    _match_existing(plan, rows, resolver)
    _check_secretaries(plan, rows)
    plan.rows = rows if not plan.errors else []
    plan.errors.sort(key=lambda e: (e.sheet, e.row))
    return plan


def _err(plan: OrgPlan, row: OrgRow, key: str, reason: str) -> None:
    plan.errors.append(RowError(row.row, LABELS.get(key, key), reason, row.sheet))


def _resolve_parents(plan: OrgPlan, rows: list[OrgRow], resolver: OrgResolver, user: Any) -> None:
    by_name: dict[str, list[OrgRow]] = {}
    for r in rows:
        by_name.setdefault(org_key(r.name), []).append(r)
    can_add_roots = user is None or policy.is_system_admin(user)
    for r in rows:
        raw = r.parent_raw
        if not raw:
            if not can_add_roots:
                _err(plan, r, "parent", "不能为空（只有系统管理员可以新建最上级党组织）")
            continue
        parent_name = ""
        name = raw
        if layout.ORG_PATH_SEPARATOR in raw:
            parent_name, _, name = raw.rpartition(layout.ORG_PATH_SEPARATOR)
            parent_name = parent_name.rpartition(layout.ORG_PATH_SEPARATOR)[2]
        in_file = by_name.get(org_key(name), [])
        if parent_name:
            in_file = [x for x in in_file if org_key(x.parent_raw.rpartition("/")[2]) == org_key(parent_name)]
        if len(in_file) == 1 and in_file[0] is not r:
            r.parent_row = in_file[0]
            continue
        if len(in_file) > 1:
            _err(plan, r, "parent", f"文件中有 {len(in_file)} 个名为“{name}”的组织，请写成“上级名称/名称”")
            continue
        try:
            r.parent_org = resolver.resolve(raw)
        except CellError as exc:
            _err(plan, r, "parent", str(exc))
    # Cycles (A's parent B, B's parent A) can only arise inside the file.
    for r in rows:
        seen: set[int] = set()
        node: OrgRow | None = r
        while node is not None and node.parent_row is not None:
            if id(node) in seen:
                _err(plan, r, "parent", "上级党组织形成循环")
                r.parent_row = None
                break
            seen.add(id(node))
            node = node.parent_row


def _order(rows: list[OrgRow]) -> list[OrgRow]:
    """Parents before children."""
    done: set[int] = set()
    out: list[OrgRow] = []

    def visit(r: OrgRow, depth: int = 0) -> None:
        if id(r) in done or depth > len(rows):
            return
        if r.parent_row is not None:
            visit(r.parent_row, depth + 1)
        done.add(id(r))
        out.append(r)

    for r in rows:
        visit(r)
    return out


def _match_existing(plan: OrgPlan, rows: list[OrgRow], resolver: OrgResolver) -> None:
    for r in _order(rows):
        parent: Any = None
        if r.parent_row is not None:
            parent = r.parent_row.existing
            kind_parent = SimpleNamespace(kind=r.parent_row.data.get("kind"))
        else:
            parent = r.parent_org
            kind_parent = parent
        if r.parent_row is None or r.parent_row.existing is not None:
            if parent is not None:
                siblings = [
                    o
                    for o in resolver.by_key.get(org_key(r.name), [])
                    if o.depth == parent.depth + 1 and o.path.startswith(parent.path)
                ]
            elif not r.parent_raw:
                siblings = [o for o in resolver.by_key.get(org_key(r.name), []) if o.depth == 1]
            else:
                siblings = []
            if siblings:
                r.existing = siblings[0]
        merged = dict(r.data)
        merged["name"] = r.name
        if r.existing is not None:
            current = {f: getattr(r.existing, f) for f in FIELDS}
            merged = current | merged
            r.changed = [k for k, v in r.data.items() if current.get(k) != v]
        for key, reason in services.org_check(merged, parent=kind_parent).items():
            _err(plan, r, key if key != "term_start" else "term_start", reason)
        if r.data.get("term_due") and r.data.get("term_start") and r.data["term_due"] < r.data["term_start"]:
            _err(plan, r, "term_due", "应换届时间不能早于实际换届时间")


def _check_secretaries(plan: OrgPlan, rows: list[OrgRow]) -> None:
    """书记 must be a member of that org; otherwise a warning, and no Position is recorded."""
    existing_ids = [r.existing.pk for r in rows if r.existing is not None and r.secretary]
    names = {r.secretary for r in rows if r.secretary}
    found: dict[tuple[int, str], list[Member]] = {}
    if existing_ids:
        for m in (
            Member.objects.alive()
            .filter(org_id__in=existing_ids, name__in=names)
            .only("pk", "name", "org_id", "org_path")
        ):
            found.setdefault((m.org_id, m.name), []).append(m)
    for r in rows:
        r.data.pop("_secretary", None)
        if not r.secretary:
            continue
        where = f"工作表“{r.sheet}” " if r.sheet else ""
        matches = found.get((r.existing.pk, r.secretary), []) if r.existing is not None else []
        if len(matches) == 1:
            r.data["_secretary"] = matches[0]
        elif len(matches) > 1:
            plan.warnings.append(
                f"{where}第 {r.row} 行 书记：该组织有 {len(matches)} 名党员叫“{r.secretary}”，未登记书记职务"
            )
        else:
            plan.warnings.append(
                f"{where}第 {r.row} 行 书记：“{r.secretary}”不是该组织的党员，未登记书记职务（可在导入党员后再设置）"
            )


@transaction.atomic
def orgs_apply(*, plan: OrgPlan, actor: Any) -> OrgResult:
    from .roster import ImportRejected

    if not plan.ok:
        raise ImportRejected(plan.errors or [RowError(0, "", "文件中没有组织数据")])
    user = actor if getattr(actor, "is_authenticated", False) else None
    today = services.today()
    now = timezone.now()
    created = updated = 0
    changed_ids: set[int] = set()
    for r in _order(plan.rows):
        values = {k: v for k, v in r.data.items() if not k.startswith("_")}
        if r.existing is not None:
            org = r.existing
            if r.changed:
                org = Org.objects.get(pk=org.pk)
                for key in r.changed:
                    setattr(org, key, values[key])
                if "term_start" in r.changed and "term_due" not in values:
                    org.term_due = None
                _fill_term(org)
                org.save()
                changed_ids.add(org.pk)
                updated += 1
            r.org = org
            continue
        parent = r.parent_row.org if r.parent_row is not None else r.parent_org
        node = Org(name=r.name, created_by=user, created_at=now, **values)
        if r.parent_row is None and node.records_from is None and not services.records_kept_from(parent):
            # An org tree entering the platform: its records are kept from this month on, so
            # the months before are 无记录 rather than 未达标.
            node.records_from = today.replace(day=1)
        node.unit_name = node.unit_name or ""
        if not values.get("sector") and parent is not None:
            node.sector = parent.sector
        node.sector = node.sector or ""
        _fill_term(node)
        r.org = (
            Org.objects.add_child(parent, instance=node)
            if parent is not None
            else Org.objects.add_root(instance=node)
        )
        changed_ids.add(r.org.pk)
        created += 1
    positions: list[Position] = []
    ended: list[Position] = []
    for r in plan.rows:
        member = r.data.get("_secretary")
        if member is None or r.org is None:
            continue
        current = list(
            Position.objects.filter(org=r.org, title=PositionTitle.SECRETARY, ended_on__isnull=True)
        )
        if any(p.member_id == member.pk for p in current):
            continue
        start = r.org.term_start if r.org.term_start and r.org.term_start <= today else today
        for p in current:
            p.ended_on = max(start, p.started_on)
            ended.append(p)
        positions.append(
            Position(
                member=member,
                org=r.org,
                org_path=r.org.path,
                title=PositionTitle.SECRETARY,
                started_on=start,
                created_by=user,
                created_at=now,
            )
        )
    if ended:
        bulk_update_with_history(
            ended, Position, ["ended_on"], default_user=user, default_change_reason=CHANGE_REASON
        )
    if positions:
        bulk_create_with_history(positions, Position, default_user=user, default_change_reason=CHANGE_REASON)
    result = OrgResult(
        created=created,
        updated=updated,
        unchanged=plan.unchanged,
        secretaries=len(positions),
        warnings=plan.warnings,
    )
    write_import_audit(
        actor=actor,
        verb="import.orgs",
        orgs=[r.org for r in plan.rows if r.org is not None],
        file_name=plan.file_name,
        rows=len(plan.rows),
        created=created,
        updated=updated,
        unchanged=plan.unchanged,
        secretaries=len(positions),
        warnings=len(plan.warnings),
    )
    if changed_ids:
        emit("org_tree_changed", org_ids=changed_ids)
    return result


def _fill_term(org: Org) -> None:
    """As ``services.org_create``: term length from settings, 应换届时间 from the term start."""
    if org.kind in NO_TERM_KINDS:
        org.term_start = org.term_years = org.term_due = None
        return
    if org.term_years is None and org.term_start is not None:
        org.term_years = default_term_years(org.kind, org.sector)
    if org.term_due is None:
        org.term_due = services.term_due_for(org.term_start, org.term_years)


def orgs_import(*, path: str | Path, user: Any, file_name: str = "") -> tuple[OrgPlan, OrgResult | None]:
    plan = orgs_validate(path=path, user=user, file_name=file_name)
    if not plan.ok:
        return plan, None
    return plan, orgs_apply(plan=plan, actor=user)
