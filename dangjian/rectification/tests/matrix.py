"""Permission matrix rows of the rectification pages and /problems API (see dangjian/core/matrix.py).

"inside" problems belong to 甲县第一支部, "outside" ones to 乙县第一支部. 销号 is signed off at the
level above: the 党务管理员 of 甲县委 may verify 甲县第一支部's items, its 支部书记 may not.
"""

from __future__ import annotations

from django.urls import reverse

from dangjian.core.matrix import Endpoint
from dangjian.rectification.models import ProblemStatus
from dangjian.rectification.tests.factories import make_problem

LIST = (302, 200, 200, 200, 403, 200)
DETAIL_OUT = (302, 200, 404, 404, 404, 404)
CHANGE_IN = (302, 302, 302, 302, 404, 404)
CHANGE_OUT = (302, 302, 404, 404, 404, 404)
API_OUT = (401, 200, 404, 404, 404, 404)
API_CHANGE_IN = (401, 200, 200, 200, 404, 403)


def extend_world(w) -> None:
    for side, org in (("in", w.branch_a1), ("out", w.branch_b1)):
        setattr(w, f"problem_{side}", make_problem(org))
        setattr(w, f"problem_{side}_prog", make_problem(org, status=ProblemStatus.IN_PROGRESS))
        setattr(w, f"problem_{side}_req", make_problem(org, status=ProblemStatus.REQUESTED))


def _p(suffix=""):
    return lambda w, side: getattr(w, f"problem_{'in' if side == 'inside' else 'out'}{suffix}")


def _page(name, suffix=""):
    return lambda w, side: reverse(name, args=[_p(suffix)(w, side).pk])


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


def _form(w, side):
    return {
        "org": _org(w, side).pk,
        "source": "self",
        "description": "矩阵测试问题",
        "deadline_type": "immediate",
        "m1_text": "立即整改",
        "m1_owner": "张三",
        "m1_due_on": "2026-12-31",
    }


def _evidence(w, side):
    p = _p("_req")(w, side)
    return reverse("rectification:evidence", args=[p.pk, p.evidence.get().pk])


ENDPOINTS = [
    Endpoint("rectification:list", lambda w, s: reverse("rectification:list"), LIST),
    Endpoint("rectification:lists", lambda w, s: reverse("rectification:lists"), LIST),
    Endpoint(
        "rectification:export",
        lambda w, s: reverse("rectification:export") + f"?org={_org(w, s).pk}",
        (302, 200, 200, 200, 403, 200),
        (302, 200, 400, 400, 403, 400),
    ),
    Endpoint(
        "rectification:import", lambda w, s: reverse("rectification:import"), (302, 200, 200, 403, 403, 403)
    ),
    Endpoint(
        "rectification:import_confirm",
        lambda w, s: reverse("rectification:import_confirm"),
        (302, 404, 404, 403, 403, 403),
        method="POST",
        data=lambda w, s: {"token": "not-a-token"},
    ),
    Endpoint("rectification:duplicates", lambda w, s: reverse("rectification:duplicates"), LIST),
    Endpoint(
        "rectification:duplicates",
        lambda w, s: reverse("rectification:duplicates") + "?kind=measure",
        LIST,
    ),
    Endpoint(
        "rectification:create", lambda w, s: reverse("rectification:create"), (302, 200, 200, 200, 403, 403)
    ),
    Endpoint(
        "rectification:create",
        lambda w, s: reverse("rectification:create"),
        (302, 302, 302, 302, 403, 403),
        (302, 302, 400, 400, 403, 403),
        method="POST",
        data=_form,
    ),
    Endpoint(
        "rectification:detail", _page("rectification:detail"), (302, 200, 200, 200, 404, 200), DETAIL_OUT
    ),
    Endpoint("rectification:edit", _page("rectification:edit"), (302, 200, 200, 200, 404, 404), DETAIL_OUT),
    Endpoint(
        "rectification:edit",
        _page("rectification:edit"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: _form(w, s) | {"description": "修改后的问题"},
    ),
    Endpoint(
        "rectification:measure_add",
        _page("rectification:measure_add"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {"text": "补充措施", "owner": "李四", "due_on": "2026-12-31"},
    ),
    Endpoint(
        "rectification:start",
        _page("rectification:start"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {},
    ),
    Endpoint(
        "rectification:progress",
        _page("rectification:progress", "_prog"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {"note": "已完成一半"},
    ),
    Endpoint(
        "rectification:request_close",
        _page("rectification:request_close", "_prog"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {"note": "已全部完成"},
    ),
    Endpoint(
        "rectification:verify",
        _page("rectification:verify", "_req"),
        (302, 302, 302, 404, 404, 404),
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {"decision": "approve", "reason": ""},
    ),
    Endpoint("rectification:evidence", _evidence, (302, 200, 200, 200, 404, 200), DETAIL_OUT),
    # API
    Endpoint("api:GET /problems", lambda w, s: "/api/v1/problems", (401, 200, 200, 200, 403, 200)),
    Endpoint(
        "api:GET /problems/{problem_id}",
        lambda w, s: f"/api/v1/problems/{_p()(w, s).pk}",
        (401, 200, 200, 200, 404, 200),
        API_OUT,
    ),
    Endpoint(
        "api:POST /problems",
        lambda w, s: "/api/v1/problems",
        (401, 201, 201, 201, 403, 403),
        (401, 201, 404, 404, 403, 403),
        method="POST",
        json=True,
        data=lambda w, s: {
            "org_id": _org(w, s).pk,
            "source": "audit",
            "description": "接口登记的问题",
            "deadline_type": "long_term",
            "measures": [{"text": "每季度复查一次", "owner": "张三", "due_on": "2026-12-31"}],
        },
    ),
    Endpoint(
        "api:POST /problems/{problem_id}/start",
        lambda w, s: f"/api/v1/problems/{_p()(w, s).pk}/start",
        API_CHANGE_IN,
        API_OUT,
        method="POST",
    ),
    Endpoint(
        "api:POST /problems/{problem_id}/request-close",
        lambda w, s: f"/api/v1/problems/{_p('_prog')(w, s).pk}/request-close",
        API_CHANGE_IN,
        API_OUT,
        method="POST",
        json=True,
        data=lambda w, s: {"note": "已完成"},
    ),
    Endpoint(
        "api:POST /problems/{problem_id}/verify",
        lambda w, s: f"/api/v1/problems/{_p('_req')(w, s).pk}/verify",
        (401, 200, 200, 403, 404, 403),
        API_OUT,
        method="POST",
        json=True,
        data=lambda w, s: {"approve": False, "reason": "佐证不足"},
    ),
]
