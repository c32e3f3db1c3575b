"""Permission matrix rows of the 调研 pages and /research API (see dangjian/core/matrix.py)."""

from __future__ import annotations

from django.urls import reverse

from dangjian.core.matrix import Endpoint
from dangjian.research import services
from dangjian.research.tests.factories import make_topic, report_file

LIST = (302, 200, 200, 200, 403, 200)
DETAIL_IN = (302, 200, 200, 200, 404, 200)
DETAIL_OUT = (302, 200, 404, 404, 404, 404)
CHANGE_IN = (302, 302, 302, 302, 404, 404)
CHANGE_OUT = (302, 302, 404, 404, 404, 404)
API_OUT = (401, 200, 404, 404, 404, 404)


def extend_world(w) -> None:
    for side, org in (("in", w.branch_a1), ("out", w.branch_b1)):
        setattr(w, f"topic_{side}", make_topic(org))
        reported = make_topic(org, visits=1, report=True, title="已交报告的课题")
        item = services.convert_problem(
            report=reported.report, actor=None, description="活动室开放不足", deadline_type="immediate"
        )
        setattr(w, f"topic_{side}_rep", reported)
        setattr(w, f"topic_{side}_problem", item.problem)


def _t(suffix=""):
    return lambda w, side: getattr(w, f"topic_{'in' if side == 'inside' else 'out'}{suffix}")


def _page(name, suffix=""):
    return lambda w, side: reverse(name, args=[_t(suffix)(w, side).pk])


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


ENDPOINTS = [
    Endpoint("research:list", lambda w, s: reverse("research:list"), LIST),
    Endpoint("research:create", lambda w, s: reverse("research:create"), (302, 200, 200, 200, 403, 403)),
    Endpoint(
        "research:create",
        lambda w, s: reverse("research:create"),
        (302, 302, 302, 302, 403, 403),
        (302, 302, 400, 400, 403, 403),
        method="POST",
        data=lambda w, s: {"org": _org(w, s).pk, "title": "矩阵课题", "lead_leader": "李书记"},
    ),
    Endpoint("research:detail", _page("research:detail"), DETAIL_IN, DETAIL_OUT),
    Endpoint(
        "research:visit_add",
        _page("research:visit_add"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {
            "visited_on": "2026-01-05",
            "place": "村委会",
            "method": "visit",
            "findings": "台账不全",
        },
    ),
    Endpoint(
        "research:report",
        _page("research:report"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {"file": report_file(), "summary": "摘要"},
    ),
    Endpoint("research:report_file", _page("research:report_file", "_rep"), DETAIL_IN, DETAIL_OUT),
    Endpoint(
        "research:convert_problem",
        _page("research:convert_problem", "_rep"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {"description": "走访发现的问题", "deadline_type": "immediate"},
    ),
    Endpoint(
        "research:convert_suggestion",
        _page("research:convert_suggestion", "_rep"),
        CHANGE_IN,
        CHANGE_OUT,
        method="POST",
        data=lambda w, s: {
            "problem": _t("_problem")(w, s).pk,
            "text": "每周固定开放5天",
            "owner": "王芳",
            "due_on": "2026-12-31",
        },
    ),
    Endpoint(
        "api:GET /research/topics", lambda w, s: "/api/v1/research/topics", (401, 200, 200, 200, 403, 200)
    ),
    Endpoint(
        "api:GET /research/topics/{topic_id}",
        lambda w, s: f"/api/v1/research/topics/{_t()(w, s).pk}",
        (401, 200, 200, 200, 404, 200),
        API_OUT,
    ),
    Endpoint(
        "api:POST /research/topics",
        lambda w, s: "/api/v1/research/topics",
        (401, 201, 201, 201, 403, 403),
        (401, 201, 404, 404, 403, 403),
        method="POST",
        json=True,
        data=lambda w, s: {"org_id": _org(w, s).pk, "title": "接口课题", "lead_leader": "赵书记"},
    ),
    Endpoint(
        "api:POST /research/topics/{topic_id}/visits",
        lambda w, s: f"/api/v1/research/topics/{_t()(w, s).pk}/visits",
        (401, 201, 201, 201, 404, 403),
        (401, 201, 404, 404, 404, 404),
        method="POST",
        json=True,
        data=lambda w, s: {
            "visited_on": "2026-01-05",
            "place": "社区",
            "method": "survey",
            "findings": "问卷回收率低",
        },
    ),
]
