"""Roster import: parse → validate every row → plan → apply the plan in one transaction.

Members are keyed by 身份证号 (through its keyed hash): a new number creates a member, a known one
updates it, and a known one whose 所在党支部 differs is a 组织关系转接 recorded as a Transfer with
the reason "名册导入". Validation is plain Python (the same ``member_check`` as forms and the API)
so a 176k-row file stays within a minute; writes are batched, with history rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from dangjian.core import pii, policy
from dangjian.core.events import emit
from dangjian.core.permissions import Perm

from .. import services
from ..choices import Mobility, Standing
from ..models import Member, MobilityRecord, Org, Transfer
from . import layout
from .bulk import create_with_history
from .common import MAX_REPORTED_ERRORS, OrgResolver, RowError, write_import_audit
from .pinyin import NamePinyin
from .reader import WorkbookError, read_workbook
from .values import CellError, parse_bool, parse_choice, parse_date, parse_months, text

TRANSFER_REASON = "名册导入"
BATCH = 2000
# People named in the preview, per kind (added / updated / transferred); the counts are whole.
MAX_LISTED = 1000
LOOKUP_CHUNK = 5000

# Columns whose values map straight onto Member fields (the rest need special handling).
MEMBER_COLUMNS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "status",
    "joined_on",
    "full_member_on",
    "probation_extension_months",
    "occupation",
    "landline",
    "address",
    "standing",
    "lost_contact",
    "lost_contact_on",
    "note",
)
LABELS = {c.key: c.header for c in layout.ROSTER_COLUMNS} | {
    "party_group": "党小组",
    "mobility": "流动党员登记",
}
COLUMN_ORDER = {c.key: i for i, c in enumerate(layout.ROSTER_COLUMNS)}
COLUMN_ORDER["mobility"] = COLUMN_ORDER["mobile"]  # the 流动党员登记 follows 是否为流动党员
MAX_LENGTHS = {"name": 50, "landline": 30, "address": 200, "note": 200, "mobility_place": 200}


@dataclass
class RosterRow:
    sheet: str
    row: int
    org: Org
    id_number: str
    id_hash: str
    data: dict[str, Any]  # cleaned Member field values for the columns present
    phone: str | None  # None: no 手机号 column
    mobile: bool | None  # None: no 是否为流动党员 column
    mobility_place: str
    existing: Member | None = None
    changed: list[str] = field(default_factory=list)
    transfer_from: Org | None = None


@dataclass
class RosterPlan:
    file_name: str
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mobility_open: dict[int, MobilityRecord] = field(default_factory=dict)
    resolver: OrgResolver | None = None
    multi_sheet: bool = False

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

    @property
    def to_transfer(self) -> int:
        return sum(1 for r in self.rows if r.transfer_from is not None)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": "roster",
            "file_name": self.file_name,
            "rows": len(self.rows),
            "create": self.to_create,
            "update": self.to_update,
            "unchanged": self.unchanged,
            "transfer": self.to_transfer,
            "update_only": self.to_update - self.to_transfer,  # updated and staying in their branch
            "error_count": len(self.errors),
            "errors": [e.as_dict() for e in self.errors[:MAX_REPORTED_ERRORS]],
            "warnings": self.warnings,
            "people": self.people() if not self.errors else {},
        }

    def people(self) -> dict[str, list[dict[str, str]]]:
        """Who the import adds, updates and transfers, by name (the first ``MAX_LISTED`` of each).

        The 身份证号 is shown in full only where the importer may see it in full (the org the
        member leaves and the one they join); otherwise it is masked."""
        user = self.resolver.user if self.resolver is not None else None

        def number(row: RosterRow) -> str:
            paths = [row.org.path] + ([row.existing.org_path] if row.existing is not None else [])
            if user is None or all(policy.has_perm_for_path(user, Perm.MEMBER_VIEW_PII, p) for p in paths):
                return row.id_number
            return pii.mask_id_number(row.id_number)

        def person(row: RosterRow) -> dict[str, str]:
            return {"name": row.data.get("name", ""), "id_number": number(row), "org": row.org.name}

        out: dict[str, list[dict[str, str]]] = {"create": [], "update": [], "transfer": []}
        for row in self.rows:
            if row.existing is None:
                kind, extra = "create", {}
            elif row.transfer_from is not None:
                kind, extra = "transfer", {"from_org": row.transfer_from.name}
            elif row.changed:
                kind, extra = "update", {}
            else:
                continue
            if len(out[kind]) < MAX_LISTED:
                keys = sorted((k for k in row.changed if k != "org"), key=lambda k: COLUMN_ORDER.get(k, 99))
                changed = "、".join(LABELS.get(k, k) for k in keys)
                out[kind].append(person(row) | extra | {"changed": changed})
        return out


@dataclass
class RosterResult:
    created: int
    updated: int
    unchanged: int
    transferred: int
    mobility_started: int
    mobility_ended: int

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


class ImportRejected(Exception):
    """Raised by the apply step when the plan has errors (nothing was written)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


