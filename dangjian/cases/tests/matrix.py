"""Permission matrix rows of the 典型案例 pages and /cases API (see dangjian/core/matrix.py).

甲县第一支部's cases are reviewed first at 甲县机关总支's level, then 甲县委's: the 党务管理员 of
甲县委's subtree reviews both, the 支部书记 neither."""

from __future__ import annotations

from django.urls import reverse

from dangjian.cases import services
from dangjian.core.matrix import Endpoint

LIST = (302, 200, 200, 200, 403, 200)
DETAIL_IN = (302, 200, 200, 200, 404, 200)
DETAIL_OUT = (302, 200, 404, 404, 404, 404)
CHANGE_IN = (302, 302, 302, 302, 404, 404)
CHANGE_OUT = (302, 302, 404, 404, 404, 404)
API_OUT = (401, 200, 404, 404, 404, 404)
FIELDS = {"kind": "negative", "title": "村务公开栏长期未更新", "event": "2025年全年未更新"}


def extend_world(w) -> None:
    for side, org in (("in", w.branch_a1), ("out", w.branch_b1)):
        setattr(w, f"case_{side}", services.case_create(org=org, actor=None, **FIELDS))
        submitted = services.case_create(org=org, actor=None, **FIELDS)
        setattr(w, f"case_{side}_sub", services.case_submit(case=submitted, actor=None))


def _c(suffix=""):
    return lambda w, side: getattr(w, f"case_{'in' if side == 'inside' else 'out'}{suffix}")


def _page(name, suffix=""):
    return lambda w, side: reverse(name, args=[_c(suffix)(w, side).pk])


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


ENDPOINTS = [
    Endpoint("cases:list", lambda w, s: reverse("cases:list"), LIST),
    Endpoint("cases:create", lambda w, s: reverse("cases:create"), (302, 200, 200, 200, 403, 403)),
    Endpoint(
        "cases:create",
        lambda w, s: reverse("cases:create"),
        (302, 302, 302, 302, 403, 403),
        (302, 302, 400, 400, 403, 403),
        method="POST",
        data=lambda w, s: FIELDS | {"org": _org(w, s).pk},
    ),
    Endpoint("cases:detail", _page("cases:detail"), DETAIL_IN, DETAIL_OUT),
    Endpoint("cases:edit", _page("cases:edit"), (302, 200, 200, 200, 404, 404), DETAIL_OUT),
    Endpoint(
        "cases:edit",
        _page("cases:edit"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: FIELDS | {"org": _org(w, s).pk, "lesson": "公开栏须每季度更新"},
    ),
    Endpoint(
        "cases:submit", _page("cases:submit"), CHANGE_IN, CHANGE_OUT, method="POST", data=lambda w, s: {}
    ),
    Endpoint(
        "cases:review",
        _page("cases:review", "_sub"),
        (302, 302, 302, 404, 404, 404),
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {"decision": "approve", "comment": ""},
    ),
    Endpoint("api:GET /cases", lambda w, s: "/api/v1/cases", (401, 200, 200, 200, 403, 200)),
    Endpoint(
        "api:GET /cases/{case_id}",
        lambda w, s: f"/api/v1/cases/{_c()(w, s).pk}",
        (401, 200, 200, 200, 404, 200),
        API_OUT,
    ),
    Endpoint(
        "api:POST /cases",
        lambda w, s: "/api/v1/cases",
        (401, 201, 201, 201, 403, 403),
        (401, 201, 404, 404, 403, 403),
        method="POST",
        json=True,
        data=lambda w, s: FIELDS | {"org_id": _org(w, s).pk},
    ),
    Endpoint(
        "api:POST /cases/{case_id}/submit",
        lambda w, s: f"/api/v1/cases/{_c()(w, s).pk}/submit",
        (401, 200, 200, 200, 404, 403),
        API_OUT,
        method="POST",
    ),
    Endpoint(
        "api:POST /cases/{case_id}/review",
        lambda w, s: f"/api/v1/cases/{_c('_sub')(w, s).pk}/review",
        (401, 200, 200, 403, 404, 403),
        API_OUT,
        method="POST",
        json=True,
        data=lambda w, s: {"approve": False, "comment": "事实不清"},
    ),
]
