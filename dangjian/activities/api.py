"""/activities: activity records with attendance. Thin handlers over the selectors and services.

Reads follow the pages' scope (a 党员 sees the records they were expected at, and only their own
attendance row). Writing needs ``activity.change`` on the record's org: a visible record the user
may not change answers 403, anything outside the scope 404. Errors are JSON with a Chinese
``detail`` (the global handlers of ``dangjian.core.api.build_api``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Status
from pydantic import field_validator, model_validator

from dangjian.core import bounds
from dangjian.core.api import Schema
from dangjian.core.paging import BadCursor
from dangjian.core.permissions import Perm

from . import selectors, services
from .filtersets import ActivityFilterSet
from .models import Activity, ActivityKind, AttendanceStatus

router = Router(tags=["组织生活"])

MAX_ID = bounds.MAX_ID
MAX_LIMIT = 500
# The list's count stops here, as the page's does: no COUNT(*) over a whole prefecture per
# request. Counting to 10,000 walked that many index entries (about 5 ms for a county, most of
# the request); past the cap the client pages by cursor.
COUNT_CAP = selectors.LIST_COUNT_CAP
OFFSET_MAX = 10_000  # deeper than this, the rows are reached by cursor
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
MSG_NO_CHANGE = "您无权修改该组织的组织生活记录"
MSG_NO_RECORD = "您无权记录组织生活"
MSG_ORG = "未找到该组织，或您无权为其记录组织生活"


# ---------------------------------------------------------------- schemas


class InputSchema(Schema):
    """Request bodies: unknown fields are rejected and no string may carry a NUL character."""

    model_config = {"extra": "forbid"}

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError(f"{key} 含有不允许的控制字符")
        return data


class OutputSchema(Schema):
    """Response bodies. The handlers return dicts of plain values, which the core ``Schema``
    validates in pydantic's core (no per-field getter)."""


class ActivityFilters(Schema):
    """Query parameters of GET /activities (the ActivityFilterSet's fields)."""

    org: int | None = Field(None, ge=1, le=MAX_ID, description="组织 id（含下级）")
    kind: list[ActivityKind] | None = Field(None, description="类型，可重复给出（任一类型即符合）")
    period: str | None = Field(None, max_length=10, description="期间：2026、2026Q3、2026H1 或 2026-05")
    date_from: dt.date | None = Field(None, description="起始日期（含）")
    date_to: dt.date | None = Field(None, description="截止日期（含）")
    q: str | None = Field(None, max_length=100, description="议题包含")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，1—{MAX_LIMIT}")
    offset: int = Field(
        0, ge=0, le=OFFSET_MAX, description=f"跳过的条数（至多 {OFFSET_MAX}；更后面的记录用 cursor 翻页）"
    )
    cursor: str | None = Field(
        None, max_length=80, description="上一页响应中的 next_cursor；给出时忽略 offset"
    )


class AttendanceIn(InputSchema):
    member_id: int = Field(ge=1, le=MAX_ID, description="党员 id")
    status: AttendanceStatus = Field(
        description="present 出席 / leave 请假 / absent 缺席 / elsewhere 异地参加"
    )
    reason: str = Field("", max_length=200, description="原因（请假、缺席必填）")


class AttendanceOut(OutputSchema):
    member_id: int
    member_name: str
    status: str
    status_display: str
    reason: str


class ActivityOut(OutputSchema):
    id: int
    org_id: int
    org_name: str
    kinds: list[str] = Field(description="类型代码")
    kinds_display: list[str]
    topic: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    held_on: dt.date
    place: str
    expected_count: int = Field(description="应到（考勤行数）")
    present_count: int = Field(description="实到（出席 + 异地参加）")


class ActivityDetailOut(ActivityOut):
    host_id: int | None
    recorder_id: int | None
    lecturer_id: int | None
    lecturer_name: str
    content: str
    resolutions: str
    observers: str
    attendance: list[AttendanceOut]


class ActivityPage(OutputSchema):
    items: list[ActivityOut]
    count: int = Field(description=f"符合条件的条数，至多数到 {COUNT_CAP}")
    count_capped: bool = Field(description=f"为 true 时实际条数多于 {COUNT_CAP}")
    next_cursor: str | None = Field(description="下一页的 cursor；没有下一页时为 null")


