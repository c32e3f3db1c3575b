"""Permission matrix rows of the compliance pages and API (see dangjian/core/matrix.py).

Columns: anon, sysadmin, admin (甲县委 subtree), secretary (甲县第一支部), member, supervisor
(甲县委 subtree). A 党员 never sees compliance figures (403); an org outside the scope is 404.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from dangjian.activities.models import ActivityKind
from dangjian.core.matrix import Endpoint
from dangjian.requirements import engine

from .factories import load_shipped, record

PAGE = (302, 200, 200, 200, 403, 200)
PAGE_OUT = (302, 200, 404, 404, 403, 404)
API = (401, 200, 200, 200, 403, 200)
API_OUT = (401, 200, 404, 404, 403, 404)


def extend_world(world):
    load_shipped()
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    record(world.branch_a1, last_month, ActivityKind.THEME_DAY, notify=False)
    engine.recompute_all()


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


def _member_result(w, side):
    """The current 组织生活会 (each member once a year) result of the side's branch."""
    from dangjian.requirements.models import ComplianceResult

    today = timezone.localdate()
    return ComplianceResult.objects.get(
        org=_org(w, side),
        requirement__code="JY-ORG-LIFE-EACH-MEMBER",
        period_start__lte=today,
        period_end__gte=today,
    )


def _page(name):
    return lambda w, s: f"{reverse(name)}?org={_org(w, s).pk}"


def _api(path):
    return lambda w, s: f"/api/v1/compliance/{path}?org_id={_org(w, s).pk}"


ENDPOINTS = [
    Endpoint("compliance:dashboard", lambda w, s: reverse("compliance:dashboard"), PAGE),
    Endpoint("compliance:dashboard", _page("compliance:dashboard"), PAGE, PAGE_OUT),
    Endpoint("compliance:lagging", _page("compliance:lagging"), PAGE, PAGE_OUT),
    Endpoint("compliance:drill", _page("compliance:drill"), PAGE, PAGE_OUT),
    Endpoint("compliance:todo", _page("compliance:todo"), PAGE, PAGE_OUT),
    # The names behind a per-member to-do item ("N 名党员尚未参加").
    Endpoint(
        "compliance:missing",
        lambda w, s: reverse("compliance:missing", args=[_member_result(w, s).pk]),
        PAGE,
        PAGE_OUT,
    ),
    Endpoint("compliance:org", lambda w, s: reverse("compliance:org", args=[_org(w, s).pk]), PAGE, PAGE_OUT),
    Endpoint("api:GET /compliance/results", lambda w, s: "/api/v1/compliance/results", API),
    Endpoint("api:GET /compliance/results", _api("results"), API, API_OUT),
    Endpoint("api:GET /compliance/rollup", lambda w, s: "/api/v1/compliance/rollup", API),
    Endpoint("api:GET /compliance/rollup", _api("rollup"), API, API_OUT),
    Endpoint("api:GET /compliance/lagging", _api("lagging"), API, API_OUT),
]
