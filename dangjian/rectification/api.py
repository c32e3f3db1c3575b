"""/problems: the rectification ledger. Thin handlers over the selectors and services.

Reads need ``rectification.view`` on the item's org; writes need ``rectification.change`` on it
(a visible item the user may not change answers 403, anything outside the scope 404); 销号
(``/verify``) needs ``rectification.verify`` on the level above the owner org.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Status

from dangjian.core import policy
from dangjian.core.api import Schema
from dangjian.core.permissions import Perm
from dangjian.orgs.schemas import InputSchema

from . import selectors, services
from .filtersets import ProblemFilterSet
from .models import DeadlineType, Problem, ProblemSource, ProblemStatus

router = Router(tags=["检视整改"])

MAX_ID = 2**63 - 1
MAX_LIMIT = 500
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
MSG_NO_CHANGE = "您无权办理该问题"


def user_of(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by the API's auth


def query_error(form_errors: Any) -> Exception:
    from ninja.errors import ValidationError

    return ValidationError(
        [
            {"loc": ["query", field], "msg": str(msg), "type": "value_error", "ctx": {"error": str(msg)}}
            for field, msgs in form_errors.items()
            for msg in msgs
        ]
    )


class ProblemFilters(Schema):
    org: int | None = Field(None, ge=1, le=MAX_ID, description="组织 id（含下级）")
    status: ProblemStatus | None = None
    source: ProblemSource | None = None
    deadline_type: DeadlineType | None = None
    warning: str | None = Field(None, max_length=32, description="形式主义提示代码，或 any")
    due: Literal["overdue", "soon"] | None = None
    q: str | None = Field(None, max_length=100)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class MeasureIn(InputSchema):
    text: str = Field(min_length=1, max_length=1000, description="整改措施")
    owner: str = Field("", max_length=50, description="责任人")
    due_on: dt.date | None = Field(None, description="完成时限")


class MeasureOut(Schema):
    id: int
    text: str
    owner: str
    due_on: dt.date | None
    warnings: list[str]


class ProblemOut(Schema):
    id: int
    org_id: int
    org_name: str
    source: str
    description: str
    manifestation: str
    cause: str
    category: str
    patron_leader: str
    responsible_leader: str
    target: str
    deadline_type: str
    due_on: dt.date | None
    status: str
    status_display: str
    progress: str
    activity_id: int | None
    warnings: list[str] = Field(description="问题、目标和销号的形式主义提示代码")


class ProblemDetailOut(ProblemOut):
    measures: list[MeasureOut]
    events: list[dict[str, Any]]


class ProblemPage(Schema):
    items: list[ProblemOut]
    count: int


class ProblemCreateIn(InputSchema):
    org_id: int = Field(ge=1, le=MAX_ID, description="责任单位（组织 id）")
    source: ProblemSource
    description: str = Field(min_length=1, max_length=1000)
    manifestation: str = Field("", max_length=2000)
    cause: str = Field("", max_length=2000)
    category: str = Field("", max_length=50)
    patron_leader: str = Field("", max_length=50, description="挂钩包案领导")
    responsible_leader: str = Field("", max_length=50, description="责任领导")
    target: str = Field("", max_length=1000, description="量化的整改目标")
    deadline_type: DeadlineType
    due_on: dt.date | None = Field(None, description="整改时限（限期时必填）")
    measures: list[MeasureIn] = Field(default_factory=list, max_length=50)


class RequestCloseIn(InputSchema):
    note: str = Field(min_length=1, max_length=2000, description="整改完成情况")


class VerifyIn(InputSchema):
    approve: bool = Field(description="true 同意销号；false 退回")
    reason: str = Field("", max_length=1000, description="退回原因（退回时必填）")


def _problem_dict(p: Problem, warnings: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": p.pk,
        "org_id": p.org_id,
        "org_name": p.org.name,
        "source": p.source,
        "description": p.description,
        "manifestation": p.manifestation,
        "cause": p.cause,
        "category": p.category,
        "patron_leader": p.patron_leader,
        "responsible_leader": p.responsible_leader,
        "target": p.target,
        "deadline_type": p.deadline_type,
        "due_on": p.due_on,
        "status": p.status,
        "status_display": p.get_status_display(),
        "progress": p.progress,
        "activity_id": p.activity_id,
        "warnings": warnings if warnings is not None else [],
    }


def _detail(p: Problem) -> dict[str, Any]:
    d = selectors.problem_detail(problem=p)
    return {
        **_problem_dict(p, [w.code for w in d["warnings"]]),
        "measures": [
            {
                "id": m.pk,
                "text": m.text,
                "owner": m.owner,
                "due_on": m.due_on,
                "warnings": [w.code for w in m.warning_rows],
            }
            for m in d["measures"]
        ],
        "events": [
            {
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "actor": str(e.actor) if e.actor else "",
                "at": e.at.isoformat(),
            }
            for e in d["events"]
        ],
    }


def _for_change(user: Any, pk: int) -> Problem:
    problem = selectors.access_problem(user=user, pk=pk)
    if not selectors.can_change_problem(user, problem):
        raise PermissionDenied(MSG_NO_CHANGE)
    return problem


@router.get("/problems", response=ProblemPage, summary="检视问题列表")
def problem_list(request: HttpRequest, filters: Query[ProblemFilters]) -> dict[str, Any]:
    user = user_of(request)
    if not policy.has_perm(user, Perm.RECTIFICATION_VIEW):
        raise PermissionDenied("您无权查看检视整改台账")
    data = {k: v for k, v in filters.dict(exclude={"limit", "offset"}).items() if v is not None}
    filterset = ProblemFilterSet({k: getattr(v, "value", v) for k, v in data.items()}, user=user)
    if not filterset.is_valid():
        raise query_error(filterset.form.errors)
    qs = filterset.qs
    rows = selectors.rows_of_page(
        qs.values_list("pk", flat=True)[filters.offset : filters.offset + filters.limit]
    )
    codes = selectors.warning_codes(problem_ids=[p.pk for p in rows])
    return {"items": [_problem_dict(p, codes.get(p.pk, [])) for p in rows], "count": qs.count()}


@router.get("/problems/{problem_id}", response=ProblemDetailOut, summary="检视问题详情（措施、过程）")
def problem_detail(request: HttpRequest, problem_id: PathId) -> dict[str, Any]:
    return _detail(selectors.access_problem(user=user_of(request), pk=problem_id))


@router.post("/problems", response={201: ProblemDetailOut}, summary="登记检视问题（含整改措施）")
def problem_create(request: HttpRequest, payload: ProblemCreateIn) -> Status:
    user = user_of(request)
    if not policy.has_perm(user, Perm.RECTIFICATION_CHANGE):
        raise PermissionDenied("您无权登记检视问题")
    org = selectors.org_for_change(user=user, pk=payload.org_id)
    data = payload.dict(exclude={"org_id", "measures"})
    data = {k: getattr(v, "value", v) for k, v in data.items()}
    problem = services.problem_create(
        org=org, actor=user, measures=[m.dict() for m in payload.measures], **data
    )
    return Status(201, _detail(selectors.access_problem(user=user, pk=problem.pk)))


@router.post("/problems/{problem_id}/start", response=ProblemDetailOut, summary="开始整改")
def problem_start(request: HttpRequest, problem_id: PathId) -> dict[str, Any]:
    user = user_of(request)
    problem = services.problem_start(problem=_for_change(user, problem_id), actor=user)
    return _detail(selectors.access_problem(user=user, pk=problem.pk))


@router.post("/problems/{problem_id}/request-close", response=ProblemDetailOut, summary="申请销号")
def problem_request_close(
    request: HttpRequest, problem_id: PathId, payload: RequestCloseIn
) -> dict[str, Any]:
    user = user_of(request)
    problem = services.problem_request_close(
        problem=_for_change(user, problem_id), actor=user, note=payload.note
    )
    return _detail(selectors.access_problem(user=user, pk=problem.pk))


@router.post("/problems/{problem_id}/verify", response=ProblemDetailOut, summary="销号审核（上级）")
def problem_verify(request: HttpRequest, problem_id: PathId, payload: VerifyIn) -> dict[str, Any]:
    user = user_of(request)
    problem = selectors.access_problem(user=user, pk=problem_id)
    problem = services.problem_verify(
        problem=problem, actor=user, approve=payload.approve, reason=payload.reason
    )
    return _detail(selectors.access_problem(user=user, pk=problem.pk))
