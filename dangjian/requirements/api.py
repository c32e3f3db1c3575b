"""/compliance: results per org and period, roll-ups of a subtree, the lagging list.

Thin handlers over ``selectors``; scoped by Perm.COMPLIANCE_VIEW on ``org_path``. A role that
never sees compliance (党员) answers 403; an org outside the user's scope 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router
from ninja.errors import ValidationError
from pydantic import field_validator

from dangjian.core.api import Schema
from dangjian.orgs.schemas import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT, OutRow, PageParams, paginate

from . import selectors
from .models import ComplianceResult, Status

router = Router(tags=["达标情况"])

PERIOD_HELP = "期间：2024（年）、2024H1（半年）、2024Q2（季度）或 2024-05（月）；省略为上一个完整月份"


class _Query(Schema):
    model_config = {"extra": "forbid"}

    @field_validator("period", check_fields=False)
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        error = selectors.period_error(value) if value is not None else None
        if error:
            raise ValueError(error)
        return value


class ResultFilters(_Query):
    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="组织（含下级）；省略为授权范围内全部")
    period: str | None = Field(None, description="只列与该期间重叠的结果。" + PERIOD_HELP)
    requirement: str | None = Field(None, max_length=64, description="要求编码")
    status: Status | None = Field(None, description="状态")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1—{MAX_LIMIT}")
    offset: int = Field(
        0,
        ge=0,
        le=selectors.RESULTS_COUNT_CAP,
        description=f"跳过的条数（至多 {selectors.RESULTS_COUNT_CAP}；更后面的结果用 cursor 翻页）",
    )
    cursor: str | None = Field(
        None, max_length=300, description="上一页响应中的 next_cursor；给出时忽略 offset"
    )


class RollupQuery(_Query):
    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="组织；省略为授权范围的最高一级")
    period: str | None = Field(None, description=PERIOD_HELP)


class LaggingQuery(RollupQuery):
    requirement: str | None = Field(None, max_length=64, description="要求编码")


class ResultOut(OutRow):
    requirement: str = Field(description="要求编码（供程序使用；给人看的是 requirement_name 和 citation）")
    requirement_name: str
    citation: str = Field(description="依据：文件名称和条款")
    org_id: int
    org_name: str
    period: str
    period_start: dt.date
    period_end: dt.date
    status: str
    status_display: str
    count: int
    required: int
    explanation: str
    record_ids: list[int]


class ResultPage(Schema):
    items: list[ResultOut]
    count: int


class ResultListPage(ResultPage):
    count: int = Field(description=f"符合条件的条数，至多数到 {selectors.RESULTS_COUNT_CAP}")
    count_capped: bool = Field(description=f"为 true 时实际条数多于 {selectors.RESULTS_COUNT_CAP}")
    next_cursor: str | None = Field(description="下一页的 cursor；没有下一页时为 null")


class TallyOut(Schema):
    applicable: int = Field(description="适用的单元格：达标 + 未达标 + 未到期")
    met: int
    not_met: int
    not_due: int
    judged: int = Field(description="已评判的单元格：达标 + 未达标")
    rate: float | None = Field(
        None, description="达标率（%）= 达标 ÷ (达标 + 未达标)；未到期不计入；没有已评判的单元格时为 null"
    )


class RequirementTallyOut(TallyOut):
    requirement: str = Field(description="要求编码（供程序使用；给人看的是 name 和 citation）")
    name: str
    citation: str = Field(description="依据：文件名称和条款")
    periods: list[str]


class DepthTallyOut(TallyOut):
    rel_depth: int
    depth: int
    label: str


class RollupOut(Schema):
    org_id: int
    org_name: str
    period: str
    period_label: str
    subtree: bool = Field(description="是否包含下级组织（仅对本组织有授权时为 false）")
    total: TallyOut
    requirements: list[RequirementTallyOut]
    depths: list[DepthTallyOut]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by the API's auth


STATUS_LABELS = {value: str(label) for value, label in Status.choices}


def _result(r: ComplianceResult) -> dict[str, Any]:
    """A row of the result lists (``selectors.results`` and ``lagging``: ``org_name`` annotated)."""
    return {
        "requirement": r.requirement.code,
        "requirement_name": r.requirement.name,
        "citation": selectors.citation(r.requirement.source_title, r.requirement.article),
        "org_id": r.org_id,
        "org_name": r.org_name,
        "period": r.period_key,
        "period_start": r.period_start,
        "period_end": r.period_end,
        "status": r.status,
        "status_display": STATUS_LABELS.get(r.status, r.status),
        "count": r.count,
        "required": r.required,
        "explanation": r.explanation,
        "record_ids": r.record_ids,
    }


def _org(user: Any, org_id: int | None):
    if org_id is not None:
        return selectors.access_compliance_org(user=user, pk=org_id)
    org = selectors.default_org(user=user)
    if org is None:
        raise selectors.policy.not_found()
    return org


@router.get("/compliance/results", response=ResultListPage, summary="达标结果（按组织、要求、期间）")
def result_list(request: HttpRequest, filters: Query[ResultFilters]) -> dict[str, Any]:
    user = _user(request)
    selectors.require_view(user=user)
    org = selectors.access_compliance_org(user=user, pk=filters.org_id) if filters.org_id else None
    requirement = (
        selectors.access_requirement(code_or_id=filters.requirement) if filters.requirement else None
    )
    window = selectors.resolve_period(filters.period) if filters.period else None
    try:
        page = selectors.results(
            user=user,
            org=org,
            window=window,
            requirement=requirement,
            status=filters.status,
            cursor=filters.cursor,
            offset=filters.offset,
            size=filters.limit,
        )
    except ValueError as exc:
        raise ValidationError(
            [{"loc": ["query", "cursor"], "msg": str(exc), "type": "value_error", "ctx": {"error": str(exc)}}]
        ) from None
    return {
        "items": [_result(r) for r in page.rows],
        "count": page.count,
        "count_capped": page.count_capped,
        "next_cursor": page.next_cursor,
    }


@router.get("/compliance/rollup", response=RollupOut, summary="下级汇总：各要求的应达标、达标数和达标率")
def rollup(request: HttpRequest, query: Query[RollupQuery]) -> dict[str, Any]:
    user = _user(request)
    selectors.require_view(user=user)
    org = _org(user, query.org_id)
    window = selectors.resolve_period(query.period)
    data = selectors.dashboard(user=user, org=org, window=window)
    return {
        "org_id": org.pk,
        "org_name": org.name,
        "period": window.key,
        "period_label": selectors.window_label(window),
        "subtree": data["subtree"],
        "total": data["overall"].as_dict(),
        "requirements": [
            {
                "requirement": row["rule"].code,
                "name": row["rule"].name,
                "citation": selectors.citation(row["rule"].source_title, row["rule"].article),
                "periods": [s.key for s in row["figure"].spans],
                **row["tally"].as_dict(),
            }
            for row in data["rows"]
        ],
        "depths": [
            {"rel_depth": d["rel_depth"], "depth": d["depth"], "label": d["label"], **d["tally"].as_dict()}
            for d in data["depths"]
        ],
    }


@router.get("/compliance/lagging", response=ResultPage, summary="未达标清单（含原因）")
def lagging(request: HttpRequest, query: Query[LaggingQuery], page: Query[PageParams]) -> dict[str, Any]:
    user = _user(request)
    selectors.require_view(user=user)
    org = _org(user, query.org_id)
    window = selectors.resolve_period(query.period)
    requirement = selectors.access_requirement(code_or_id=query.requirement) if query.requirement else None
    rows, count = paginate(
        selectors.lagging(user=user, org=org, window=window, requirement=requirement), page
    )
    return {"items": [_result(r) for r in rows], "count": count}
