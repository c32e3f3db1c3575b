"""Schemas of the /orgs and /members API, plus the list conventions every router follows.

``PageParams`` (``limit``/``offset``) and ``paginate`` give the ``{"items": [...], "count": N}``
shape; other apps' routers may import them from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field
from pydantic import field_validator, model_validator

from dangjian.core import bounds
from dangjian.core.api import Schema

from .choices import (
    Education,
    Ethnicity,
    Gender,
    MemberStatus,
    Occupation,
    OccupationGroup,
    OrgKind,
    Sector,
    Standing,
)

# Ids beyond a signed 64-bit integer cannot exist and would overflow the database driver.
MAX_ID = bounds.MAX_ID
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 2**31 - 1

# Dates accepted in request bodies. Anything outside is a typing slip, and far-future years would
# overflow date arithmetic in the checks (18th birthday, term due …).
MIN_DATE = bounds.EARLIEST_BIRTH
MAX_DATE = dt.date(2100, 12, 31)
ApiDate = Annotated[dt.date, Field(ge=MIN_DATE, le=MAX_DATE)]
# Dates of Party records (入党, 转正, 转接 …): not before the Party's founding (core.bounds).
RecordDate = Annotated[dt.date, Field(ge=bounds.PARTY_FOUNDED, le=MAX_DATE)]


# ---------------------------------------------------------------- lists


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1—{MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数，≥ 0")


def paginate(queryset: QuerySet, page: PageParams) -> tuple[list[Any], int]:
    """(the rows of one page, the total count) of an ordered queryset."""
    count = queryset.count()
    rows = list(queryset[page.offset : page.offset + page.limit]) if page.offset < count else []
    return rows, count


class OutRow(Schema):
    """A row of a list response, built as a dict of plain values by the handler: the core
    ``Schema`` validates it in pydantic's core, without ninja's per-field getter."""


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


# ---------------------------------------------------------------- orgs


class OrgFilters(Schema):
    """Query parameters of GET /orgs (the OrgFilterSet's fields)."""

    subtree: int | None = Field(None, ge=1, le=MAX_ID, description="只列该组织及其下级（组织 id）")
    q: str | None = Field(None, max_length=100, description="组织名称或所在单位包含")
    kind: OrgKind | None = Field(None, description="组织类别")
    sector: Sector | None = Field(None, description="单位类别")


class OrgOut(Schema):
    id: int
    name: str = Field(description="组织名称")
    kind: str = Field(description="组织类别代码")
    kind_display: str = Field(description="组织类别")
    parent_id: int | None = Field(description="上级组织 id；上级不在您的范围内时为 null")
    depth: int = Field(description="层级，市委为 1")
    unit_name: str = Field(description="所在单位")
    sector: str = Field(description="单位类别代码，可为空")
    sector_display: str = Field(description="单位类别")
    leadership_team: bool = Field(description="县处级以上领导班子")
    code: str = Field(description="组织代码")
    founded_on: dt.date | None = Field(description="成立日期")
    term_start: dt.date | None = Field(description="本届任期开始（实际换届时间）")
    term_years: int | None = Field(description="任期（年）")
    term_due: dt.date | None = Field(description="应换届时间")
    term_overdue: bool = Field(description="已超过应换届时间")
    full_count: int = Field(description="本组织正式党员数（不含下级）")
    probationary_count: int = Field(description="本组织预备党员数（不含下级）")


class CommitteePositionOut(Schema):
    title: str
    title_display: str
    member_id: int
    member_name: str
    started_on: dt.date


class SubtreeTotalsOut(Schema):
    full: int = Field(description="含下级的正式党员数")
    probationary: int = Field(description="含下级的预备党员数")
    total: int


class OrgDetailOut(OrgOut):
    committee: list[CommitteePositionOut] = Field(description="现任书记和委员")
    subtree_totals: SubtreeTotalsOut


class OrgPage(Schema):
    items: list[OrgOut]
    count: int


# ---------------------------------------------------------------- members


class MemberFilters(Schema):
    """Query parameters of GET /members (the MemberFilterSet's fields)."""

    q: str | None = Field(None, max_length=50, description="姓名包含，或拼音首字母/全拼前缀（如 zsf）")
    org: int | None = Field(None, ge=1, le=MAX_ID, description="组织 id（含下级）")
    status: MemberStatus | None = Field(None, description="人员类别")
    occupation_group: OccupationGroup | None = Field(
        None,
        description="工作岗位类别（代码表第一级：0 在岗职工、1 农牧渔民、2 解放军、武警、3 学生、5 离退休人员、6 其他人员）",
    )
    occupation: Occupation | None = Field(None, description="工作岗位代码（如 0212）")
    gender: Gender | None = None
    education: Education | None = Field(None, description="学历代码（如 22、1A、6）")
    standing: Standing | None = Field(None, description="党籍状态")
    mobility: str | None = Field(
        None, pattern="^(out|in|none)$", description="out 流出 / in 流入 / none 非流动"
    )
    leading_cadre: bool | None = Field(None, description="县处级以上领导干部")
    lost_contact: bool | None = Field(None, description="失联党员")


class MemberOut(OutRow):
    id: int
    name: str
    gender: str
    gender_display: str
    ethnicity: str
    ethnicity_display: str
    birth_date: dt.date | None = Field(
        description="出生日期；无权查看完整身份证号时为 null（只给 birth_year）"
    )
    birth_year: int = Field(description="出生年份")
    org_id: int
    org_name: str
    party_group_id: int | None
    id_number: str = Field(
        description="身份证号；默认打码（只留前 2 位，如 22****************），?full=true 且有权限时为完整号码"
    )
    phone: str = Field(description="手机号；默认打码")
    education: str
    education_display: str
    status: str
    status_display: str
    joined_on: dt.date
    full_member_on: dt.date | None
    probation_extension_months: int | None = Field(description="延长预备期（月）；未延长为 null")
    occupation: str
    occupation_display: str
    standing: str
    standing_display: str
    lost_contact: bool
    lost_contact_on: dt.date | None
    leading_cadre: bool
    mobility: str | None = Field(description="进行中的流动登记：out 流出 / in 流入 / null 无")


class PositionOut(Schema):
    id: int
    org_id: int
    org_name: str
    title: str
    title_display: str
    started_on: dt.date
    ended_on: dt.date | None


class TransferOut(Schema):
    id: int
    member_id: int
    from_org_id: int
    from_org_name: str
    to_org_id: int
    to_org_name: str
    on: dt.date
    reason: str


class MemberDetailOut(MemberOut):
    landline: str
    address: str
    note: str
    pii_full: bool = Field(description="id_number 和 phone 是否为完整值")
    positions: list[PositionOut]
    transfers: list[TransferOut]


class MemberPage(Schema):
    items: list[MemberOut]
    count: int


class MemberCreateIn(InputSchema):
    org_id: int = Field(ge=1, le=MAX_ID, description="组织关系所在党组织 id")
    name: str = Field(min_length=1, max_length=50, description="姓名")
    id_number: str = Field(min_length=1, max_length=30, description="18 位身份证号（校验 GB 11643 校验位）")
    gender: Gender | None = Field(None, description="性别；不填则取自身份证号")
    ethnicity: Ethnicity = Field("01", description="民族代码（GB 3304），汉族为 01")  # type: ignore[assignment]
    birth_date: ApiDate | None = Field(None, description="出生日期；不填则取自身份证号")
    phone: str = Field("", max_length=20, description="手机号")
    landline: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    education: Education | None = None
    status: MemberStatus = Field(description="人员类别")
    joined_on: RecordDate = Field(description="加入党组织日期")
    full_member_on: RecordDate | None = Field(
        None, description="转为正式党员日期（正式党员必填）：预备期满之日，即入党满 1 年（加延长预备期）"
    )
    probation_extension_months: int | None = Field(None, description="延长预备期（月），6 至 12；未延长不填")
    occupation: Occupation | None = None
    standing: Standing = Standing.NORMAL
    lost_contact: bool = False
    lost_contact_on: RecordDate | None = None
    leading_cadre: bool = False
    note: str = Field("", max_length=200)
    party_group_id: int | None = Field(None, ge=1, le=MAX_ID, description="党小组 id（所在党组织下的党小组）")

    @field_validator("name", "id_number", "phone", "landline", "address", "note")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class MemberPatchIn(InputSchema):
    """Only the fields sent are changed. The 组织关系 moves with POST /members/{id}/transfer."""

    name: str = Field(None, min_length=1, max_length=50)  # type: ignore[assignment]
    id_number: str = Field(None, min_length=1, max_length=30)  # type: ignore[assignment]
    gender: Gender = None  # type: ignore[assignment]
    ethnicity: Ethnicity = None  # type: ignore[assignment,valid-type]
    birth_date: ApiDate = None  # type: ignore[assignment]
    phone: str = Field(None, max_length=20)  # type: ignore[assignment]
    landline: str = Field(None, max_length=30)  # type: ignore[assignment]
    address: str = Field(None, max_length=200)  # type: ignore[assignment]
    education: Education | None = None
    status: MemberStatus = None  # type: ignore[assignment]
    joined_on: RecordDate = None  # type: ignore[assignment]
    full_member_on: RecordDate | None = None
    probation_extension_months: int | None = None
    occupation: Occupation | None = None
    standing: Standing = None  # type: ignore[assignment]
    lost_contact: bool = None  # type: ignore[assignment]
    lost_contact_on: RecordDate | None = None
    leading_cadre: bool = None  # type: ignore[assignment]
    note: str = Field(None, max_length=200)  # type: ignore[assignment]
    party_group_id: int | None = Field(None, ge=1, le=MAX_ID)

    @field_validator("name", "id_number", "phone", "landline", "address", "note")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class TransferIn(InputSchema):
    to_org_id: int = Field(ge=1, le=MAX_ID, description="转入党组织 id")
    on: RecordDate = Field(description="转接日期")
    reason: str = Field(min_length=1, max_length=200, description="转接原因")