# ---------------------------------------------------------------- validation


def roster_validate(*, path: str | Path, user: Any, file_name: str = "") -> RosterPlan:
    """Read and check every row; the plan lists what would be created, updated and transferred."""
    plan = RosterPlan(file_name=file_name or Path(path).name)
    try:
        book = read_workbook(path, columns=layout.ROSTER_COLUMNS, required=layout.ROSTER_REQUIRED_HEADERS)
    except WorkbookError as exc:
        plan.errors.append(RowError(0, "", str(exc)))
        return plan
    for name in book.skipped:
        plan.warnings.append(f"工作表“{name}”中没有找到党员信息表头，已跳过")
    resolver = OrgResolver(user=user)
    plan.resolver = resolver
    multi = plan.multi_sheet = len(book.sheets) > 1
    seen: dict[str, tuple[str, int]] = {}
    now = services.today()
    for sheet in book.sheets:
        label = sheet.name if multi else ""
        sheet_org: Org | None = None
        try:
            sheet_org = resolver.resolve(sheet.name)
        except CellError:
            pass
        column_items = list(sheet.columns.items())
        for row_number, cells in sheet.rows:
            row_errors: list[RowError] = []
            width = len(cells)
            values = {key: cells[i] if i < width else None for key, i in column_items}

            def err(
                key: str, reason: str, _row: int = row_number, _errs: list = row_errors, _label: str = label
            ) -> None:
                _errs.append(RowError(_row, LABELS.get(key, key), reason, _label))

            parsed = _parse_row(values, err)
            org = _resolve_org(values, resolver, sheet_org, err)
            raw_id = values.get("id_number")
            id_number = pii.normalize_id_number(text(raw_id))
            if isinstance(raw_id, float):
                err("id_number", "身份证号被存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写")
            elif not id_number:
                err("id_number", "不能为空")
            elif "*" in id_number:
                err("id_number", "身份证号已隐去部分数字（脱敏导出的文件不能重新导入），请填写完整号码")
            else:
                check_data = dict(parsed)
                check_data["id_number"] = id_number
                if "phone" in sheet.columns:
                    check_data["phone"] = parsed.get("_phone", "")
                reasons = services.member_check(check_data, org=org, on=now)
                for key, reason in reasons.items():
                    if key == "org" and org is None:
                        continue
                    err(key, reason)
                if id_number in seen and "id_number" not in reasons:
                    other_sheet, other_row = seen[id_number]
                    where = f"工作表“{other_sheet}”" if other_sheet != sheet.name else ""
                    err("id_number", f"与{where}第 {other_row} 行的身份证号重复")
                seen.setdefault(id_number, (sheet.name, row_number))
            if row_errors:
                plan.errors.extend(row_errors)
                continue
            assert org is not None
            data = {k: v for k, v in parsed.items() if not k.startswith("_")}
            # 出生日期 and 性别 left empty are read from the number (it encodes both).
            if not data.get("birth_date") or not data.get("gender"):
                info = pii.parse_id_number(id_number)
                data["birth_date"] = data.get("birth_date") or info.birth_date
                data["gender"] = data.get("gender") or info.gender
            plan.rows.append(
                RosterRow(
                    sheet=sheet.name,
                    row=row_number,
                    org=org,
                    id_number=id_number,
                    id_hash=pii.lookup_hash(id_number),
                    data=data,
                    phone=parsed.get("_phone") if "phone" in sheet.columns else None,
                    mobile=parsed.get("_mobile") if "mobile" in sheet.columns else None,
                    mobility_place=parsed.get("_mobility_place", ""),
                )
            )
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(0, "", "文件中没有党员数据（表头下方没有任何数据行）"))
    if plan.rows:
        _match_existing(plan, resolver, now)
    return plan


