"""/orgs and /members: thin handlers over the scoped selectors and the services.

Reads go through ``selectors`` (and the FilterSets, which use them); writes through ``services``.
Authorisation follows the pages: an object outside the user's scope is 404, a visible object the
user may not change is 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Status

from dangjian.core import pii, policy
from dangjian.core.permissions import Perm

from . import selectors, services
from .filtersets import MemberFilterSet, OrgFilterSet
from .models import Member, Org
from .schemas import (
    MAX_ID,
    MemberCreateIn,
    MemberDetailOut,
    MemberFilters,
    MemberPage,
    MemberPatchIn,
    OrgDetailOut,
    OrgFilters,
    OrgPage,
    PageParams,
    TransferIn,
    TransferOut,
    paginate,
)

router = Router()

# Path ids: positive and within the database's integer range (anything else answers 422).
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

MSG_NO_CHANGE = "您无权维护该组织的党员"
MSG_NO_TRANSFER = "您无权办理该组织的组织关系转接"
MSG_NO_PII = "您无权查看该党员的完整身份证号和手机号"
MSG_TARGET_ORG = "未找到转入组织，或您无权访问"
MSG_ORG = "未找到该组织，或您无权访问"


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by the API's auth


def _filter_errors(filterset: Any) -> DjangoValidationError:
    return DjangoValidationError(
        {name: [str(e) for e in errors] for name, errors in filterset.form.errors.items()}
    )


def _query_error(errors: DjangoValidationError) -> Exception:
    """FilterSet errors are about query parameters, not the body."""
    from ninja.errors import ValidationError

    return ValidationError(
        [
            {"loc": ["query", field], "msg": msg, "type": "value_error", "ctx": {"error": msg}}
            for field, msgs in errors.message_dict.items()
            for msg in msgs
        ]
    )


# ---------------------------------------------------------------- serialisation


def _org_rows(user: Any, orgs: list[Org]) -> list[dict[str, Any]]:
    """Org dicts for a page of orgs; parent ids come from one scoped query."""
    parent_paths = {o.path[: -Org.steplen] for o in orgs if o.depth > 1}
    parents = dict(
        selectors.org_visible(user=user).filter(path__in=parent_paths).values_list("path", "pk")
        if parent_paths
        else []
    )
    return [_org_dict(o, parents.get(o.path[: -Org.steplen])) for o in orgs]


def _org_dict(org: Org, parent_id: int | None) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "kind_display": org.get_kind_display(),
        "parent_id": parent_id,
        "depth": org.depth,
        "unit_name": org.unit_name,
        "sector": org.sector,
        "sector_display": org.get_sector_display() if org.sector else "",
        "leadership_team": org.leadership_team,
        "code": org.code,
        "founded_on": org.founded_on,
        "term_start": org.term_start,
        "term_years": org.term_years,
        "term_due": org.term_due,
        "term_overdue": org.term_overdue(services.today()),
        "full_count": org.full_count,
        "probationary_count": org.probationary_count,
    }


# Labels of the member's coded fields, read once: ``get_FOO_display`` flattens and hashes the
# whole code list (民族, 学历, 工作岗位 are national tables) on every call.
_MEMBER_LABELS = {
    name: dict(Member._meta.get_field(name).flatchoices)  # type: ignore[union-attr]  # concrete fields
    for name in ("gender", "ethnicity", "education", "status", "occupation", "standing")
}


def _label(field: str, value: str) -> str:
    return str(_MEMBER_LABELS[field].get(value, value)) if value else ""


# What ``_member_dict`` reads, as ``values()`` (the list loads no more: no model instances, and
# the encrypted columns and notes stay behind).
MEMBER_LIST_FIELDS = (
    "pk",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "org_id",
    "org_path",
    "org__name",
    "party_group_id",
    "id_number_masked",
    "phone_masked",
    "education",
    "status",
    "joined_on",
    "full_member_on",
    "probation_extension_months",
    "occupation",
    "standing",
    "lost_contact",
    "lost_contact_on",
    "leading_cadre",
)


def _member_dict(member: dict[str, Any], mobility: str | None, *, personal: bool) -> dict[str, Any]:
    """``member``: the member's MEMBER_LIST_FIELDS. ``personal``: the viewer may see this member's
    full personal data; otherwise the birth date is left out (the year stays) like the masked
    numbers."""
    return {
        "id": member["pk"],
        "name": member["name"],
        "gender": member["gender"],
        "gender_display": _label("gender", member["gender"]),
        "ethnicity": member["ethnicity"],
        "ethnicity_display": _label("ethnicity", member["ethnicity"]),
        "birth_date": member["birth_date"] if personal else None,
        "birth_year": member["birth_date"].year,
        "org_id": member["org_id"],
        "org_name": member["org__name"],
        "party_group_id": member["party_group_id"],
        "id_number": member["id_number_masked"],
        "phone": member["phone_masked"],
        "education": member["education"],
        "education_display": _label("education", member["education"]),
        "status": member["status"],
        "status_display": _label("status", member["status"]),
        "joined_on": member["joined_on"],
        "full_member_on": member["full_member_on"],
        "probation_extension_months": member["probation_extension_months"],
        "occupation": member["occupation"],
        "occupation_display": _label("occupation", member["occupation"]),
        "standing": member["standing"],
        "standing_display": _label("standing", member["standing"]),
        "lost_contact": member["lost_contact"],
        "lost_contact_on": member["lost_contact_on"],
        "leading_cadre": member["leading_cadre"],
        "mobility": mobility,
    }


def _member_values(member: Member) -> dict[str, Any]:
    """A fetched member as the list's values (for ``_member_dict``)."""
    values = {f: getattr(member, f) for f in MEMBER_LIST_FIELDS if f != "org__name"}
    return {**values, "org__name": member.org.name}


