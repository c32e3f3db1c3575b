"""Writes on orgs and members: one function per use case, atomic, each with its audit event.

Forms, the API and the Excel importer all call these; business rules live here (and in the
model constraints), never in views.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from pypinyin import Style, lazy_pinyin
from simple_history.utils import bulk_update_with_history

from dangjian.core import bounds, pii, policy
from dangjian.core.audit import audit
from dangjian.core.events import emit
from dangjian.core.orgpaths import rewrite_org_paths
from dangjian.core.permissions import Perm

from .choices import BRANCH_KINDS, NO_TERM_KINDS, MemberStatus, Mobility, OrgKind
from .models import (
    PROBATION_EXTENSION_MAX,
    PROBATION_EXTENSION_MIN,
    Member,
    MobilityRecord,
    Org,
    OrgStateChange,
    Position,
    Transfer,
    default_term_years,
)


# ---------------------------------------------------------------- helpers
def _alive_orgs() -> QuerySet[Org]:
    # Treebeard's manager builds its own MP_NodeQuerySet, so OrgQuerySet.alive() is not reachable.
    return Org.objects.filter(deleted_at__isnull=True)


def today() -> dt.date:
    return timezone.localdate()


def name_pinyin(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a Chinese name: 张三丰 → ("zsf", "zhangsanfeng")."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    return initials[:50], full[:200]


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 Feb → 28 Feb); clamped to the last representable year."""
    year = max(dt.MINYEAR, min(day.year + years, dt.MAXYEAR))
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return day.replace(year=year, day=28)
    return day.replace(year=year)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def probation_end(joined_on: dt.date, extension_months: int | None = None) -> dt.date:
    """The day the 预备期 ends and the member becomes 正式党员: one year after 入党 (党章 第七条),
    plus an extension of 6 to 12 months when the 支部大会 decided one."""
    return add_months(add_years(joined_on, 1), extension_months or 0)


def term_due_for(term_start: dt.date | None, term_years: int | None) -> dt.date | None:
    if term_start is None or not term_years:
        return None
    return add_years(term_start, term_years)


# ---------------------------------------------------------------- org

ORG_FIELDS = (
    "name",
    "kind",
    "unit_name",
    "sector",
    "leadership_team",
    "code",
    "founded_on",
    "term_start",
    "term_years",
    "term_due",
    "records_from",
)
# Facts the compliance engine reads for past periods: a change of these is dated.
DATED_ORG_FIELDS = ("kind", "sector", "leadership_team")


TERM_FIELDS = {"term_start": "实际换届时间", "term_years": "任期", "term_due": "应换届时间"}


def org_check(data: Mapping[str, Any], *, parent: Org | None) -> dict[str, str]:
    """Domain checks on org data; returns {field: 中文原因}."""
    errors: dict[str, str] = {}
    now = today()
    if not (data.get("name") or "").strip():
        errors["name"] = "组织名称不能为空"
    kind = data.get("kind")
    if parent is not None and parent.kind == OrgKind.GROUP:
        errors["parent"] = "党小组下不能再设组织"
    if (
        kind == OrgKind.GROUP
        and parent is not None
        and parent.kind not in BRANCH_KINDS | {OrgKind.GENERAL_BRANCH}
    ):
        errors["kind"] = "党小组只能设在党支部或党总支下"
    for field, label in (
        ("founded_on", "成立日期"),
        ("term_start", "实际换届时间"),
        ("records_from", "纪实起始日期"),
    ):
        value = data.get(field)
        if value and value > now:
            errors[field] = f"{label}不能晚于今天"
    if data.get("founded_on") and data.get("term_start") and data["term_start"] < data["founded_on"]:
        errors["term_start"] = "实际换届时间不能早于成立日期"
    if kind in NO_TERM_KINDS:
        for field, label in TERM_FIELDS.items():
            if data.get(field):
                errors[field] = f"{OrgKind(kind).label}不实行换届，{label}应留空"
    return errors