def _parse_row(columns: dict[str, Any], err) -> dict[str, Any]:
    """Cleaned values of the columns present in the sheet (``columns``: key → raw cell);
    errors are reported through ``err``."""
    out: dict[str, Any] = {}
    get = columns.get

    def parse(key: str, fn) -> None:
        if key not in columns:
            return
        try:
            out[key] = fn(columns[key])
        except CellError as exc:
            err(key, str(exc))

    name = text(get("name"))
    if not name:
        err("name", "不能为空")
    out["name"] = name
    parse("gender", lambda v: parse_choice(v, layout.GENDER_MAP, hint="男或女"))
    if "ethnicity" in columns:
        try:
            out["ethnicity"] = layout.ETHNICITY.parse(get("ethnicity"))
            if not out["ethnicity"]:
                err("ethnicity", "不能为空")
        except CellError as exc:
            err("ethnicity", str(exc))
    for key in ("birth_date", "joined_on", "full_member_on", "lost_contact_on"):
        parse(key, parse_date)
    parse("probation_extension_months", parse_months)
    parse("education", layout.EDUCATION.parse)
    parse("occupation", layout.OCCUPATION.parse)
    if "status" in columns:
        try:
            out["status"] = parse_choice(get("status"), layout.STATUS_MAP, hint="正式或预备")
            if not out["status"]:
                err("status", "不能为空，应为正式或预备")
        except CellError as exc:
            err("status", str(exc))
    else:
        err("status", "缺少“人员类别”列")
    if "joined_on" not in columns:
        err("joined_on", "缺少“加入党组织日期”列")
    elif "joined_on" in out and out["joined_on"] is None:
        err("joined_on", "不能为空")
    parse(
        "standing", lambda v: parse_choice(v, layout.STANDING_MAP, hint="正常或停止党籍") or Standing.NORMAL
    )
    parse("lost_contact", lambda v: parse_bool(v, label="是否为失联党员"))
    for key in ("landline", "address", "note"):
        parse(key, text)
    if "phone" in columns:
        out["_phone"] = pii.normalize_phone(text(get("phone")))
    if "mobile" in columns:
        try:
            out["_mobile"] = parse_bool(get("mobile"), label="是否为流动党员")
        except CellError as exc:
            err("mobile", str(exc))
    place = text(get("mobility_place")) if "mobility_place" in columns else ""
    out["_mobility_place"] = place
    if out.get("_mobile") and not place:
        err("mobility_place", "流动党员应填写外出流向")
    for key, limit in MAX_LENGTHS.items():
        value = out.get(key) if key != "mobility_place" else place
        if isinstance(value, str) and len(value) > limit:
            err(key, f"不能超过 {limit} 个字")
    return out


def _resolve_org(columns: dict[str, Any], resolver: OrgResolver, sheet_org: Org | None, err) -> Org | None:
    raw = text(columns.get("org"))
    if not raw:
        if sheet_org is not None:
            return sheet_org  # one sheet per 党支部, named after it
        err("org", "不能为空")
        return None
    try:
        return resolver.resolve(raw)
    except CellError as exc:
        err("org", str(exc))
        return None


def _known_hashes(hashes: list[str]) -> list[str]:
    """Which of ``hashes`` are already registered: a plain query per chunk, because preparing
    176k parameters through the ORM costs seconds and a first import finds none of them."""
    table = connection.ops.quote_name(Member._meta.db_table)
    column = connection.ops.quote_name(Member._meta.get_field("id_number_hash").column)
    known: list[str] = []
    with connection.cursor() as cursor:
        for start in range(0, len(hashes), LOOKUP_CHUNK):
            chunk = hashes[start : start + LOOKUP_CHUNK]
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608 - names from model meta
                chunk,
            )
            known.extend(r[0] for r in cursor.fetchall())
    return known


