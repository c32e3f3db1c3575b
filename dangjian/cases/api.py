"""/cases: 典型案例 (read, write a draft, submit, review). 404 outside the scope; 403 for a visible
case the user may not change or whose current review level is not theirs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Status

from dangjian.core import policy
from dangjian.core.api import Schema
from dangjian.core.permissions import Perm
from dangjian.orgs.schemas import InputSchema
from dangjian.rectification.api import query_error, user_of

from . import selectors, services
from .filtersets import CaseFilterSet
from .models import CaseKind, CaseStatus, TypicalCase

router = Router(tags=["典型案例"])
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class CaseFilters(Schema):
    kind: CaseKind | None = None
    status: CaseStatus | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class CaseOut(Schema):
    id: int
    org_id: int
    org_name: str
    kind: str
    title: str
    event: str
    nature: str
    harm: str
    cause: str
    lesson: str
    measures: str
    status: str
    status_display: str
    review_step: int
    review_levels: int


class CaseEventOut(Schema):
    kind: str
    step: int
    comment: str
    actor: str
    at: dt.datetime


class CaseDetailOut(CaseOut):
    history: list[CaseEventOut]


class CasePage(Schema):
    items: list[CaseOut]
    count: int


class CaseIn(InputSchema):
    org_id: int = Field(ge=1, le=MAX_ID)
    kind: CaseKind
    title: str = Field(min_length=1, max_length=200)
    event: str = Field(min_length=1, max_length=5000)
    nature: str = Field("", max_length=2000)
    harm: str = Field("", max_length=2000)
    cause: str = Field("", max_length=2000)
    lesson: str = Field("", max_length=2000)
    measures: str = Field("", max_length=3000)


class ReviewIn(InputSchema):
    approve: bool
    comment: str = Field("", max_length=2000, description="退回时必填")


def _case(c: TypicalCase) -> dict[str, Any]:
    fields = ("kind", "title", "event", "nature", "harm", "cause", "lesson", "measures", "status")
    return {"id": c.pk, "org_id": c.org_id, "org_name": c.org.name, **{f: getattr(c, f) for f in fields}} | {
        "status_display": c.get_status_display(),
        "review_step": c.review_step,
        "review_levels": c.review_levels,
    }


def _detail(c: TypicalCase) -> dict[str, Any]:
    history = [
        {"kind": e.kind, "step": e.step, "comment": e.comment, "actor": str(e.actor or ""), "at": e.at}
        for e in selectors.case_history(case=c)
    ]
    return _case(c) | {"history": history}


@router.get("/cases", response=CasePage, summary="典型案例列表")
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    user = user_of(request)
    if not policy.has_perm(user, Perm.CASE_VIEW):
        raise PermissionDenied("您无权查看典型案例")
    data = {
        k: getattr(v, "value", v)
        for k, v in filters.dict(exclude={"limit", "offset"}).items()
        if v is not None
    }
    filterset = CaseFilterSet(data, user=user)
    if not filterset.is_valid():
        raise query_error(filterset.form.errors)
    qs = filterset.qs
    return {
        "items": [_case(c) for c in qs[filters.offset : filters.offset + filters.limit]],
        "count": qs.count(),
    }


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="典型案例详情（含审核记录）")
def case_detail(request: HttpRequest, case_id: PathId) -> dict[str, Any]:
    return _detail(selectors.access_case(user=user_of(request), pk=case_id))


@router.post("/cases", response={201: CaseDetailOut}, summary="撰写典型案例（草稿）")
def case_create(request: HttpRequest, payload: CaseIn) -> Status:
    user = user_of(request)
    if not policy.has_perm(user, Perm.CASE_CHANGE):
        raise PermissionDenied("您无权报送典型案例")
    org = selectors.org_for_change(user=user, pk=payload.org_id)
    data = payload.dict(exclude={"org_id"}) | {"kind": payload.kind.value}
    case = services.case_create(org=org, actor=user, **data)
    return Status(201, _detail(selectors.access_case(user=user, pk=case.pk)))


@router.post("/cases/{case_id}/submit", response=CaseDetailOut, summary="报送典型案例")
def case_submit(request: HttpRequest, case_id: PathId) -> dict[str, Any]:
    user = user_of(request)
    case = selectors.access_case(user=user, pk=case_id)
    if not selectors.can_change_case(user, case):
        raise PermissionDenied("您无权报送该案例")
    services.case_submit(case=case, actor=user)
    return _detail(selectors.access_case(user=user, pk=case.pk))


@router.post("/cases/{case_id}/review", response=CaseDetailOut, summary="审核典型案例（上级整改整治组）")
def case_review(request: HttpRequest, case_id: PathId, payload: ReviewIn) -> dict[str, Any]:
    user = user_of(request)
    case = selectors.access_case(user=user, pk=case_id)
    services.case_review(case=case, actor=user, approve=payload.approve, comment=payload.comment)
    return _detail(selectors.access_case(user=user, pk=case.pk))
