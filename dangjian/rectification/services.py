"""Writes of the rectification ledger: one function per use case, atomic, each writing its
ProblemEvent (who, when, from which state to which) and an audit event.

State moves: 待整改 → 整改中 (``problem_start``) → 申请销号 (``problem_request_close``, with a
note and optional evidence) → 已销号 or 已退回 (``problem_verify``, by a reviewer at the level
above the owner org). 已退回 is worked on again and may apply again. Closed items are not edited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dangjian.activities.models import Activity, ActivityKind
from dangjian.core import uploads
from dangjian.core.audit import audit
from dangjian.core.ledger import can_review, check_date, check_files, clean_text, raise_if, who
from dangjian.core.permissions import Perm
from dangjian.orgs.models import Org

from . import detector
from .models import (
    DeadlineType,
    EventKind,
    Evidence,
    Measure,
    Problem,
    ProblemEvent,
    ProblemSource,
    ProblemStatus,
)

LIFE_MEETING_KINDS = (ActivityKind.DEMOCRATIC_LIFE_MEETING, ActivityKind.ORG_LIFE_MEETING)
MSG_CLOSED = "已销号的问题不能再修改"
MSG_NOT_REVIEWER = "销号须由上级党组织审核，您无权为本单位的问题销号"

# Fields a problem form or import sets, with label and length limit.
TEXT_FIELDS = {
    "description": ("问题", 1000, True),
    "manifestation": ("具体表现", 2000, False),
    "cause": ("原因剖析", 2000, False),
    "category": ("类别", 50, False),
    "patron_leader": ("挂钩包案领导", 50, False),
    "responsible_leader": ("责任领导", 50, False),
    "target": ("整改目标", 1000, False),
}


def _event(
    problem: Problem, *, kind: str, actor: Any, before: str = "", note: str = "", verb: str | None = None
) -> ProblemEvent:
    event = ProblemEvent.objects.create(
        problem=problem,
        kind=kind,
        from_status=before,
        to_status=problem.status if kind != EventKind.PROGRESS else "",
        note=note,
        actor=who(actor),
    )
    audit(
        actor=actor,
        verb=verb or f"problem.{kind}",
        target=problem,
        org_path=problem.org_path,
        before=before,
        after=problem.status,
    )
    return event


def problem_check(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean the problem fields of ``data`` (only those present): (values, errors by field)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, (label, limit, required) in TEXT_FIELDS.items():
        if field in data:
            values[field] = clean_text(errors, field, data[field], label, limit, required=required)
    if "source" in data:
        if data["source"] not in ProblemSource.values:
            errors["source"] = "请选择问题来源：" + "、".join(ProblemSource.labels)
        values["source"] = data["source"]
    if "deadline_type" in data:
        if data["deadline_type"] not in DeadlineType.values:
            errors["deadline_type"] = "请选择整改时限：" + "、".join(DeadlineType.labels)
        values["deadline_type"] = data["deadline_type"]
    if "due_on" in data:
        values["due_on"] = check_date(errors, "due_on", data["due_on"], "整改时限")
    deadline_type = values.get("deadline_type", data.get("_deadline_type"))
    due_on = values.get("due_on", data.get("_due_on"))
    if deadline_type == DeadlineType.DEADLINE and not due_on and "due_on" not in errors:
        errors["due_on"] = "限期整改的问题必须填写整改时限（日期）"
    return values, errors


def measure_check(rows: Sequence[Mapping[str, Any]], *, field: str = "measures") -> list[dict[str, Any]]:
    """Clean measure rows (text, owner, due_on); errors name the row: "第 2 条措施 …"."""
    cleaned: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, row in enumerate(rows, 1):
        errors: dict[str, str] = {}
        text = clean_text(errors, "text", row.get("text"), "措施内容", 1000, required=True)
        owner = clean_text(errors, "owner", row.get("owner"), "责任人", 50)
        due_on = check_date(errors, "due_on", row.get("due_on"), "完成时限")
        problems += [f"第 {number} 条措施 {msg}" for msg in errors.values()]
        cleaned.append({"text": text, "owner": owner, "due_on": due_on})
    if problems:
        raise ValidationError({field: "；".join(problems)})
    return cleaned


def _check_activity(activity: Activity | None, org: Org) -> None:
    if activity is None:
        return
    kinds = set(activity.kinds.values_list("kind", flat=True))
    errors = {}
    if not kinds & set(LIFE_MEETING_KINDS):
        errors["activity"] = "只有民主生活会或组织生活会的记录可以关联查摆出的问题"
    elif not (org.path.startswith(activity.org_path) or activity.org_path.startswith(org.path)):
        errors["activity"] = "该会议记录不属于问题的责任单位或其上下级"
    raise_if(errors)


@transaction.atomic
def problem_create(
    *,
    org: Org,
    actor: Any,
    source: str,
    description: str,
    deadline_type: str,
    due_on: dt.date | None = None,
    manifestation: str = "",
    cause: str = "",
    category: str = "",
    patron_leader: str = "",
    responsible_leader: str = "",
    target: str = "",
    measures: Sequence[Mapping[str, Any]] = (),
    activity: Activity | None = None,
    progress: str = "",
) -> Problem:
    values, errors = problem_check(
        {
            "source": source,
            "description": description,
            "deadline_type": deadline_type,
            "due_on": due_on,
            "manifestation": manifestation,
            "cause": cause,
            "category": category,
            "patron_leader": patron_leader,
            "responsible_leader": responsible_leader,
            "target": target,
        }
    )
    progress = clean_text(errors, "progress", progress, "完成情况", 2000)
    raise_if(errors)
    rows = measure_check(measures)
    _check_activity(activity, org)
    problem = Problem(
        org=org, org_path=org.path, activity=activity, progress=progress, created_by=who(actor), **values
    )
    problem.full_clean(exclude=["org", "activity", "closed_by"])
    problem.save()
    for row in rows:
        Measure.objects.create(problem=problem, created_by=who(actor), **row)
    _event(problem, kind=EventKind.CREATE, actor=actor)
    detector.refresh(problem)
    return problem


def _open_for_edit(problem: Problem) -> None:
    if problem.status == ProblemStatus.CLOSED:
        raise ValidationError({"status": MSG_CLOSED})
    if problem.status == ProblemStatus.REQUESTED:
        raise ValidationError({"status": "问题正在申请销号，审核完成前不能修改"})


@transaction.atomic
def problem_update(*, problem: Problem, actor: Any, data: Mapping[str, Any]) -> Problem:
    """Edit the fields given in ``data`` (not the state); warnings are refreshed."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    _open_for_edit(problem)
    values, errors = problem_check(
        {**data, "_deadline_type": problem.deadline_type, "_due_on": problem.due_on}
    )
    if "progress" in data:
        values["progress"] = clean_text(errors, "progress", data["progress"], "完成情况", 2000)
    raise_if(errors)
    changed = [f for f, v in values.items() if getattr(problem, f) != v]
    for field in changed:
        setattr(problem, field, values[field])
    if changed:
        problem.save(update_fields=[*changed, "updated_at"])
        _event(problem, kind=EventKind.EDIT, actor=actor, before=problem.status, note="、".join(changed))
        detector.refresh(problem)
    return problem


