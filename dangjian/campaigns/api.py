"""/campaigns: the campaigns a user sees and a campaign's progress for an org and a day.

Thin handlers over ``selectors``; scoped by Perm.COMPLIANCE_VIEW. A 党员 gets 403; a campaign
or org outside the scope 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from pydantic import field_validator

from dangjian.core.bounds import MAX_ID, PARTY_FOUNDED
from dangjian.orgs.schemas import PageParams, paginate

from . import selectors
from .weekly import monday_of, parse_week

router = Router(tags=["主题教育"])
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class CampaignOut(Schema):
    id: int
    name: str
    template: str = Field(description="模板编码")
    starts_on: dt.date
    ends_on: dt.date


class CampaignPage(Schema):
    items: list[CampaignOut]
    count: int


class ProgressQuery(Schema):
    model_config = {"extra": "forbid"}

    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="组织（含下级）；省略为主题教育的牵头组织")
    on: dt.date | None = Field(None, description="截至日期 YYYY-MM-DD；省略为今天")

    @field_validator("on")
    @classmethod
    def _on(cls, value: dt.date | None) -> dt.date | None:
        if value is not None:
            latest = timezone.localdate() + dt.timedelta(days=3660)
            if not PARTY_FOUNDED <= value <= latest:
                raise ValueError(f"日期应在 {PARTY_FOUNDED} 至 {latest} 之间")
        return value


RATE_DOC = "完成率（%，一位小数）= 达标 ÷（达标 + 未达标）；未到期不计入；尚无已判定的单元格时为 null"


class OverallOut(Schema):
    applicable: int = Field(description="适用的单元格：达标 + 未达标 + 未到期")
    judged: int = Field(description="已判定的单元格：达标 + 未达标（完成率的分母）")
    met: int
    not_met: int
    not_due: int = Field(description="未到期：期间未结束且尚未达标，单列，不计入完成率")
    rate: float | None = Field(description=RATE_DOC)


class ActionOut(Schema):
    code: str
    name: str
    deadline: dt.date | None = Field(description="限期完成的截止日期（多个批次取最晚）；按周期的动作为 null")
    applicable: int
    judged: int
    met: int
    not_met: int
    not_due: int
    rate: float | None = Field(description=RATE_DOC)


class DepthOut(Schema):
    rel_depth: int = Field(description="相对层级：0 为所选组织本级，1 为下一级……")
    label: str
    applicable: int
    judged: int
    met: int
    not_met: int
    not_due: int
    rate: float | None = Field(description=RATE_DOC)


class ProgressOut(Schema):
    org_id: int
    on: dt.date
    overall: OverallOut
    actions: list[ActionOut]
    depths: list[DepthOut]


class WeeklyQuery(Schema):
    model_config = {"extra": "forbid"}

    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="组织（含下级）；省略为主题教育的牵头组织")
    week: str | None = Field(None, max_length=8, description="ISO 周次 YYYY-Www，如 2026-W49；省略为本周")

    @field_validator("week")
    @classmethod
    def _week(cls, value: str | None) -> str | None:
        if value is not None:
            monday = parse_week(value)
            if not PARTY_FOUNDED <= monday <= timezone.localdate() + dt.timedelta(days=3660):
                raise ValueError(f"周次 {value} 超出范围")
        return value


class WeeklyUnitOut(Schema):
    org_id: int
    org_name: str
    plan_id: int | None
    filed: bool = Field(description="已报计划")
    closed: bool = Field(description="已调度（逐项标明完成与否）")
    items: int
    done: int
    not_done: int
    open: int = Field(description="尚未调度的事项")
    behind: bool = Field(description="滞后：未报计划、有未完成事项，或周已过仍未调度")


class WeeklyOut(Schema):
    campaign_id: int
    org_id: int
    week: str
    starts_on: dt.date
    ends_on: dt.date
    filed: int
    finished: int = Field(description="已调度且全部完成的单位数")
    behind: int
    units: list[WeeklyUnitOut]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by the API's auth


@router.get("/campaigns", response=CampaignPage, summary="主题教育列表")
def campaign_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    rows, count = paginate(selectors.campaign_list(user=_user(request)), page)
    return {
        "items": [
            {
                "id": c.pk,
                "name": c.name,
                "template": c.template,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
            }
            for c in rows
        ],
        "count": count,
    }


@router.get(
    "/campaigns/{campaign_id}/progress", response=ProgressOut, summary="主题教育进度（按规定动作、按层级）"
)
def campaign_progress(
    request: HttpRequest, campaign_id: PathId, query: Query[ProgressQuery]
) -> dict[str, Any]:
    return progress_data(user=_user(request), campaign_id=campaign_id, org_id=query.org_id, on=query.on)


@router.get("/campaigns/{campaign_id}/weekly", response=WeeklyOut, summary="一周一调度：调度表")
def campaign_weekly(request: HttpRequest, campaign_id: PathId, query: Query[WeeklyQuery]) -> dict[str, Any]:
    user = _user(request)
    campaign = selectors.access_campaign(user=user, pk=campaign_id)
    org = selectors.campaign_org(user=user, campaign=campaign, org_id=query.org_id)
    week_start = parse_week(query.week) if query.week else monday_of(timezone.localdate())
    data = selectors.weekly_dispatch(user=user, campaign=campaign, org=org, week_start=week_start)
    return {"campaign_id": campaign.pk, "org_id": org.pk, **data}


def progress_data(*, user: Any, campaign_id: int, org_id: int | None, on: dt.date | None) -> dict[str, Any]:
    """The progress contract, shared by the API and the bulletin."""
    campaign = selectors.access_campaign(user=user, pk=campaign_id)
    org = selectors.campaign_org(user=user, campaign=campaign, org_id=org_id)
    on = on or timezone.localdate()
    data = selectors.progress(user=user, campaign=campaign, org=org, on=on)
    overall = data["overall"]
    return {
        "org_id": org.pk,
        "on": on,
        "overall": overall.as_dict(),
        "actions": [
            {"code": a.action.code, "name": a.action.name, "deadline": a.deadline, **a.figure.as_dict()}
            for a in data["actions"]
        ],
        "depths": [
            {"rel_depth": d, "label": selectors.depth_label(d), **fig.as_dict()} for d, fig in data["depths"]
        ],
    }