def _transfer_dict(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk,
        "member_id": t.member_id,
        "from_org_id": t.from_org_id,
        "from_org_name": t.from_org.name,
        "to_org_id": t.to_org_id,
        "to_org_name": t.to_org.name,
        "on": t.on,
        "reason": t.reason,
    }


def _member_detail(user: Any, member: Member, *, full: bool = False) -> dict[str, Any]:
    mobility = selectors.open_mobility_by_member(member_ids=[member.pk]).get(member.pk)
    personal = selectors.member_can_view_pii(user=user, member=member)
    data = _member_dict(_member_values(member), mobility.direction if mobility else None, personal=personal)
    data.update(
        landline=member.landline if personal else pii.mask_landline(member.landline),
        address=member.address if personal else pii.mask_address(member.address),
        note=member.note,
        pii_full=False,
        positions=[
            {
                "id": p.pk,
                "org_id": p.org_id,
                "org_name": p.org.name,
                "title": p.title,
                "title_display": p.get_title_display(),
                "started_on": p.started_on,
                "ended_on": p.ended_on,
            }
            for p in selectors.member_positions(member=member)
        ],
        transfers=[_transfer_dict(t) for t in selectors.member_transfers(member=member)],
    )
    if full:
        data.update(selectors.member_pii(user=user, member=member, purpose="api"), pii_full=True)
    return data


# ---------------------------------------------------------------- authorisation helpers


def _require(user: Any, perm: str, path: str, message: str) -> None:
    if not policy.has_perm_for_path(user, perm, path):
        raise PermissionDenied(message)


def _visible_org(user: Any, pk: int, message: str = MSG_ORG) -> Org:
    try:
        return selectors.access_org(user=user, pk=pk)
    except Http404:
        raise Http404(message) from None


def _party_group(user: Any, pk: int | None) -> Org | None:
    if pk is None:
        return None
    try:
        return selectors.access_org(user=user, pk=pk)
    except Http404:
        raise DjangoValidationError({"party_group_id": "未找到该党小组，或您无权访问"}) from None