@transaction.atomic
def measure_add(
    *, problem: Problem, actor: Any, text: str, owner: str = "", due_on: dt.date | None = None
) -> Measure:
    _open_for_edit(problem)
    (row,) = measure_check([{"text": text, "owner": owner, "due_on": due_on}])
    measure = Measure.objects.create(problem=problem, created_by=who(actor), **row)
    audit(
        actor=actor, verb="problem.measure_add", target=problem, org_path=problem.org_path, measure=measure.pk
    )
    detector.refresh(problem)
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, actor: Any, data: Mapping[str, Any]) -> Measure:
    problem = measure.problem
    _open_for_edit(problem)
    merged = {"text": measure.text, "owner": measure.owner, "due_on": measure.due_on, **data}
    (row,) = measure_check([merged])
    done_errors: dict[str, str] = {}
    if "done_on" in data:
        row["done_on"] = check_date(done_errors, "done_on", data["done_on"], "完成日期")
    raise_if(done_errors)
    for field, value in row.items():
        setattr(measure, field, value)
    measure.save()
    audit(
        actor=actor,
        verb="problem.measure_edit",
        target=problem,
        org_path=problem.org_path,
        measure=measure.pk,
    )
    detector.refresh(problem)
    return measure


def _transition(problem: Problem, allowed: Sequence[str], label: str) -> str:
    if problem.status not in allowed:
        raise ValidationError({"status": f"当前状态为“{problem.get_status_display()}”，不能{label}"})
    return problem.status


