"""Permission matrix rows of the /orgs and /members API (see dangjian/core/matrix.py).

Columns: anon, sysadmin, admin (甲县委 subtree), secretary (甲县第一支部), member (own record),
supervisor (甲县委 subtree, read-only). "inside" objects sit in 甲县第一支部, "outside" ones in
乙县第一支部. Invisible objects answer 404, visible ones the user may not change 403.
"""

from __future__ import annotations

from dangjian.core.matrix import API_ALL, Endpoint
from dangjian.orgs.services import today
from dangjian.orgs.tests.factories import member_data

OUT_OF_SCOPE = (401, 200, 404, 404, 404, 404)


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


def _member(w, side):
    return w.member_in if side == "inside" else w.member_out


def _new_member(w, side):
    return {**member_data(), "org_id": _org(w, side).pk}


ENDPOINTS = [
    Endpoint("api:GET /orgs", lambda w, s: "/api/v1/orgs", API_ALL, shows=lambda w, role: [w.branch_a1.name]),
    Endpoint(
        "api:GET /orgs",
        lambda w, s: f"/api/v1/orgs?subtree={_org(w, s).pk}",
        inside=API_ALL,
        outside=(401, 200, 422, 422, 422, 422),
    ),
    Endpoint(
        "api:GET /orgs/{org_id}",
        lambda w, s: f"/api/v1/orgs/{_org(w, s).pk}",
        inside=API_ALL,
        outside=OUT_OF_SCOPE,
    ),
    Endpoint(
        "api:GET /orgs/{org_id}/children",
        lambda w, s: f"/api/v1/orgs/{_org(w, s).pk}/children",
        inside=API_ALL,
        outside=OUT_OF_SCOPE,
    ),
    Endpoint(
        "api:GET /members", lambda w, s: "/api/v1/members", API_ALL, shows=lambda w, role: [w.member_in.name]
    ),
    Endpoint(
        "api:GET /members",
        lambda w, s: f"/api/v1/members?org={_org(w, s).pk}",
        inside=API_ALL,
        outside=(401, 200, 422, 422, 422, 422),
    ),
    # The 党员 sees their own record only.
    Endpoint(
        "api:GET /members/{member_id}",
        lambda w, s: f"/api/v1/members/{_member(w, s).pk}",
        inside=API_ALL,
        outside=OUT_OF_SCOPE,
    ),
    Endpoint(
        "api:GET /members/{member_id}",
        lambda w, s: f"/api/v1/members/{w.member_in2.pk}",
        inside=(401, 200, 200, 200, 404, 200),
    ),
    # Full 身份证号/手机号: grants with member.view_pii, and the member themself; 督导 may not.
    Endpoint(
        "api:GET /members/{member_id}",
        lambda w, s: f"/api/v1/members/{_member(w, s).pk}?full=true",
        inside=(401, 200, 200, 200, 200, 403),
        outside=OUT_OF_SCOPE,
    ),
    Endpoint(
        "api:POST /members",
        lambda w, s: "/api/v1/members",
        inside=(401, 201, 201, 201, 403, 403),
        outside=(401, 201, 404, 404, 404, 404),
        method="POST",
        data=_new_member,
        json=True,
    ),
    Endpoint(
        "api:PATCH /members/{member_id}",
        lambda w, s: f"/api/v1/members/{_member(w, s).pk}",
        inside=(401, 200, 200, 200, 403, 403),
        outside=OUT_OF_SCOPE,
        method="PATCH",
        data=lambda w, s: {"address": "新住址 1 号"},
        json=True,
    ),
    # Transfer into 甲县机关总支: needs member.transfer on both ends (支部书记 has none).
    Endpoint(
        "api:POST /members/{member_id}/transfer",
        lambda w, s: f"/api/v1/members/{_member(w, s).pk}/transfer",
        inside=(401, 201, 201, 403, 403, 403),
        outside=(401, 201, 404, 404, 404, 404),
        method="POST",
        data=lambda w, s: {"to_org_id": w.general.pk, "on": today().isoformat(), "reason": "工作调动"},
        json=True,
    ),
]
