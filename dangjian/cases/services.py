"""Writes of 典型案例: draft, edit, submit, and review level by level (approve or return)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangjian.core import events
from dangjian.core.audit import audit
from dangjian.core.ledger import PATH_STEP, can_review, clean_text, raise_if, who
from dangjian.core.permissions import Perm
from dangjian.orgs.models import Org

from .models import CaseEvent, CaseEventKind, CaseKind, CaseStatus, TypicalCase

FIELDS = {
    "title": ("案例名称", 200, True),
    "event": ("基本事实", 5000, True),
    "nature": ("性质", 2000, False),
    "harm": ("危害", 2000, False),
    "cause": ("原因", 2000, False),
    "lesson": ("教训/经验", 2000, False),
    "measures": ("整改或推广措施", 3000, False),
}
MSG_NOT_REVIEWER = "该层级的审核须由上级整改整治组办理，您无权审核"


def review_levels_for(org: Org) -> int:
    """Levels above the org that review its cases: CASE_REVIEW_LEVELS, at most to the root."""
    depth = len(org.path) // PATH_STEP
    return max(1, min(int(getattr(settings, "CASE_REVIEW_LEVELS", 2)), depth - 1))


def _clean(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, (label, limit, required) in FIELDS.items():
        if field in data or not partial:
            values[field] = clean_text(errors, field, data.get(field), label, limit, required=required)
    if "kind" in data or not partial:
        if data.get("kind") not in CaseKind.values:
            errors["kind"] = "请选择案例类型：正面典型或反面典型"
        values["kind"] = data.get("kind")
    raise_if(errors)
    return values


def _event(case: TypicalCase, kind: str, actor: Any, *, step: int = 0, comment: str = "") -> None:
    CaseEvent.objects.create(case=case, kind=kind, step=step, comment=comment, actor=who(actor))
    audit(
        actor=actor, verb=f"case.{kind}", target=case, org_path=case.org_path, step=step, status=case.status
    )


@transaction.atomic
def case_create(*, org: Org, actor: Any, **data: Any) -> TypicalCase:
    values = _clean(data, partial=False)
    case = TypicalCase.objects.create(
        org=org, org_path=org.path, review_levels=review_levels_for(org), created_by=who(actor), **values
    )
    _event(case, CaseEventKind.CREATE, actor)
    return case


@transaction.atomic
def case_update(*, case: TypicalCase, actor: Any, data: Mapping[str, Any]) -> TypicalCase:
    case = TypicalCase.objects.select_for_update().get(pk=case.pk)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        raise ValidationError({"status": f"案例{case.get_status_display()}，不能修改"})
    values = _clean(data, partial=True)
    for field, value in values.items():
        setattr(case, field, value)
    case.save()
    _event(case, CaseEventKind.EDIT, actor)
    return case


@transaction.atomic
def case_submit(*, case: TypicalCase, actor: Any) -> TypicalCase:
    case = TypicalCase.objects.select_for_update().get(pk=case.pk)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        raise ValidationError({"status": f"案例{case.get_status_display()}，不能再次报送"})
    case.status = CaseStatus.SUBMITTED
    case.review_step = 1
    case.save(update_fields=["status", "review_step", "updated_at"])
    _event(case, CaseEventKind.SUBMIT, actor)
    return case


def can_review_case(user: Any, case: TypicalCase) -> bool:
    return case.status == CaseStatus.SUBMITTED and can_review(
        user, Perm.CASE_REVIEW, case.org_path, levels=case.review_step
    )


@transaction.atomic
def case_review(*, case: TypicalCase, actor: Any, approve: bool, comment: str = "") -> TypicalCase:
    """The reviewer of the current level approves (to the next level, or approved at the last)
    or returns the case with comments."""
    case = TypicalCase.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.SUBMITTED:
        raise ValidationError({"status": f"案例{case.get_status_display()}，不在审核中"})
    if not can_review_case(actor, case):
        raise PermissionDenied(MSG_NOT_REVIEWER)
    errors: dict[str, str] = {}
    comment = clean_text(errors, "comment", comment, "退回意见", 2000, required=not approve)
    raise_if(errors)
    step = case.review_step
    if not approve:
        case.status, case.review_step = CaseStatus.RETURNED, 0
    elif step >= case.review_levels:
        case.status = CaseStatus.APPROVED
    else:
        case.review_step = step + 1
    case.save(update_fields=["status", "review_step", "updated_at"])
    _event(
        case, CaseEventKind.APPROVE if approve else CaseEventKind.RETURN, actor, step=step, comment=comment
    )
    events.emit("ledger_changed", org_ids={case.org_id})
    return case