def records_kept_from(org: Org | None) -> dt.date | None:
    """纪实起始日期 in force for ``org``: its own, the nearest ancestor's, else the deployment's."""
    if org is not None:
        prefixes = [org.path[: d * Org.steplen] for d in range(1, len(org.path) // Org.steplen + 1)]
        marks = dict(
            Org.objects.filter(path__in=prefixes, records_from__isnull=False).values_list(
                "path", "records_from"
            )
        )
        for prefix in reversed(prefixes):
            if prefix in marks:
                return marks[prefix]
    return getattr(settings, "COMPLIANCE_RECORDS_FROM", None)


def _org_fill_term(org: Org) -> None:
    if org.kind in NO_TERM_KINDS:
        org.term_start = org.term_years = org.term_due = None
        return
    if org.term_years is None and org.term_start is not None:
        org.term_years = default_term_years(org.kind, org.sector)
    if org.term_due is None:
        org.term_due = term_due_for(org.term_start, org.term_years)


@transaction.atomic
def org_create(*, parent: Org | None, actor: Any, **data: Any) -> Org:
    errors = org_check(data, parent=parent)
    if errors:
        raise ValidationError(errors)
    fields = {k: v for k, v in data.items() if k in ORG_FIELDS}
    fields.setdefault("unit_name", "")
    fields.setdefault("sector", parent.sector if parent else "")
    node = Org(**fields)
    _org_fill_term(node)
    node.created_by = actor if getattr(actor, "is_authenticated", False) else None
    org = (
        Org.objects.add_child(parent, instance=node)
        if parent is not None
        else Org.objects.add_root(instance=node)
    )
    audit(actor=actor, verb="org.create", target=org, org_path=org.path, name=org.name)
    emit("org_tree_changed", org_ids={org.pk})
    return org


@transaction.atomic
def org_update(*, org: Org, actor: Any, changed_on: dt.date | None = None, **data: Any) -> Org:
    """Edit an org. A change of kind, 单位类别 or 县处级以上领导班子 takes effect on ``changed_on``
    (default today): the values before it are kept (``OrgStateChange``), so periods that began
    earlier are still judged as the org was then."""
    parent = Org.objects.get_parent(org)
    merged = {f: getattr(org, f) for f in ORG_FIELDS} | data
    errors = org_check(merged, parent=parent)
    on = changed_on or today()
    dated = [f for f in DATED_ORG_FIELDS if f in data and getattr(org, f) != data[f]]
    if dated:
        if on > today():
            errors["changed_on"] = "变更日期不能晚于今天"
        elif org.founded_on and on < org.founded_on:
            errors["changed_on"] = "变更日期不能早于成立日期"
        else:
            # Each change keeps the values before it: one dated before a later change would
            # rewrite the history that change recorded.
            last = org.state_changes.order_by("-changed_on").values_list("changed_on", flat=True).first()
            if last and on < last:
                errors["changed_on"] = f"变更日期不能早于上次变更日期（{last:%Y-%m-%d}）"
    if errors:
        raise ValidationError(errors)
    if dated:
        OrgStateChange.objects.create(
            org=org, changed_on=on, kind=org.kind, sector=org.sector, leadership_team=org.leadership_team
        )
    changed = {}
    recompute_due = "term_due" not in data and ({"term_start", "term_years"} & data.keys())
    for field, value in data.items():
        if field in ORG_FIELDS and getattr(org, field) != value:
            changed[field] = str(value)
            setattr(org, field, value)
    if recompute_due:
        org.term_due = None
    _org_fill_term(org)
    org.full_clean(exclude=["path", "depth", "numchild"])
    org.save()
    audit(actor=actor, verb="org.update", target=org, org_path=org.path, changed=changed)
    # Only a dated change leaves the periods before it alone; other edits (成立日期,
    # 纪实起始日期) may change any period.
    undated = set(changed) - {
        *DATED_ORG_FIELDS,
        "name",
        "unit_name",
        "code",
        "term_start",
        "term_years",
        "term_due",
    }
    emit("org_tree_changed", org_ids={org.pk}, since=on if dated and not undated else None)
    if "records_from" in changed:
        # The subtree inherits the date: every org below is judged again.
        below = set(Org.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
        emit("members_changed", org_ids=below)
    return org


@transaction.atomic
def org_move(*, org: Org, new_parent: Org, actor: Any) -> Org:
    """Move ``org`` with its whole subtree under ``new_parent``; every org_path copy follows."""
    if new_parent.path.startswith(org.path):
        raise ValidationError({"parent": "不能把组织移到它自己或它的下级组织之下"})
    if new_parent.kind == OrgKind.GROUP:
        raise ValidationError({"parent": "党小组下不能再设组织"})
    old_path = org.path
    old_parent = Org.objects.get_parent(org)
    Org.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    rewrite_org_paths(old_path, org.path)
    audit(
        actor=actor,
        verb="org.move",
        target=org,
        org_path=org.path,
        from_parent=old_parent.name if old_parent else "",
        to_parent=new_parent.name,
    )
    emit("org_tree_changed", org_ids={org.pk})
    return org


@transaction.atomic
def org_delete(*, org: Org, actor: Any, reason: str, removed_on: dt.date | None = None) -> None:
    """撤销 an empty org (no members, no live child orgs) on ``removed_on`` (default today).

    The row stays (soft delete) with its 撤销日期 and reason: its periods ending before that day
    stay judged and keep counting in the ancestors' figures."""
    on = removed_on or today()
    errors: dict[str, str] = {}
    if not (reason or "").strip():
        errors["reason"] = "请填写撤销原因"
    if on > today():
        errors["removed_on"] = "撤销日期不能晚于今天"
    elif org.founded_on and on < org.founded_on:
        errors["removed_on"] = "撤销日期不能早于成立日期"
    _raise_if(errors)
    if Member.objects.alive().filter(org_path__startswith=org.path).exists():
        raise ValidationError("该组织（或其下级组织）仍有党员，不能删除；请先转接组织关系")
    if _alive_orgs().filter(path__startswith=org.path).exclude(pk=org.pk).exists():
        raise ValidationError("该组织仍有下级组织，不能删除")
    org.deleted_at = timezone.now()
    org.removed_on = on
    org.removed_reason = reason.strip()
    org.save(update_fields=["deleted_at", "removed_on", "removed_reason", "updated_at"])
    audit(
        actor=actor,
        verb="org.delete",
        target=org,
        org_path=org.path,
        removed_on=on.isoformat(),
        reason=reason,
    )
    emit("org_tree_changed", org_ids={org.pk}, since=on)


def org_recount(org_ids: Iterable[int] | None = None) -> None:
    """Recount direct 正式/预备 member counts for the given orgs (all orgs when None).

    Changed orgs are written with one UPDATE per distinct (正式, 预备) pair: a few dozen statements
    even when thousands of orgs change (an import, the demo generator).
    """
    members = Member.objects.alive()
    orgs = Org.objects.all()
    if org_ids is not None:
        ids = set(org_ids)
        if not ids:
            return
        members = members.filter(org_id__in=ids)
        orgs = orgs.filter(pk__in=ids)
    counts: dict[int, tuple[int, int]] = {
        row["org_id"]: (row["full"], row["prob"])
        for row in members.order_by()
        .values("org_id")
        .annotate(
            full=Count("pk", filter=Q(status=MemberStatus.FULL)),
            prob=Count("pk", filter=Q(status=MemberStatus.PROBATIONARY)),
        )
    }
    groups: dict[tuple[int, int], list[int]] = {}
    for pk, full, prob in orgs.order_by().values_list("pk", "full_count", "probationary_count"):
        new = counts.get(pk, (0, 0))
        if (full, prob) != new:
            groups.setdefault(new, []).append(pk)
    for (full, prob), pks in groups.items():
        for start in range(0, len(pks), RECOUNT_CHUNK):
            Org.objects.filter(pk__in=pks[start : start + RECOUNT_CHUNK]).update(
                full_count=full, probationary_count=prob
            )


RECOUNT_CHUNK = 5000


# ---------------------------------------------------------------- member

MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "landline",
    "address",
    "education",
    "status",
    "joined_on",
    "full_member_on",
    "probation_extension_months",
    "occupation",
    "standing",
    "lost_contact",
    "lost_contact_on",
    "leading_cadre",
    "note",
    "party_group",
)

# 入党 = 转正 is legitimate for joins in this window (no 预备期 then).
NO_PROBATION_FROM = dt.date(1969, 4, 1)
NO_PROBATION_TO = dt.date(1977, 8, 31)
MIN_AGE_TO_JOIN = 18


def member_check(
    data: Mapping[str, Any], *, org: Org | None = None, on: dt.date | None = None
) -> dict[str, str]:
    """Domain checks shared by forms, the API and the importer. Returns {field: 中文原因}.

    ``data`` holds cleaned values; ``id_number`` is the plain number when given. ``on`` is the
    day dates are checked against (today; the importer passes it once for all rows).
    """
    errors: dict[str, str] = {}
    now = on or today()
    info = None
    if "id_number" in data:
        try:
            info = pii.parse_id_number(data.get("id_number") or "")
        except pii.IdNumberError as exc:
            errors["id_number"] = str(exc)
    birth = data.get("birth_date") or (info.birth_date if info else None)
    if info and data.get("birth_date") and data["birth_date"] != info.birth_date:
        errors["birth_date"] = f"出生日期与身份证号不一致（身份证号为 {info.birth_date:%Y-%m-%d}）"
    if info and data.get("gender") and data["gender"] != info.gender:
        errors["gender"] = "性别与身份证号不一致（身份证号第 17 位{}）".format(
            "为奇数，应为男" if info.gender == "M" else "为偶数，应为女"
        )
    joined = data.get("joined_on")
    full_on = data.get("full_member_on")
    for field, label in (
        ("birth_date", "出生日期"),
        ("joined_on", "加入党组织日期"),
        ("full_member_on", "转为正式党员日期"),
        ("lost_contact_on", "失去联系日期"),
    ):
        value = data.get(field)
        if value and value > now:
            errors.setdefault(field, f"{label}不能晚于今天")
        elif value:
            bound = (
                bounds.birth_date_error(value, label, today=now)
                if field == "birth_date"
                else bounds.record_date_error(value, label, today=now)
            )
            if bound:
                errors.setdefault(field, bound)
    if info is None and birth and "birth_date" not in errors:
        if error := bounds.birth_date_error(birth, today=now):
            errors["birth_date"] = error
    if joined and birth and "joined_on" not in errors and "birth_date" not in errors:
        if add_years(birth, MIN_AGE_TO_JOIN) > joined:
            errors["joined_on"] = "入党时未满 18 周岁"
    status = data.get("status")
    if status == MemberStatus.FULL and not full_on:
        errors.setdefault("full_member_on", "正式党员必须填写转为正式党员日期")
    if status == MemberStatus.PROBATIONARY and full_on:
        errors.setdefault("full_member_on", "预备党员不应有转为正式党员日期")
    extension = data.get("probation_extension_months")
    if extension is not None and not PROBATION_EXTENSION_MIN <= extension <= PROBATION_EXTENSION_MAX:
        errors["probation_extension_months"] = (
            f"延长预备期应为 {PROBATION_EXTENSION_MIN} 至 {PROBATION_EXTENSION_MAX} 个月"
            f"（填了 {extension} 个月）；未延长的留空"
        )
    # With a wrong extension the day the 预备期 ends is unknown: only that field is reported.
    if joined and full_on and not {"full_member_on", "probation_extension_months"} & errors.keys():
        no_probation = NO_PROBATION_FROM <= joined <= NO_PROBATION_TO
        due = probation_end(joined, extension)
        if full_on < joined:
            errors["full_member_on"] = "转为正式党员日期早于加入党组织日期"
        elif full_on == joined and not no_probation:
            errors["full_member_on"] = "转正日期与入党日期相同，只有 1969年4月至1977年8月入党的可以如此"
        elif full_on != due and not (no_probation and full_on == joined):
            why = f"入党满 1 年，另延长预备期 {extension} 个月" if extension else "入党满 1 年"
            errors["full_member_on"] = (
                f"转为正式党员日期应为预备期满之日 {due:%Y-%m-%d}（{why}），不能是 {full_on:%Y-%m-%d}"
            )
    if data.get("lost_contact") and not data.get("lost_contact_on"):
        errors.setdefault("lost_contact_on", "失联党员应填写失去联系日期")
    if "phone" in data and data.get("phone"):
        try:
            pii.validate_mobile(data["phone"])
        except ValueError as exc:
            errors["phone"] = str(exc)
    group = data.get("party_group")
    if (
        group is not None
        and org is not None
        and (group.kind != OrgKind.GROUP or not group.path.startswith(org.path))
    ):
        errors["party_group"] = "党小组必须是所在党组织下的党小组"
    if org is not None and org.kind == OrgKind.GROUP:
        errors["org"] = "组织关系应在党支部（或党委、总支），党小组请填在“党小组”一栏"
    return errors


def member_apply(member: Member, data: Mapping[str, Any]) -> None:
    """Copy cleaned ``data`` onto ``member``, encrypting/masking PII and deriving pinyin."""
    for field in MEMBER_FIELDS:
        if field in data:
            setattr(member, field, data[field])
    if "id_number" in data:
        info = pii.parse_id_number(data["id_number"])
        member.id_number_hash = pii.lookup_hash(info.number)
        member.id_number_encrypted = pii.encrypt(info.number)
        member.id_number_masked = pii.mask_id_number(info.number)
        if not data.get("birth_date"):
            member.birth_date = info.birth_date
        if not data.get("gender"):
            member.gender = info.gender
    if "phone" in data:
        phone = pii.normalize_phone(data.get("phone") or "")
        member.phone_encrypted = pii.encrypt(phone)
        member.phone_masked = pii.mask_phone(phone)
    if "name" in data:
        member.name = member.name.strip()
        member.name_initials, member.name_pinyin = name_pinyin(member.name)
    if member.org_id:
        member.org_path = member.org.path


def member_by_id_number(id_number: str) -> Member | None:
    return Member.objects.filter(id_number_hash=pii.lookup_hash(pii.normalize_id_number(id_number))).first()


def member_id_lookup_audit(*, actor: Any, member: Member, purpose: str) -> None:
    """Record that ``actor`` typed a 身份证号 that is registered (to ``member``).

    Checking numbers against the whole system tells whether someone is a member anywhere, so
    every hit is an audit event under the found member's org (its administrators see who asked)
    in its own transaction: it stays even when the form that asked is refused."""
    in_scope = policy.has_perm_for_path(actor, Perm.MEMBER_VIEW, member.org_path) if actor else False
    with transaction.atomic():
        audit(
            actor=actor,
            verb="member.id_lookup",
            target=member,
            org_path=member.org_path,
            purpose=purpose,
            in_scope=in_scope,
        )


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _after_commit_recount(*org_ids: int, since: dt.date | None = None) -> None:
    """Recount the orgs after commit and tell the derived figures (periods ending on or after
    ``since`` are concerned, or all)."""
    ids = {i for i in org_ids if i}
    transaction.on_commit(lambda: org_recount(ids))
    emit("members_changed", org_ids=ids, since=since)


def member_create(*, org: Org, actor: Any, **data: Any) -> Member:
    errors = member_check(data, org=org)
    known = member_by_id_number(data["id_number"]) if "id_number" not in errors else None
    if known is not None:
        member_id_lookup_audit(actor=actor, member=known, purpose="member.create")
        errors["id_number"] = (
            "该身份证号已登记为党员"
            if known.deleted_at is None
            else "该身份证号对应的党员记录已被删除，请联系系统管理员恢复"
        )
    _raise_if(errors)
    return _member_create(org=org, actor=actor, data=data)


@transaction.atomic
def _member_create(*, org: Org, actor: Any, data: Mapping[str, Any]) -> Member:
    member = Member(org=org)
    member_apply(member, data)
    member.created_by = actor if getattr(actor, "is_authenticated", False) else None
    member.full_clean(exclude=["org_path", "id_number_hash"])
    member.save()
    audit(actor=actor, verb="member.create", target=member, org_path=member.org_path)
    _after_commit_recount(org.pk, since=member.joined_on)
    return member


def member_update(*, member: Member, actor: Any, **data: Any) -> Member:
    current = {f: getattr(member, f) for f in MEMBER_FIELDS}
    errors = member_check(current | data, org=member.org)
    if "id_number" in data and "id_number" not in errors:
        other = member_by_id_number(data["id_number"])
        if other is not None and other.pk != member.pk:
            member_id_lookup_audit(actor=actor, member=other, purpose="member.update")
            errors["id_number"] = "该身份证号已登记为其他党员"
    _raise_if(errors)  # every field's problem at once, the duplicate number included
    return _member_update(member=member, actor=actor, data=data, current=current)


@transaction.atomic
def _member_update(
    *, member: Member, actor: Any, data: Mapping[str, Any], current: Mapping[str, Any]
) -> Member:
    changed = sorted(k for k, v in data.items() if k in MEMBER_FIELDS and current.get(k) != v)
    if (
        "id_number" in data
        and pii.lookup_hash(pii.normalize_id_number(data["id_number"])) != member.id_number_hash
    ):
        changed.append("id_number")
    if "phone" in data:
        changed.append("phone")
    member_apply(member, data)
    member.full_clean(exclude=["org_path", "id_number_hash"])
    member.save()
    audit(actor=actor, verb="member.update", target=member, org_path=member.org_path, changed=changed)
    _after_commit_recount(member.org_id)
    return member


@transaction.atomic
def member_transfer_check(*, member: Member, to_org: Org, on: dt.date, reason: str) -> None:
    """The rules a 组织关系转接 must meet, checked before it is shown for confirmation and again
    when it is made; raises ValidationError keyed by field."""
    errors: dict[str, str] = {}
    if to_org.pk == member.org_id:
        errors["to_org"] = "转入组织与当前组织相同"
    elif to_org.kind == OrgKind.GROUP:
        errors["to_org"] = "组织关系不能转入党小组"
    elif to_org.deleted_at is not None:
        errors["to_org"] = "转入组织已撤销"
    if on > today():
        errors["on"] = "转接日期不能晚于今天"
    elif error := bounds.record_date_error(on, "转接日期"):
        errors["on"] = error
    elif on < member.joined_on:
        errors["on"] = "转接日期不能早于入党日期"
    last = Transfer.objects.filter(member=member).order_by("-on").values_list("on", flat=True).first()
    if last is not None and on < last:
        errors["on"] = f"转接日期不能早于上一次转接日期（{last:%Y-%m-%d}）"
    if not (reason or "").strip():
        errors["reason"] = "请填写转接原因"
    _raise_if(errors)


def member_transfer(*, member: Member, to_org: Org, on: dt.date, reason: str, actor: Any) -> Transfer:
    """组织关系转接: move the member, keep the history, and let both orgs' counts follow."""
    member_transfer_check(member=member, to_org=to_org, on=on, reason=reason)
    from_org = member.org
    transfer = Transfer.objects.create(
        member=member,
        from_org=from_org,
        to_org=to_org,
        on=on,
        reason=reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    member.org = to_org
    member.org_path = to_org.path
    member.party_group = None
    # The history line says what happened, not only which columns changed.
    member._change_reason = f"组织关系转接：{from_org.name} → {to_org.name}"[:100]  # type: ignore[attr-defined]  # read by simple-history
    member.save(update_fields=["org", "org_path", "party_group", "updated_at"])
    positions_end_on_transfer(moves={member.pk: from_org.path}, on=on, actor=actor, reason="组织关系转接")
    audit(
        actor=actor,
        verb="member.transfer",
        target=member,
        org_path=to_org.path,
        from_org=from_org.name,
        to_org=to_org.name,
        on=on.isoformat(),
        reason=reason,
        from_path=from_org.path,
    )
    _after_commit_recount(from_org.pk, to_org.pk, since=on)
    return transfer


TRANSFER_LOOKUP_CHUNK = 5000


def positions_end_on_transfer(
    *, moves: Mapping[int, str], on: dt.date, actor: Any, reason: str
) -> list[Position]:
    """Posts held in the org a member leaves end with the move: each open post of a moved member
    whose org lies in the subtree left (``moves``: member id → the old org's path) ends on the
    transfer date, or on its own first day if it began after that date. One rule for
    ``member_transfer`` and the roster import; a history row for each post ended."""
    ids = list(moves)
    ended: list[Position] = []
    for start in range(0, len(ids), TRANSFER_LOOKUP_CHUNK):
        posts = Position.objects.filter(
            member_id__in=ids[start : start + TRANSFER_LOOKUP_CHUNK], ended_on__isnull=True
        ).order_by("pk")
        for post in posts:
            if post.org_path.startswith(moves[post.member_id]):
                post.ended_on = max(on, post.started_on)
                ended.append(post)
    if ended:
        user = actor if getattr(actor, "is_authenticated", False) else None
        bulk_update_with_history(
            ended, Position, ["ended_on"], batch_size=1000, default_user=user, default_change_reason=reason
        )
    return ended


@transaction.atomic
def member_delete(*, member: Member, actor: Any, reason: str) -> None:
    """Soft-delete a member entered by mistake or twice (transfers out use member_transfer).

    Open posts and open 流动 records end today, so the org's committee and the mobility lists
    stop showing the record; the row itself, its history and the reason are kept."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写删除原因"})
    # The row as it is now, locked: of two quick submits only the first deletes.
    current = Member.objects.select_for_update().only("deleted_at").get(pk=member.pk)
    if current.deleted_at is not None:
        raise ValidationError({"reason": "该党员记录已删除"})
    on = today()
    posts = _end_open(
        Position.objects.filter(member=member, ended_on__isnull=True),
        on=on,
        actor=actor,
        reason="删除党员记录",
    )
    records = _end_open(
        MobilityRecord.objects.filter(member=member, ended_on__isnull=True),
        on=on,
        actor=actor,
        reason="删除党员记录",
    )
    member.deleted_at = timezone.now()
    member.save(update_fields=["deleted_at", "updated_at"])
    audit(
        actor=actor,
        verb="member.delete",
        target=member,
        org_path=member.org_path,
        reason=reason.strip(),
        ended_positions=[p.pk for p in posts],
        ended_mobility=[r.pk for r in records],
    )
    _after_commit_recount(member.org_id, *{p.org_id for p in posts})


def _end_open(rows: QuerySet[Any], *, on: dt.date, actor: Any, reason: str) -> list[Any]:
    """End posts or 流动 records (``ended_on = on``) with a history row each; returns them."""
    ended = list(rows)
    for row in ended:
        row.ended_on = on
    if ended:
        user = actor if getattr(actor, "is_authenticated", False) else None
        bulk_update_with_history(
            ended, type(ended[0]), ["ended_on"], default_user=user, default_change_reason=reason
        )
    return ended


@transaction.atomic
def member_restore(*, member: Member, actor: Any) -> Member:
    """Undo ``member_delete`` (system administrators, from the admin site). Posts and 流动 records
    ended by the delete stay ended: they are registered again on the member page if still true."""
    if member.deleted_at is None:
        raise ValidationError("该党员记录未被删除，无需恢复")
    if member.org.deleted_at is not None:
        raise ValidationError(f"{member.name}所在的“{member.org.name}”已撤销，不能在该组织下恢复此党员")
    member.deleted_at = None
    member.save(update_fields=["deleted_at", "updated_at"])
    audit(actor=actor, verb="member.restore", target=member, org_path=member.org_path)
    _after_commit_recount(member.org_id)
    return member


@transaction.atomic
def position_assign(*, member: Member, org: Org, title: str, started_on: dt.date, actor: Any) -> Position:
    errors: dict[str, str] = {}
    if not member.org_path.startswith(org.path) and not org.path.startswith(member.org_path):
        errors["org"] = "只能在本人所在组织（或其上级、下级党小组）任职"
    if started_on > today():
        errors["started_on"] = "任职日期不能晚于今天"
    elif error := bounds.record_date_error(started_on, "任职日期"):
        errors["started_on"] = error
    _raise_if(errors)
    position = Position.objects.create(
        member=member,
        org=org,
        org_path=org.path,
        title=title,
        started_on=started_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(actor=actor, verb="position.assign", target=position, org_path=org.path, title=title)
    emit("members_changed", org_ids={org.pk}, since=started_on)
    return position


@transaction.atomic
def position_end(*, position: Position, ended_on: dt.date, actor: Any) -> Position:
    if ended_on < position.started_on:
        raise ValidationError({"ended_on": "免职日期不能早于任职日期"})
    if ended_on > today():
        raise ValidationError({"ended_on": "免职日期不能晚于今天"})
    if error := bounds.record_date_error(ended_on, "免职日期"):
        raise ValidationError({"ended_on": error})
    position.ended_on = ended_on
    position.save(update_fields=["ended_on", "updated_at"])
    audit(actor=actor, verb="position.end", target=position, org_path=position.org_path)
    emit("members_changed", org_ids={position.org_id}, since=ended_on)
    return position


@transaction.atomic
def mobility_start(
    *,
    member: Member,
    direction: str,
    place: str,
    started_on: dt.date,
    actor: Any,
    host_org: Org | None = None,
    host_org_name: str = "",
    contact: str = "",
) -> MobilityRecord:
    errors: dict[str, str] = {}
    if direction not in Mobility.values:
        errors["direction"] = "流动方向应为流出或流入"
    if not (place or "").strip():
        errors["place"] = "请填写外出流向或流入地"
    if started_on > today():
        errors["started_on"] = "开始日期不能晚于今天"
    elif error := bounds.record_date_error(started_on, "开始日期"):
        errors["started_on"] = error
    if MobilityRecord.objects.filter(member=member, ended_on__isnull=True).exists():
        errors["direction"] = "该党员已有未结束的流动登记，请先结束"
    _raise_if(errors)
    record = MobilityRecord.objects.create(
        member=member,
        org_path=member.org_path,
        direction=direction,
        place=place.strip(),
        host_org=host_org,
        host_org_name=host_org_name or (host_org.name if host_org else ""),
        contact=contact,
        started_on=started_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(actor=actor, verb="mobility.start", target=record, org_path=member.org_path, direction=direction)
    return record


@transaction.atomic
def mobility_end(*, record: MobilityRecord, ended_on: dt.date, actor: Any) -> MobilityRecord:
    if ended_on < record.started_on:
        raise ValidationError({"ended_on": "结束日期不能早于开始日期"})
    if ended_on > today():
        raise ValidationError({"ended_on": "结束日期不能晚于今天"})
    if error := bounds.record_date_error(ended_on, "结束日期"):
        raise ValidationError({"ended_on": error})
    record.ended_on = ended_on
    record.save(update_fields=["ended_on", "updated_at"])
    audit(actor=actor, verb="mobility.end", target=record, org_path=record.org_path)
    return record