def _match_existing(plan: RosterPlan, resolver: OrgResolver, now: dt.date) -> None:
    """One pass over the database for all numbers in the file (chunked IN lists)."""
    known = _known_hashes([r.id_hash for r in plan.rows])
    if not known:
        return
    existing: dict[str, Member] = {}
    for start in range(0, len(known), LOOKUP_CHUNK):
        for m in Member.objects.filter(id_number_hash__in=known[start : start + LOOKUP_CHUNK]):
            existing[m.id_number_hash] = m
    ids = [m.pk for m in existing.values()]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        for rec in MobilityRecord.objects.filter(
            member_id__in=ids[start : start + LOOKUP_CHUNK], ended_on__isnull=True
        ):
            plan.mobility_open[rec.member_id] = rec
    org_cache: dict[int, Org] = dict(resolver.by_pk)
    missing_orgs = {m.org_id for m in existing.values()} - org_cache.keys()
    if missing_orgs:
        org_cache.update({o.pk: o for o in Org.objects.filter(pk__in=missing_orgs)})
    kept: list[RosterRow] = []
    multi = plan.multi_sheet
    for row in plan.rows:
        member = existing.get(row.id_hash)
        if member is None:
            kept.append(row)
            continue
        label = row.sheet if multi else ""

        def err(key: str, reason: str, _row: RosterRow = row, _label: str = label) -> None:
            plan.errors.append(RowError(_row.row, LABELS.get(key, key), reason, _label))

        if member.deleted_at is not None:
            err("id_number", "该身份证号对应的党员记录已被删除，请联系系统管理员恢复后再导入")
            continue
        if not resolver.in_scope(member.org_path):
            services.member_id_lookup_audit(actor=resolver.user, member=member, purpose="import")
            err(
                "id_number",
                "该党员的组织关系在您的管理范围以外，不能通过导入修改或转入；请由转出方办理组织关系转接",
            )
            continue
        member.org = org_cache.get(member.org_id) or member.org
        current = {f: getattr(member, f) for f in services.MEMBER_FIELDS}
        merged = current | row.data
        reasons = services.member_check(merged, org=row.org, on=now)
        if reasons:
            for key, reason in reasons.items():
                err(key, reason)
            continue
        open_rec = plan.mobility_open.get(member.pk)
        if row.mobile and open_rec is not None and open_rec.direction == Mobility.IN:
            err("mobile", "该党员有未结束的流入登记，不能同时登记为流出")
            continue
        row.existing = member
        row.changed = [k for k, v in row.data.items() if current.get(k) != v]
        if row.phone is not None and pii.decrypt(member.phone_encrypted) != row.phone:
            row.changed.append("phone")
        if row.mobile is not None:
            is_out = open_rec is not None and open_rec.direction == Mobility.OUT
            if row.mobile != is_out or (row.mobile and open_rec.place != row.mobility_place):
                row.changed.append("mobility")
        if member.org_id != row.org.pk:
            row.transfer_from = member.org
            row.changed.append("org")
        kept.append(row)
    plan.rows = kept
    plan.errors.sort(key=lambda e: (e.sheet, e.row))


