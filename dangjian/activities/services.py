"""Writes on activity records: one function per use case, atomic, each with its audit event.

Figures on the record are derived here, never typed: ``held_on`` is the local date of
``starts_at``; 应到 (``expected_count``) is the number of attendance rows; 实到
(``present_count``) counts 出席 and 异地参加 (a 流出 member who took part at the 流入地 did take
part; the quorum rules that need people in the room read the rows themselves).

After every create, edit or (soft) delete the ActivityKindEntry rows are kept exactly in step
with the activity and the compliance engine is told, after commit, which orgs and dates changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dangjian.core import bounds, events, uploads
from dangjian.core.audit import audit
from dangjian.orgs.choices import COMMITTEE_TITLES, Mobility, OrgKind, PositionTitle, Standing
from dangjian.orgs.models import Member, MobilityRecord, Org, Position

from .models import Activity, ActivityKind, ActivityKindEntry, Attachment, Attendance, AttendanceStatus

logger = logging.getLogger(__name__)

# Kinds held by the committee (支委会 / 党委会) rather than the whole membership: when every kind
# of a record is one of these, the default attendee list is the current committee.
COMMITTEE_BODY_KINDS = frozenset(
    {
        ActivityKind.COMMITTEE_MEETING,
        ActivityKind.CENTRAL_GROUP_STUDY,
        ActivityKind.DEMOCRATIC_LIFE_MEETING,
    }
)
LECTURE_KINDS = frozenset({ActivityKind.PARTY_LECTURE, ActivityKind.SPECIAL_LECTURE})
REASON_REQUIRED = frozenset({AttendanceStatus.LEAVE, AttendanceStatus.ABSENT})
ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.ELSEWHERE})

FIELDS = (
    "topic",
    "starts_at",
    "ends_at",
    "place",
    "host",
    "recorder",
    "lecturer",
    "lecturer_name",
    "content",
    "resolutions",
    "observers",
)

LABELS = {
    "org": "组织",
    "kinds": "类型",
    "topic": "议题/主题",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "place": "地点",
    "host": "主持人",
    "recorder": "记录人",
    "lecturer": "授课人",
    "attendance": "考勤",
    "attachments": "附件",
    "reason": "删除原因",
}


def attachment_max_bytes() -> int:
    """Largest accepted attachment: setting ``ACTIVITY_ATTACHMENT_MAX_MB`` (default 10 MB)."""
    return int(getattr(settings, "ACTIVITY_ATTACHMENT_MAX_MB", 10)) * 1024 * 1024


# ---------------------------------------------------------------- who may attend


@dataclass(frozen=True)
class AttendeeRow:
    member_id: int
    name: str
    status: str
    reason: str
    away: bool  # an open 流出 record covers the day: 异地参加 is allowed


def org_member_ids(*, org: Org) -> list[int]:
    """Members an activity of ``org`` may list: the 党小组's members for a 党小组, otherwise
    the org's own members plus its current committee (a 党委's 委员 hold their 组织关系 below)."""
    alive = Member.objects.alive()
    if org.kind == OrgKind.GROUP:
        return list(alive.filter(party_group=org).values_list("pk", flat=True))
    ids = set(alive.filter(org=org).values_list("pk", flat=True))
    ids |= set(committee_member_ids(org=org))
    return sorted(ids)


def committee_member_ids(*, org: Org) -> list[int]:
    """Current 书记 and 委员 of ``org``, 书记 first (the order of PositionTitle)."""
    rank = {t: i for i, t in enumerate(PositionTitle.values)}
    rows = Position.objects.filter(
        org=org, ended_on__isnull=True, title__in=COMMITTEE_TITLES, member__deleted_at__isnull=True
    ).values_list("member_id", "title", "started_on")
    ordered = sorted(rows, key=lambda r: (rank.get(r[1], 99), r[2], r[0]))
    return list(dict.fromkeys(r[0] for r in ordered))


def default_attendee_ids(*, org: Org, kinds: Iterable[str]) -> list[int]:
    """The expected list before anyone edits it.

    党小组 → its members; only committee kinds (支委会 …) → the current committee; otherwise the
    org's own members in good standing (停止党籍 members are not expected).
    """
    kinds = set(kinds)
    alive = Member.objects.alive().exclude(standing=Standing.SUSPENDED)
    if org.kind == OrgKind.GROUP:
        return list(alive.filter(party_group=org).order_by("name", "pk").values_list("pk", flat=True))
    if kinds and kinds <= COMMITTEE_BODY_KINDS:
        ids = committee_member_ids(org=org)
        if ids:
            return ids
    return list(alive.filter(org=org).order_by("name", "pk").values_list("pk", flat=True))


def away_member_ids(*, member_ids: Iterable[int], on: dt.date) -> set[int]:
    """Members with a 流出 record covering ``on`` (they may be marked 异地参加)."""
    ids = list(member_ids)
    if not ids:
        return set()
    rows = MobilityRecord.objects.filter(
        member_id__in=ids, direction=Mobility.OUT, started_on__lte=on
    ).exclude(ended_on__lt=on)
    return set(rows.values_list("member_id", flat=True))


def attendee_rows(
    *,
    org: Org,
    kinds: Iterable[str],
    on: dt.date,
    current: Mapping[int, tuple[str, str]] | None = None,
    member_ids: Sequence[int] | None = None,
    known: Iterable[int] = (),
) -> list[AttendeeRow]:
    """Rows for the attendance form: ``member_ids`` (default: the default list), each with the
    status/reason from ``current`` or 出席. Posted ids are named only when they are the org's
    members or ``known`` (already on the record): others are left out, never named."""
    current = current or {}
    ids = list(member_ids) if member_ids is not None else default_attendee_ids(org=org, kinds=kinds)
    if member_ids is not None:
        listable = set(org_member_ids(org=org)) | set(known)
        ids = [pk for pk in ids if pk in listable]
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "name"))
    away = away_member_ids(member_ids=ids, on=on)
    rows = []
    for pk in ids:
        if pk not in names:
            continue
        status, reason = current.get(pk, (AttendanceStatus.PRESENT, ""))
        rows.append(AttendeeRow(pk, names[pk], status, reason, pk in away))
    return rows


# ---------------------------------------------------------------- checks


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def activity_check(
    *, org: Org | None, kinds: Sequence[str], data: Mapping[str, Any], attendance: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """Domain checks shared by the form and the API. Returns {field: 中文原因}."""
    errors: dict[str, str] = {}
    if org is None:
        errors["org"] = "请选择组织"
    elif org.deleted_at is not None:
        errors["org"] = "该组织已撤销，不能记录组织生活"
    unknown = [k for k in kinds if k not in ActivityKind.values]
    if not kinds:
        errors["kinds"] = "请至少选择一种类型"
    elif unknown:
        errors["kinds"] = f"未知的类型：{'、'.join(map(str, unknown))}"
    elif len(set(kinds)) != len(kinds):
        errors["kinds"] = "类型重复"
    elif org is not None:
        if ActivityKind.GROUP_MEETING in kinds and org.kind != OrgKind.GROUP:
            errors["kinds"] = "党小组会应记录在党小组名下：请在“组织”中选择相应的党小组"
        elif org.kind == OrgKind.GROUP and set(kinds) & (
            {ActivityKind.GENERAL_MEETING, ActivityKind.COMMITTEE_MEETING}
        ):
            errors["kinds"] = "党小组不能召开支部党员大会或支部委员会会议，请选择所在党支部"
    if not (data.get("topic") or "").strip():
        errors["topic"] = "请填写议题/主题"
    starts_at = data.get("starts_at")
    ends_at = data.get("ends_at")
    if not isinstance(starts_at, dt.datetime):
        errors["starts_at"] = "请填写开始时间"
    elif error := bounds.record_date_error(starts_at, "开始时间"):
        errors["starts_at"] = error  # before any comparison: year 1 or 9999 overflows in UTC
    elif isinstance(ends_at, dt.datetime) and (error := bounds.record_date_error(ends_at, "结束时间")):
        errors["ends_at"] = error
    else:
        if starts_at > timezone.now():
            errors["starts_at"] = "开始时间不能晚于当前时间：尚未举行的活动不能记录为已举行"
        if isinstance(ends_at, dt.datetime) and ends_at < starts_at:
            errors["ends_at"] = "结束时间不能早于开始时间"
    if (
        set(kinds) & LECTURE_KINDS
        and not data.get("lecturer")
        and not (data.get("lecturer_name") or "").strip()
    ):
        errors["lecturer"] = "党课、专题党课须填写授课人（本组织党员或外请授课人姓名）"
    if org is not None and "org" not in errors:
        allowed = set(org_member_ids(org=org))
        for field in ("host", "recorder", "lecturer"):
            person = data.get(field)
            if person is not None and person.pk not in allowed:
                errors[field] = person_error(field, org=org)
        errors.update(_attendance_check(org=org, starts_at=starts_at, attendance=attendance, allowed=allowed))
    return errors


def person_error(field: str, *, org: Org | None) -> str:
    """The message for a 主持人/记录人/授课人 id that is not one of the org's members.

    It never names the person: the id may belong to someone outside the user's scope. A missing
    id gets the same message, so the answer does not tell which ids exist either."""
    where = "本党小组" if org is not None and org.kind == OrgKind.GROUP else "本组织"
    return f"{LABELS[field]}：所选的人不是{where}党员，请从{where}党员中选择"


def _attendance_check(
    *, org: Org, starts_at: Any, attendance: Sequence[Mapping[str, Any]], allowed: set[int]
) -> dict[str, str]:
    problems: list[str] = []
    seen: set[int] = set()
    # Only the org's own members are ever named: an id from elsewhere (or none at all) gets the
    # row number and one neutral sentence, so errors cannot be used to look people up by id.
    ids = [pk for r in attendance if (pk := bounds.parse_id(r.get("member_id"))) in allowed]
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "name"))
    on = _local_date(starts_at) if isinstance(starts_at, dt.datetime) else timezone.localdate()
    away = away_member_ids(member_ids=ids, on=on)
    where = "本党小组" if org.kind == OrgKind.GROUP else "本组织"
    for n, row in enumerate(attendance, 1):
        pk = bounds.parse_id(row.get("member_id"))
        if pk is None or pk not in names:
            problems.append(f"第 {n} 行：不是{where}党员（或编号有误），不能列入考勤")
            continue
        name = names[pk]
        if pk in seen:
            problems.append(f"{name}：重复列入")
            continue
        seen.add(pk)
        status = row.get("status")
        if status not in AttendanceStatus.values:
            problems.append(f"{name}：出勤情况应为出席、请假、缺席或异地参加")
        elif status in REASON_REQUIRED and not (row.get("reason") or "").strip():
            problems.append(f"{name}：{AttendanceStatus(status).label}须填写原因")
        elif status == AttendanceStatus.ELSEWHERE and pk not in away:
            problems.append(f"{name}：只有流出党员可以记为异地参加")
    return {"attendance": "；".join(problems)} if problems else {}


def attachment_check(upload: UploadedFile) -> str | None:
    """Why ``upload`` is refused, or None (``core.uploads``; size limit from the settings)."""
    return uploads.attachment_check(upload, max_bytes=attachment_max_bytes())


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _check_uploads(files: Sequence[UploadedFile]) -> None:
    problems = [p for p in (attachment_check(f) for f in files) if p]
    if problems:
        raise ValidationError({"attachments": "；".join(problems)})


# ---------------------------------------------------------------- writing helpers


def _apply(activity: Activity, data: Mapping[str, Any]) -> None:
    for field in FIELDS:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            if field in ("starts_at", "ends_at"):
                value = _aware(value)
            if value is None and field in _TEXT:
                value = ""
            setattr(activity, field, value)
    activity.held_on = _local_date(activity.starts_at)
    activity.org_path = activity.org.path


_TEXT = {"topic", "place", "lecturer_name", "content", "resolutions", "observers"}


def _write_kinds(activity: Activity, kinds: Sequence[str]) -> None:
    """Make the kind entries mirror the activity: one active row per kind, same org/path/date."""
    wanted = list(dict.fromkeys(kinds))
    existing = {e.kind: e for e in ActivityKindEntry.objects.filter(activity=activity)}
    ActivityKindEntry.objects.filter(activity=activity).exclude(kind__in=wanted).delete()
    alive = activity.deleted_at is None
    for kind in wanted:
        entry = existing.get(kind) or ActivityKindEntry(activity=activity, kind=kind)
        entry.org_id = activity.org_id
        entry.org_path = activity.org_path
        entry.held_on = activity.held_on
        entry.is_active = alive
        entry.save()


AttendanceState = dict[int, tuple[str, str]]  # member id -> (status, reason)


def _attendance_state(activity: Activity) -> AttendanceState:
    return {m: (s, r) for m, s, r in activity.attendances.values_list("member_id", "status", "reason")}


def _attendance_diff(before: AttendanceState, after: AttendanceState) -> list[dict[str, Any]]:
    """Rows whose status or reason changed, were added or were taken off: before/after each."""
    names = dict(Member.objects.filter(pk__in=set(before) | set(after)).values_list("pk", "name"))
    out = []
    for pk in sorted(set(before) | set(after)):
        old, new = before.get(pk), after.get(pk)
        if old != new:
            out.append(
                {
                    "member_id": pk,
                    "name": names.get(pk, ""),
                    "before": {"status": old[0], "reason": old[1]} if old else None,
                    "after": {"status": new[0], "reason": new[1]} if new else None,
                }
            )
    return out


def _write_attendance(activity: Activity, attendance: Sequence[Mapping[str, Any]]) -> None:
    Attendance.objects.filter(activity=activity).delete()
    Attendance.objects.bulk_create(
        Attendance(
            activity=activity,
            member_id=int(r["member_id"]),
            status=r["status"],
            reason=(r.get("reason") or "").strip() if r["status"] != AttendanceStatus.PRESENT else "",
        )
        for r in attendance
    )
    activity.expected_count = len(attendance)
    activity.present_count = sum(1 for r in attendance if r["status"] in ATTENDED)


def _save_uploads(activity: Activity, files: Sequence[UploadedFile], actor: Any) -> list[Attachment]:
    saved = []
    for upload in files:
        kind = uploads.sniffed_type(upload)
        saved.append(
            Attachment.objects.create(
                activity=activity,
                file=upload,
                original_name=(upload.name or "")[:200],
                content_type=kind.mime if kind else "application/octet-stream",
                size=upload.size or 0,
                created_by=_who(actor),
            )
        )
    return saved


def _who(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def notify_compliance(changes: Mapping[int, set[dt.date]], *, removed: Iterable[int] = ()) -> None:
    """Announce, after commit, which (org, dates) the change touched and which members were
    taken off the attendance (their own orgs' per-member figures change too; they can no longer
    be found from the record): ``activities_changed`` (core.events). The requirements app
    subscribes and recounts; activities never imports it."""
    if changes:
        events.emit(
            "activities_changed",
            changes={org_id: sorted(dates) for org_id, dates in changes.items()},
            removed_members=sorted(set(removed)),
        )


def _changes(*pairs: tuple[int, dt.date]) -> dict[int, set[dt.date]]:
    out: dict[int, set[dt.date]] = {}
    for org_id, day in pairs:
        out.setdefault(org_id, set()).add(day)
    return out


# ---------------------------------------------------------------- use cases


@transaction.atomic
def activity_create(
    *,
    org: Org,
    kinds: Sequence[str],
    actor: Any,
    attendance: Sequence[Mapping[str, Any]] = (),
    files: Sequence[UploadedFile] = (),
    **data: Any,
) -> Activity:
    """Record an activity that has taken place, with its attendance and optional attachments.

    ``data`` holds the FIELDS (``starts_at`` aware or naive local). ``attendance`` is a list of
    {member_id, status, reason}. Nothing is written when anything is wrong.
    """
    data = {k: _aware(v) if k in ("starts_at", "ends_at") else v for k, v in data.items()}
    kinds = list(kinds)
    _raise_if(activity_check(org=org, kinds=kinds, data=data, attendance=attendance))
    _check_uploads(files)
    activity = Activity(org=org, created_by=_who(actor))
    _apply(activity, data)
    activity.full_clean(exclude=["org_path", "held_on"])
    activity.save()
    _write_attendance(activity, attendance)
    activity.save(update_fields=["expected_count", "present_count"])
    _write_kinds(activity, kinds)
    _save_uploads(activity, files, actor)
    audit(
        actor=actor,
        verb="activity.create",
        target=activity,
        org_path=activity.org_path,
        kinds=kinds,
        held_on=activity.held_on.isoformat(),
        expected=activity.expected_count,
        present=activity.present_count,
    )
    notify_compliance(_changes((org.pk, activity.held_on)))
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    actor: Any,
    org: Org | None = None,
    kinds: Sequence[str] | None = None,
    attendance: Sequence[Mapping[str, Any]] | None = None,
    files: Sequence[UploadedFile] = (),
    remove_attachments: Iterable[int] = (),
    **data: Any,
) -> Activity:
    """Edit a record. Omitted arguments keep their value; ``attendance`` given replaces the list.

    Moving the record to another org re-checks the attendance against the new org.
    """
    if activity.deleted_at is not None:
        raise ValidationError("该记录已删除，不能修改")
    before = (activity.org_id, activity.held_on)
    new_org = org or activity.org
    current_kinds = list(activity.kinds.values_list("kind", flat=True))
    new_kinds = list(kinds) if kinds is not None else current_kinds
    if attendance is None:
        attendance = [
            {"member_id": m, "status": s, "reason": r}
            for m, s, r in activity.attendances.values_list("member_id", "status", "reason")
        ]
        replace_attendance = new_org.pk != activity.org_id
    else:
        replace_attendance = True
    data = {k: _aware(v) if k in ("starts_at", "ends_at") else v for k, v in data.items()}
    merged = {f: getattr(activity, f) for f in FIELDS} | {k: v for k, v in data.items() if k in FIELDS}
    _raise_if(activity_check(org=new_org, kinds=new_kinds, data=merged, attendance=attendance))
    _check_uploads(files)
    changed = sorted(k for k in data if k in FIELDS and getattr(activity, k) != merged[k])
    if new_org.pk != activity.org_id:
        changed.append("org")
    if sorted(new_kinds) != sorted(current_kinds):
        changed.append("kinds")
    activity.org = new_org
    _apply(activity, merged)
    counts_before = (activity.expected_count, activity.present_count)
    attendance_before = _attendance_state(activity)
    attendance_changes: list[dict[str, Any]] = []
    if replace_attendance:
        _write_attendance(activity, attendance)
        attendance_changes = _attendance_diff(attendance_before, _attendance_state(activity))
        if attendance_changes:
            changed.append("attendance")
    activity.full_clean(exclude=["org_path", "held_on"])
    activity.save()
    _write_kinds(activity, new_kinds)
    removed = list(
        Attachment.objects.alive().filter(activity=activity, pk__in=list(remove_attachments)).order_by("pk")
    )
    now = timezone.now()
    for att in removed:  # soft: the row and the file stay
        att.deleted_at = now
        att.save(update_fields=["deleted_at", "updated_at"])
    added = _save_uploads(activity, files, actor)
    if added or removed:
        changed.append("attachments")
    extra: dict[str, Any] = {}
    if attendance_changes:
        extra["attendance_changes"] = attendance_changes
        extra["counts"] = {
            "before": {"expected": counts_before[0], "present": counts_before[1]},
            "after": {"expected": activity.expected_count, "present": activity.present_count},
        }
    if added:
        extra["attachments_added"] = [{"id": a.pk, "name": a.original_name} for a in added]
    if removed:
        extra["attachments_removed"] = [{"id": a.pk, "name": a.original_name} for a in removed]
    audit(
        actor=actor,
        verb="activity.update",
        target=activity,
        org_path=activity.org_path,
        changed=changed,
        kinds=new_kinds,
        held_on=activity.held_on.isoformat(),
        **extra,
    )
    gone = set(attendance_before) - set(_attendance_state(activity)) if replace_attendance else set()
    notify_compliance(_changes(before, (activity.org_id, activity.held_on)), removed=gone)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor: Any, reason: str) -> Activity:
    """Soft delete: the record stays (with its reason) and stops counting anywhere."""
    if activity.deleted_at is not None:
        raise ValidationError("该记录已删除")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写删除原因"})
    activity.deleted_at = timezone.now()
    activity.deleted_reason = reason.strip()[:200]
    activity.save(update_fields=["deleted_at", "deleted_reason", "updated_at"])
    ActivityKindEntry.objects.filter(activity=activity).update(is_active=False)
    audit(
        actor=actor,
        verb="activity.delete",
        target=activity,
        org_path=activity.org_path,
        reason=activity.deleted_reason,
        held_on=activity.held_on.isoformat(),
    )
    notify_compliance(_changes((activity.org_id, activity.held_on)))
    return activity


@transaction.atomic
def attendance_set(*, activity: Activity, actor: Any, attendance: Sequence[Mapping[str, Any]]) -> Activity:
    """Replace the attendance list of a record; 应到/实到 follow."""
    if activity.deleted_at is not None:
        raise ValidationError("该记录已删除，不能修改")
    data = {f: getattr(activity, f) for f in FIELDS}
    kinds = list(activity.kinds.values_list("kind", flat=True))
    errors = activity_check(org=activity.org, kinds=kinds, data=data, attendance=attendance)
    _raise_if({k: v for k, v in errors.items() if k == "attendance"})
    counts_before = {"expected": activity.expected_count, "present": activity.present_count}
    before = _attendance_state(activity)
    _write_attendance(activity, attendance)
    activity.save(update_fields=["expected_count", "present_count", "updated_at"])
    after = _attendance_state(activity)
    audit(
        actor=actor,
        verb="activity.attendance",
        target=activity,
        org_path=activity.org_path,
        expected=activity.expected_count,
        present=activity.present_count,
        counts_before=counts_before,
        attendance_changes=_attendance_diff(before, after),
    )
    notify_compliance(_changes((activity.org_id, activity.held_on)), removed=set(before) - set(after))
    return activity


def export_logged(*, actor: Any, ledger: str, org: Org | None, filters: Mapping[str, Any], rows: int) -> None:
    """Audit event for a ledger export (who took which data out)."""
    audit(
        actor=actor,
        verb=f"activity.export_{ledger}",
        target=org or actor,
        org_path=org.path if org else "",
        filters={k: str(v) for k, v in filters.items() if v not in (None, "", [])},
        rows=rows,
    )
