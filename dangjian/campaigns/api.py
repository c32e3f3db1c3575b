"""/campaigns: the campaigns a user sees and a campaign's progress for an org and a day.

Thin handlers over ``selectors``; scoped by Perm.COMPLIANCE_VIEW. A 党员 gets 403; a campaign
or org outside the scope 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Status
from pydantic import field_validator

from dangjian.core import policy
from dangjian.core.api import Schema
from dangjian.core.bounds import MAX_ID, PARTY_FOUNDED
from dangjian.core.permissions import Perm
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.schemas import InputSchema, PageParams, paginate
from dangjian.requirements import selectors as compliance

from . import confirmations, publicity, selectors
from .models import PublicityLevel
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


# ---------------------------------------------------------------- 宣传报道, 人工确认


class PublicityQuery(Schema):
    model_config = {"extra": "forbid"}

    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="组织（含下级）；省略为主题教育的牵头组织")
    level: PublicityLevel | None = Field(
        None, description="媒体级别：central 中央、province 省级、city 市级、county 县级"
    )
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class PublicityOut(Schema):
    id: int
    org_id: int
    org_name: str
    media: str
    level: str
    level_display: str
    title: str
    published_on: dt.date
    link: str


class PublicityPage(Schema):
    items: list[PublicityOut]
    count: int
    by_level: dict[str, int] = Field(
        description="按媒体级别计数（含 central_province 中央和省级合计、total 合计）"
    )


@router.get("/campaigns/{campaign_id}/publicity", response=PublicityPage, summary="宣传报道列表")
def campaign_publicity(
    request: HttpRequest, campaign_id: PathId, query: Query[PublicityQuery]
) -> dict[str, Any]:
    user = _user(request)
    campaign = selectors.access_campaign(user=user, pk=campaign_id)
    org = selectors.campaign_org(user=user, campaign=campaign, org_id=query.org_id)
    level = query.level.value if query.level else None
    qs = publicity.publicity_list(user=user, campaign=campaign, org=org, level=level)
    return {
        "items": [
            {
                "id": p.pk,
                "org_id": p.org_id,
                "org_name": p.org.name,
                "media": p.media,
                "level": p.level,
                "level_display": p.get_level_display(),
                "title": p.title,
                "published_on": p.published_on,
                "link": p.link,
            }
            for p in qs[query.offset : query.offset + query.limit]
        ],
        "count": qs.count(),
        "by_level": publicity.publicity_counts(user=user, campaign=campaign, org=org),
    }


class CellOut(Schema):
    action_code: str
    action_name: str
    org_id: int
    org_name: str
    deadline: dt.date | None
    status: str = Field(description="met 已完成、not_met 未完成、not_due 未到期")
    explanation: str
    manual: bool = Field(description="模板允许人工确认")
    confirmation_id: int | None
    confirmed_by: str | None
    confirmed_at: dt.datetime | None


class CellPage(Schema):
    items: list[CellOut]
    count: int


def _cell(c: Any) -> dict[str, Any]:
    conf = c.confirmation
    return {
        "action_code": c.action.code,
        "action_name": c.action.name,
        "org_id": c.org.pk,
        "org_name": c.org.name,
        "deadline": c.deadline,
        "status": c.status,
        "explanation": c.explanation,
        "manual": c.action.manual,
        "confirmation_id": conf.pk if conf else None,
        "confirmed_by": str(conf.created_by or "") if conf else None,
        "confirmed_at": conf.created_at if conf else None,
    }


@router.get(
    "/campaigns/{campaign_id}/confirmations",
    response=CellPage,
    summary="由台账计数或人工确认的规定动作（逐个组织）",
)
def campaign_confirmations(
    request: HttpRequest, campaign_id: PathId, query: Query[ProgressQuery]
) -> dict[str, Any]:
    user = _user(request)
    campaign = selectors.access_campaign(user=user, pk=campaign_id)
    org = selectors.campaign_org(user=user, campaign=campaign, org_id=query.org_id)
    on = query.on or timezone.localdate()
    subtree = compliance.sees_subtree(user=user, org=org)
    cells = confirmations.cells_for(user=user, campaign=campaign, org=org, on=on, subtree=subtree)
    return {"items": [_cell(c) for c in cells], "count": len(cells)}


class ConfirmIn(InputSchema):
    action_code: str = Field(min_length=1, max_length=40)
    org_id: int = Field(ge=1, le=MAX_ID)
    done_on: dt.date
    note: str = Field(min_length=1, max_length=1000)


class ConfirmationOut(Schema):
    id: int
    action_code: str
    org_id: int
    done_on: dt.date
    note: str
    confirmed_by: str
    confirmed_at: dt.datetime
    withdrawn_at: dt.datetime | None


class WithdrawIn(InputSchema):
    note: str = Field("", max_length=200, description="撤回原因")


def _confirmation(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "action_code": row.action.code,
        "org_id": row.org_id,
        "done_on": row.done_on,
        "note": row.note,
        "confirmed_by": str(row.created_by or ""),
        "confirmed_at": row.created_at,
        "withdrawn_at": row.withdrawn_at,
    }


@router.post(
    "/campaigns/{campaign_id}/confirmations",
    response={201: ConfirmationOut},
    summary="人工确认规定动作已完成",
)
def campaign_confirm(request: HttpRequest, campaign_id: PathId, payload: ConfirmIn) -> Status:
    user = _user(request)
    campaign = selectors.access_campaign(user=user, pk=campaign_id)
    org = org_selectors.access_org(user=user, pk=payload.org_id, perm=Perm.ACTIVITY_CHANGE)
    if not org.path.startswith(campaign.root.path):
        raise policy.not_found()
    action = campaign.actions.filter(code=payload.action_code).first()
    if action is None:
        raise ValidationError({"action_code": f"该主题教育没有编码为 {payload.action_code} 的规定动作"})
    row = confirmations.confirmation_create(
        action=action, org=org, actor=user, done_on=payload.done_on, note=payload.note
    )
    return Status(201, _confirmation(row))


@router.post(
    "/campaigns/confirmations/{confirmation_id}/withdraw", response=ConfirmationOut, summary="撤回人工确认"
)
def campaign_confirmation_withdraw(
    request: HttpRequest, confirmation_id: PathId, payload: WithdrawIn
) -> dict[str, Any]:
    user = _user(request)
    row = confirmations.access_confirmation(user=user, pk=confirmation_id)
    return _confirmation(confirmations.confirmation_withdraw(confirmation=row, actor=user, note=payload.note))