def _record_moment(label: str) -> Any:
    """A pydantic validator: the datetime within core.bounds (422 naming the field otherwise)."""

    def check(value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and (error := bounds.record_date_error(value, label)):
            raise ValueError(error)
        return value

    return check


class _Moments(InputSchema):
    @field_validator("starts_at", check_fields=False)
    @classmethod
    def _starts(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _record_moment("开始时间")(value)

    @field_validator("ends_at", check_fields=False)
    @classmethod
    def _ends(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _record_moment("结束时间")(value)


class ActivityCreateIn(_Moments):
    org_id: int = Field(ge=1, le=MAX_ID, description="组织 id（党小组会填党小组的 id）")
    kinds: list[ActivityKind] = Field(description="类型，可多个")
    topic: str = Field(max_length=200, description="议题/主题")
    starts_at: dt.datetime = Field(description="开始时间（不能晚于当前时间）；不带时区按北京时间")
    ends_at: dt.datetime | None = Field(None, description="结束时间")
    place: str = Field("", max_length=200)
    host_id: int | None = Field(None, ge=1, le=MAX_ID, description="主持人（党员 id）")
    recorder_id: int | None = Field(None, ge=1, le=MAX_ID, description="记录人（党员 id）")
    lecturer_id: int | None = Field(None, ge=1, le=MAX_ID, description="授课人（党员 id）")
    lecturer_name: str = Field("", max_length=50, description="外请授课人姓名")
    content: str = Field("", max_length=20000, description="内容/纪要")
    resolutions: str = Field("", max_length=5000, description="决议事项")
    observers: str = Field("", max_length=200, description="列席人员")
    attendance: list[AttendanceIn] = Field(default_factory=list, description="考勤；不填则不记录考勤")


class ActivityPatchIn(_Moments):
    org_id: int | None = Field(None, ge=1, le=MAX_ID)
    kinds: list[ActivityKind] | None = None
    topic: str | None = Field(None, max_length=200)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = Field(None, max_length=200)
    host_id: int | None = Field(None, ge=1, le=MAX_ID)
    recorder_id: int | None = Field(None, ge=1, le=MAX_ID)
    lecturer_id: int | None = Field(None, ge=1, le=MAX_ID)
    lecturer_name: str | None = Field(None, max_length=50)
    content: str | None = Field(None, max_length=20000)
    resolutions: str | None = Field(None, max_length=5000)
    observers: str | None = Field(None, max_length=200)
    attendance: list[AttendanceIn] | None = Field(None, description="给出时整体替换考勤")


# ---------------------------------------------------------------- helpers


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by the API's auth


def _query_error(filterset: ActivityFilterSet) -> Exception:
    from ninja.errors import ValidationError

    return ValidationError(
        [
            {"loc": ["query", field], "msg": str(msg), "type": "value_error", "ctx": {"error": str(msg)}}
            for field, msgs in filterset.form.errors.items()
            for msg in msgs
        ]
    )


def _activity_dict(a: Activity, kinds: list[str]) -> dict[str, Any]:
    return {
        "id": a.pk,
        "org_id": a.org_id,
        "org_name": a.org.name,
        "kinds": kinds,
        "kinds_display": [ActivityKind(k).label for k in kinds],
        "topic": a.topic,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "held_on": a.held_on,
        "place": a.place,
        "expected_count": a.expected_count,
        "present_count": a.present_count,
    }


def _activity_row(a: dict[str, Any], kinds: list[str]) -> dict[str, Any]:
    """``_activity_dict`` of a list row (a dict of ``selectors.LIST_FIELDS``)."""
    return {
        "id": a["pk"],
        "org_id": a["org_id"],
        "org_name": a["org__name"],
        "kinds": kinds,
        "kinds_display": [ActivityKind(k).label for k in kinds],
        "topic": a["topic"],
        "starts_at": a["starts_at"],
        "ends_at": a["ends_at"],
        "held_on": a["held_on"],
        "place": a["place"],
        "expected_count": a["expected_count"],
        "present_count": a["present_count"],
    }


def _detail(user: Any, activity: Activity) -> dict[str, Any]:
    rows = selectors.activity_attendance(user=user, activity=activity)
    return {
        **_activity_dict(activity, selectors.activity_kinds(activity=activity)),
        "host_id": activity.host_id,
        "recorder_id": activity.recorder_id,
        "lecturer_id": activity.lecturer_id,
        "lecturer_name": activity.lecturer_name,
        "content": activity.content,
        "resolutions": activity.resolutions,
        "observers": activity.observers,
        "attendance": [
            {
                "member_id": r.member_id,
                "member_name": r.member.name,
                "status": r.status,
                "status_display": r.get_status_display(),
                "reason": r.reason,
            }
            for r in rows
        ],
    }


def _people(payload: Schema, fields: set[str]) -> dict[str, Any]:
    """host_id / recorder_id / lecturer_id → members (422 naming the field when unknown, in the
    same words as for someone of another org)."""
    out: dict[str, Any] = {}
    for name in ("host", "recorder", "lecturer"):
        key = f"{name}_id"
        if key not in fields:
            continue
        pk = getattr(payload, key)
        if pk is None:
            out[name] = None
            continue
        member = selectors.member_by_pk(pk=pk)
        if member is None:
            raise DjangoValidationError({key: services.person_error(name, org=None)})
        out[name] = member
    return out


def _org_for_recording(user: Any, pk: int) -> Any:
    try:
        return selectors.org_for_recording(user=user, pk=pk)
    except Http404:
        raise Http404(MSG_ORG) from None


def _access_for_change(user: Any, pk: int) -> Activity:
    activity = selectors.access_activity(user=user, pk=pk)
    if not selectors.sees_whole(user, Perm.ACTIVITY_CHANGE, activity.org_path):
        raise PermissionDenied(MSG_NO_CHANGE)
    return activity


TEXT_FIELDS = (
    "topic",
    "starts_at",
    "ends_at",
    "place",
    "lecturer_name",
    "content",
    "resolutions",
    "observers",
)


# ---------------------------------------------------------------- endpoints


@router.get("/activities", response=ActivityPage, summary="组织生活记录列表")
def activity_list(request: HttpRequest, filters: Query[ActivityFilters]) -> dict[str, Any]:
    user = _user(request)
    data = {k: v for k, v in filters.dict(exclude={"limit", "offset"}).items() if v is not None}
    if "kind" in data:
        data["kind"] = [k.value for k in data["kind"]]
    filterset = ActivityFilterSet(data, user=user)
    if not filterset.is_valid():
        raise _query_error(filterset)
    try:
        page = selectors.activity_page(
            user=user,
            filters=filterset.filters_dict(),
            cursor=filters.cursor,
            size=filters.limit,
            count_cap=COUNT_CAP,
            offset=0 if filters.cursor else filters.offset,
        )
    except BadCursor as exc:
        from ninja.errors import ValidationError

        raise ValidationError(
            [{"loc": ["query", "cursor"], "msg": str(exc), "type": "value_error", "ctx": {"error": str(exc)}}]
        ) from None
    kinds = selectors.kind_codes_by_activity(activity_ids=[a["pk"] for a in page.object_list])
    return {
        "items": [_activity_row(a, kinds.get(a["pk"], [])) for a in page.object_list],
        "count": page.count,
        "count_capped": page.count_capped,
        "next_cursor": page.next_cursor,
    }


@router.get("/activities/{activity_id}", response=ActivityDetailOut, summary="组织生活记录详情（含考勤）")
def activity_detail(request: HttpRequest, activity_id: PathId) -> dict[str, Any]:
    user = _user(request)
    return _detail(user, selectors.access_activity(user=user, pk=activity_id))


@router.post("/activities", response={201: ActivityDetailOut}, summary="记录组织生活（含考勤）")
def activity_create(request: HttpRequest, payload: ActivityCreateIn) -> Status:
    user = _user(request)
    if not selectors.can_record(user):
        raise PermissionDenied(MSG_NO_RECORD)
    org = _org_for_recording(user, payload.org_id)
    data = {k: getattr(payload, k) for k in TEXT_FIELDS}
    data.update(_people(payload, {"host_id", "recorder_id", "lecturer_id"}))
    activity = services.activity_create(
        org=org,
        kinds=[k.value for k in payload.kinds],
        actor=user,
        attendance=[a.dict() | {"status": a.status.value} for a in payload.attendance],
        **data,
    )
    return Status(201, _detail(user, selectors.access_activity(user=user, pk=activity.pk)))


@router.patch("/activities/{activity_id}", response=ActivityDetailOut, summary="修改组织生活记录")
def activity_update(request: HttpRequest, activity_id: PathId, payload: ActivityPatchIn) -> dict[str, Any]:
    user = _user(request)
    activity = _access_for_change(user, activity_id)
    given = payload.model_fields_set
    for key in given & {"org_id", "kinds", "topic", "starts_at"}:
        if getattr(payload, key) is None:
            raise DjangoValidationError({key: f"{key} 不能为 null"})
    kwargs: dict[str, Any] = {k: getattr(payload, k) for k in TEXT_FIELDS if k in given}
    kwargs.update(_people(payload, given))
    if "org_id" in given:
        kwargs["org"] = _org_for_recording(user, payload.org_id)
    if "kinds" in given:
        kwargs["kinds"] = [k.value for k in payload.kinds or []]
    if "attendance" in given and payload.attendance is not None:
        kwargs["attendance"] = [a.dict() | {"status": a.status.value} for a in payload.attendance]
    services.activity_update(activity=activity, actor=user, **kwargs)
    return _detail(user, selectors.access_activity(user=user, pk=activity.pk))


@router.delete(
    "/activities/{activity_id}", response={204: None}, summary="删除组织生活记录（软删除，须写原因）"
)
def activity_delete(
    request: HttpRequest,
    activity_id: PathId,
    reason: Annotated[str, Query(min_length=1, max_length=200, description="删除原因")],
) -> Status:
    user = _user(request)
    activity = _access_for_change(user, activity_id)
    services.activity_delete(activity=activity, actor=user, reason=reason)
    return Status(204, None)