# ---------------------------------------------------------------- writing


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def roster_apply(*, plan: RosterPlan, actor: Any) -> RosterResult:
    """Write the whole plan in one transaction, or nothing when it has errors."""
    if not plan.ok:
        raise ImportRejected(plan.errors or [RowError(0, "", "文件中没有党员数据")])
    user = _actor_or_none(actor)
    today = services.today()
    now = timezone.now()
    pinyin = NamePinyin()

    user_pk = user.pk if user is not None else None
    creates: list[dict[str, Any]] = []
    create_rows: list[RosterRow] = []
    updates: list[Member] = []
    update_fields: set[str] = set()
    transfers: list[Transfer] = []
    touched: set[int] = set()
    for row in plan.rows:
        if row.existing is None:
            values = dict(row.data)  # cleaned Member fields, none of them a foreign key
            phone = row.phone or ""
            values.update(
                org_id=row.org.pk,
                org_path=row.org.path,
                created_by_id=user_pk,
                created_at=now,
                updated_at=now,
                id_number_hash=row.id_hash,
                id_number_encrypted=pii.encrypt(row.id_number),
                id_number_masked=pii.mask_id_number(row.id_number),
                phone_encrypted=pii.encrypt(phone),
                phone_masked=pii.mask_phone(phone),
            )
            values["name_initials"], values["name_pinyin"] = pinyin(values["name"])
            creates.append(values)
            create_rows.append(row)
            touched.add(row.org.pk)
            continue
        if not row.changed:
            continue
        member = row.existing
        fields = {k for k in row.changed if k in MEMBER_COLUMNS}
        for key in fields:
            setattr(member, key, row.data[key])
        if "name" in fields:
            member.name_initials, member.name_pinyin = pinyin(member.name)
            fields |= {"name_initials", "name_pinyin"}
        if "phone" in row.changed:
            member.phone_encrypted = pii.encrypt(row.phone or "")
            member.phone_masked = pii.mask_phone(row.phone or "")
            fields |= {"phone_encrypted", "phone_masked"}
        if row.transfer_from is not None:
            transfers.append(
                Transfer(
                    member=member,
                    from_org=row.transfer_from,
                    to_org=row.org,
                    on=today,
                    reason=TRANSFER_REASON,
                    created_by=user,
                    created_at=now,
                )
            )
            touched.add(row.transfer_from.pk)
            member.org = row.org
            member.org_path = row.org.path
            member.party_group = None
            fields |= {"org", "org_path", "party_group"}
        member.updated_at = now
        fields.add("updated_at")
        update_fields |= fields
        updates.append(member)
        touched.add(row.org.pk)

    try:
        created_ids = create_with_history(Member, creates, user=user, reason=TRANSFER_REASON, when=now)
    except IntegrityError as exc:  # a number registered meanwhile by someone else
        raise ImportRejected(
            [RowError(0, "", "导入期间有身份证号被他人登记，已全部撤销，请重新上传预览后再确认")]
        ) from exc
    if updates:
        bulk_update_with_history(
            updates,
            Member,
            sorted(update_fields),
            batch_size=BATCH // 2,
            default_user=user,
            default_change_reason=TRANSFER_REASON,
        )
    if transfers:
        Transfer.objects.bulk_create(transfers, batch_size=BATCH)
        services.positions_end_on_transfer(
            moves={t.member.pk: t.from_org.path for t in transfers},
            on=today,
            actor=user,
            reason=TRANSFER_REASON,
        )
    started, ended = _apply_mobility(plan, create_rows, created_ids, today=today, now=now, user=user)
    services.org_recount(touched)
    result = RosterResult(
        created=len(creates),
        updated=len(updates),
        unchanged=plan.unchanged,
        transferred=len(transfers),
        mobility_started=started,
        mobility_ended=ended,
    )
    write_import_audit(
        actor=actor,
        verb="import.roster",
        orgs=[r.org for r in plan.rows],
        file_name=plan.file_name,
        rows=len(plan.rows),
        **result.as_dict(),
    )
    if touched:
        emit("members_changed", org_ids=touched)
    return result


def _apply_mobility(
    plan: RosterPlan, create_rows: list[RosterRow], created_ids: list[int], *, today, now, user
) -> tuple[int, int]:
    """是否为流动党员 / 外出流向: start or end an OUT record."""
    new_records: list[dict[str, Any]] = []
    ended: list[MobilityRecord] = []

    def start(member_id: int, org_path: str, place: str) -> None:
        new_records.append(
            {
                "member_id": member_id,
                "org_path": org_path,
                "direction": Mobility.OUT,
                "place": place,
                "started_on": today,
                "created_by_id": user.pk if user is not None else None,
                "created_at": now,
                "updated_at": now,
            }
        )

    for row, member_id in zip(create_rows, created_ids, strict=True):
        if row.mobile:
            start(member_id, row.org.path, row.mobility_place)
    for row in plan.rows:
        if row.existing is None or "mobility" not in row.changed:
            continue
        open_rec = plan.mobility_open.get(row.existing.pk)
        if open_rec is not None and open_rec.direction == Mobility.OUT:
            open_rec.ended_on = max(today, open_rec.started_on)
            open_rec.updated_at = now
            ended.append(open_rec)
        if row.mobile:
            start(row.existing.pk, row.existing.org_path, row.mobility_place)
    if ended:
        bulk_update_with_history(
            ended,
            MobilityRecord,
            ["ended_on", "updated_at"],
            batch_size=BATCH,
            default_user=user,
            default_change_reason=TRANSFER_REASON,
        )
    if new_records:
        create_with_history(MobilityRecord, new_records, user=user, reason=TRANSFER_REASON, when=now)
    return len(new_records), len(ended)


def roster_import(
    *, path: str | Path, user: Any, file_name: str = ""
) -> tuple[RosterPlan, RosterResult | None]:
    """Validate, and write when there is no error (the commands and the confirm step)."""
    plan = roster_validate(path=path, user=user, file_name=file_name)
    if not plan.ok:
        return plan, None
    return plan, roster_apply(plan=plan, actor=user)