def _member_data(payload: dict[str, Any]) -> dict[str, Any]:
    """API field values → the keyword arguments of the member services."""
    data = {k: (v.value if hasattr(v, "value") else v) for k, v in payload.items()}
    for key in ("education", "occupation"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


# ---------------------------------------------------------------- orgs


@router.get("/orgs", response=OrgPage, tags=["组织"], summary="组织列表")
def org_list(request: HttpRequest, filters: Query[OrgFilters], page: Query[PageParams]) -> dict[str, Any]:
    """范围内的组织，按树的顺序。`subtree` 只列该组织及其下级。"""
    user = _user(request)
    filterset = OrgFilterSet(filters.dict(exclude_none=True), user=user)
    if not filterset.is_valid():
        raise _query_error(_filter_errors(filterset))
    rows, count = paginate(filterset.qs, page)
    return {"items": _org_rows(user, rows), "count": count}


@router.get("/orgs/{org_id}", response=OrgDetailOut, tags=["组织"], summary="组织详情")
def org_detail(request: HttpRequest, org_id: PathId) -> dict[str, Any]:
    user = _user(request)
    org = _visible_org(user, org_id)
    data = _org_rows(user, [org])[0]
    data["committee"] = [
        {
            "title": p.title,
            "title_display": p.get_title_display(),
            "member_id": p.member_id,
            "member_name": p.member.name,
            "started_on": p.started_on,
        }
        for p in selectors.org_committee(org=org)
    ]
    data["subtree_totals"] = selectors.org_subtree_totals(org=org)
    return data


@router.get("/orgs/{org_id}/children", response=OrgPage, tags=["组织"], summary="下级组织")
def org_children(request: HttpRequest, org_id: PathId, page: Query[PageParams]) -> dict[str, Any]:
    user = _user(request)
    org = _visible_org(user, org_id)
    rows, count = paginate(selectors.org_children(user=user, org=org).order_by("path"), page)
    return {"items": _org_rows(user, rows), "count": count}


# ---------------------------------------------------------------- members


@router.get("/members", response=MemberPage, tags=["党员"], summary="党员列表")
def member_list(
    request: HttpRequest, filters: Query[MemberFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """范围内的党员；身份证号和手机号打码。"""
    user = _user(request)
    filterset = MemberFilterSet(filters.dict(exclude_none=True), user=user)
    if not filterset.is_valid():
        raise _query_error(_filter_errors(filterset))
    rows, count = selectors.member_slice(
        user=user,
        filters=filterset.filter_values(),
        offset=page.offset,
        limit=page.limit,
        values=MEMBER_LIST_FIELDS,
    )
    mobility = selectors.open_mobility_directions(member_ids=[m["pk"] for m in rows])
    personal = selectors.pii_visible_for(user=user)
    items = [_member_dict(m, mobility.get(m["pk"]), personal=personal(m["org_path"], m["pk"])) for m in rows]
    return {"items": items, "count": count}


@router.get("/members/{member_id}", response=MemberDetailOut, tags=["党员"], summary="党员详情")
def member_detail(request: HttpRequest, member_id: PathId, full: bool = False) -> dict[str, Any]:
    """`full=true` 返回完整身份证号和手机号（需要相应权限，每次查看都记入审计日志）。"""
    user = _user(request)
    member = selectors.access_member(user=user, pk=member_id)
    if full and not selectors.member_can_view_pii(user=user, member=member):
        raise PermissionDenied(MSG_NO_PII)
    return _member_detail(user, member, full=full)


@router.post("/members", response={201: MemberDetailOut}, tags=["党员"], summary="新增党员")
def member_create(request: HttpRequest, payload: MemberCreateIn) -> Status:
    user = _user(request)
    org = _visible_org(user, payload.org_id)
    _require(user, Perm.MEMBER_CHANGE, org.path, MSG_NO_CHANGE)
    data = _member_data(payload.dict(exclude={"org_id", "party_group_id"}))
    for key in ("gender", "birth_date"):
        if data.get(key) is None:
            data.pop(key, None)
    data["party_group"] = _party_group(user, payload.party_group_id)
    member = services.member_create(org=org, actor=user, **data)
    return Status(201, _member_detail(user, selectors.access_member(user=user, pk=member.pk)))


@router.patch("/members/{member_id}", response=MemberDetailOut, tags=["党员"], summary="修改党员信息")
def member_update(request: HttpRequest, member_id: PathId, payload: MemberPatchIn) -> dict[str, Any]:
    """只修改请求体中给出的字段。组织关系变动请用 transfer。"""
    user = _user(request)
    member = selectors.access_member(user=user, pk=member_id)
    _require(user, Perm.MEMBER_CHANGE, member.org_path, MSG_NO_CHANGE)
    sent = payload.dict(exclude_unset=True)
    data = _member_data({k: v for k, v in sent.items() if k != "party_group_id"})
    if "party_group_id" in sent:
        data["party_group"] = _party_group(user, sent["party_group_id"])
    services.member_update(member=member, actor=user, **data)
    return _member_detail(user, selectors.access_member(user=user, pk=member.pk))


@router.post(
    "/members/{member_id}/transfer",
    response={201: TransferOut},
    tags=["党员"],
    summary="组织关系转接",
)
def member_transfer(request: HttpRequest, member_id: PathId, payload: TransferIn) -> Status:
    """把党员的组织关系转到 `to_org_id`；需要在转出和转入两个组织都有转接权限。"""
    user = _user(request)
    member = selectors.access_member(user=user, pk=member_id)
    _require(user, Perm.MEMBER_TRANSFER, member.org_path, MSG_NO_TRANSFER)
    to_org = _visible_org(user, payload.to_org_id, MSG_TARGET_ORG)
    _require(user, Perm.MEMBER_TRANSFER, to_org.path, MSG_NO_TRANSFER)
    transfer = services.member_transfer(
        member=member, to_org=to_org, on=payload.on, reason=payload.reason, actor=user
    )
    return Status(201, _transfer_dict(transfer))
