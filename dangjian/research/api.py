"""/research/topics: 调研选题 with their visits, report and conversion list (read), and
registering topics and visits (write). Same rules as the pages: 404 outside the scope, 403 for
a visible topic the user may not change."""

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
from .filtersets import TopicFilterSet
from .models import ResearchTopic, TopicStatus, VisitMethod

router = Router(tags=["调查研究"])
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class TopicFilters(Schema):
    status: TopicStatus | None = None
    q: str | None = Field(None, max_length=100)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class TopicOut(Schema):
    id: int
    org_id: int
    org_name: str
    title: str
    lead_leader: str
    team: str
    campaign: str
    parent_topic_id: int | None
    report_due: dt.date | None
    status: str
    status_display: str


class VisitOut(Schema):
    visited_on: dt.date
    place: str
    method: str
    people_met: str
    findings: str


class ConversionOut(Schema):
    kind: str
    text: str
    problem_id: int | None
    measure_id: int | None


class TopicDetailOut(TopicOut):
    visits: list[VisitOut]
    report_summary: str | None
    conversions: list[ConversionOut]


class TopicPage(Schema):
    items: list[TopicOut]
    count: int


class TopicIn(InputSchema):
    org_id: int = Field(ge=1, le=MAX_ID)
    title: str = Field(min_length=1, max_length=200, description="课题")
    lead_leader: str = Field(min_length=1, max_length=50, description="牵头领导")
    team: str = Field("", max_length=300)
    campaign: str = Field("", max_length=100)
    parent_topic_id: int | None = Field(None, ge=1, le=MAX_ID, description="回答的上级课题")
    planned_visits: str = Field("", max_length=2000)
    report_due: dt.date | None = None


class VisitIn(InputSchema):
    visited_on: dt.date
    place: str = Field(min_length=1, max_length=200)
    method: VisitMethod
    people_met: str = Field("", max_length=300)
    findings: str = Field(min_length=1, max_length=3000)


def _topic(t: ResearchTopic) -> dict[str, Any]:
    return {
        "id": t.pk,
        "org_id": t.org_id,
        "org_name": t.org.name,
        "title": t.title,
        "lead_leader": t.lead_leader,
        "team": t.team,
        "campaign": t.campaign,
        "parent_topic_id": t.parent_topic_id,
        "report_due": t.report_due,
        "status": t.status,
        "status_display": t.get_status_display(),
    }


def _detail(t: ResearchTopic) -> dict[str, Any]:
    d = selectors.topic_detail(topic=t)
    return {
        **_topic(t),
        "visits": [
            {
                "visited_on": v.visited_on,
                "place": v.place,
                "method": v.method,
                "people_met": v.people_met,
                "findings": v.findings,
            }
            for v in d["visits"]
        ],
        "report_summary": d["report"].summary if d["report"] else None,
        "conversions": [
            {"kind": c.kind, "text": c.text, "problem_id": c.problem_id, "measure_id": c.measure_id}
            for c in d["conversions"]
        ],
    }


def _need(user: Any, perm: str) -> None:
    if not policy.has_perm(user, perm):
        raise PermissionDenied("您无权执行该操作")


@router.get("/research/topics", response=TopicPage, summary="调研课题列表")
def topic_list(request: HttpRequest, filters: Query[TopicFilters]) -> dict[str, Any]:
    user = user_of(request)
    _need(user, Perm.RESEARCH_VIEW)
    data = {
        k: getattr(v, "value", v)
        for k, v in filters.dict(exclude={"limit", "offset"}).items()
        if v is not None
    }
    filterset = TopicFilterSet(data, user=user)
    if not filterset.is_valid():
        raise query_error(filterset.form.errors)
    qs = filterset.qs
    rows = qs[filters.offset : filters.offset + filters.limit]
    return {"items": [_topic(t) for t in rows], "count": qs.count()}


@router.get("/research/topics/{topic_id}", response=TopicDetailOut, summary="调研课题详情")
def topic_detail(request: HttpRequest, topic_id: PathId) -> dict[str, Any]:
    return _detail(selectors.access_topic(user=user_of(request), pk=topic_id))


@router.post("/research/topics", response={201: TopicDetailOut}, summary="登记调研课题")
def topic_create(request: HttpRequest, payload: TopicIn) -> Status:
    user = user_of(request)
    _need(user, Perm.RESEARCH_CHANGE)
    org = selectors.org_for_change(user=user, pk=payload.org_id)
    parent = (
        selectors.parent_topic_for(org=org, pk=payload.parent_topic_id) if payload.parent_topic_id else None
    )
    data = payload.dict(exclude={"org_id", "parent_topic_id"})
    topic = services.topic_create(org=org, actor=user, parent_topic=parent, **data)
    return Status(201, _detail(selectors.access_topic(user=user, pk=topic.pk)))


@router.post("/research/topics/{topic_id}/visits", response={201: TopicDetailOut}, summary="记录调研走访")
def visit_add(request: HttpRequest, topic_id: PathId, payload: VisitIn) -> Status:
    user = user_of(request)
    topic = selectors.access_topic(user=user, pk=topic_id)
    if not selectors.can_change_topic(user, topic):
        raise PermissionDenied("您无权为该课题记录走访")
    services.visit_add(topic=topic, actor=user, **{**payload.dict(), "method": payload.method.value})
    return Status(201, _detail(selectors.access_topic(user=user, pk=topic.pk)))