@transaction.atomic
def problem_start(*, problem: Problem, actor: Any) -> Problem:
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    before = _transition(problem, (ProblemStatus.PENDING,), "开始整改")
    problem.status = ProblemStatus.IN_PROGRESS
    problem.save(update_fields=["status", "updated_at"])
    _event(problem, kind=EventKind.START, actor=actor, before=before)
    return problem


@transaction.atomic
def problem_progress_note(*, problem: Problem, actor: Any, note: str) -> ProblemEvent:
    """A progress note (长期坚持 items take them periodically); kept as an event."""
    errors: dict[str, str] = {}
    note = clean_text(errors, "note", note, "进展说明", 2000, required=True)
    raise_if(errors)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)  # the state as it is now
    if problem.status == ProblemStatus.CLOSED and problem.deadline_type != DeadlineType.LONG_TERM:
        raise ValidationError({"note": MSG_CLOSED})
    problem.progress = note
    problem.save(update_fields=["progress", "updated_at"])
    return _event(problem, kind=EventKind.PROGRESS, actor=actor, before=problem.status, note=note)


@transaction.atomic
def problem_request_close(
    *, problem: Problem, actor: Any, note: str, files: Sequence[UploadedFile] = ()
) -> Problem:
    """申请销号 with a note on what was done and optional 佐证材料 (a 销号 without evidence is
    flagged ``self_verified`` by the detector, not refused)."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    errors: dict[str, str] = {}
    note = clean_text(errors, "note", note, "销号申请说明", 2000, required=True)
    raise_if(errors)
    check_files(files, field="files")
    before = _transition(problem, (ProblemStatus.IN_PROGRESS, ProblemStatus.RETURNED), "申请销号")
    for upload in files:
        kind = uploads.sniffed_type(upload)
        Evidence.objects.create(
            problem=problem,
            file=upload,
            original_name=(upload.name or "")[:200],
            content_type=kind.mime if kind else "application/octet-stream",
            size=upload.size or 0,
            created_by=who(actor),
        )
    problem.status = ProblemStatus.REQUESTED
    problem.close_note = note
    problem.save(update_fields=["status", "close_note", "updated_at"])
    _event(problem, kind=EventKind.REQUEST, actor=actor, before=before, note=note)
    detector.refresh(problem)
    return problem


@transaction.atomic
def problem_verify(*, problem: Problem, actor: Any, approve: bool, reason: str = "") -> Problem:
    """销号 (``approve``) or 退回 with a reason, by a reviewer at the level above the owner org."""
    if not can_review(actor, Perm.RECTIFICATION_VERIFY, problem.org_path):
        raise PermissionDenied(MSG_NOT_REVIEWER)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    errors: dict[str, str] = {}
    reason = clean_text(errors, "reason", reason, "退回原因", 1000, required=not approve)
    raise_if(errors)
    before = _transition(problem, (ProblemStatus.REQUESTED,), "审核销号")
    if approve:
        problem.status = ProblemStatus.CLOSED
        problem.closed_at = timezone.now()
        problem.closed_by = who(actor)
        problem.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        _event(problem, kind=EventKind.VERIFY, actor=actor, before=before, note=reason, verb="problem.verify")
    else:
        problem.status = ProblemStatus.RETURNED
        problem.save(update_fields=["status", "updated_at"])
        _event(problem, kind=EventKind.RETURN, actor=actor, before=before, note=reason)
    detector.refresh(problem)
    return problem
