"""Permission matrix rows of the campaign pages and API (see dangjian/core/matrix.py).

The world's campaign is led by 示例市委 (its 第二批 around today), so every role but the 党员
sees it; a 党员 never sees campaign figures (403); an org outside the role's scope is 404.
"""

from __future__ import annotations

import datetime as dt

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from dangjian.core.matrix import Endpoint

PAGE = (302, 200, 200, 200, 403, 200)
PAGE_OUT = (302, 200, 404, 404, 403, 404)
API = (401, 200, 200, 200, 403, 200)
API_OUT = (401, 200, 404, 404, 403, 404)
OFFICE = (302, 200, 200, 403, 403, 403)
FILE = (302, 200, 200, 200, 403, 404)  # filing a plan: who records org life for the unit
FILE_OUT = (302, 200, 404, 404, 403, 404)
CLOSE = (302, 200, 200, 200, 404, 404)
CLOSE_OUT = (302, 200, 404, 404, 404, 404)  # starting a campaign: the office (党务管理员) and above
NAME = "学习贯彻习近平新时代中国特色社会主义思想主题教育"


def extend_world(world):
    from dangjian.campaigns.services import BatchDates, campaign_start

    today = timezone.localdate()
    with TestCase.captureOnCommitCallbacks(execute=True):
        world.campaign = campaign_start(
            template="xjp-thought-2023",
            root=world.city,
            batches=[BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))],
        )
    from dangjian.campaigns.weekly import ItemInput, monday_of, weekly_plan_file, weekly_units_set

    weekly_units_set(campaign=world.campaign, orgs=[world.branch_a1, world.branch_b1], actor=None)
    monday = monday_of(today)
    world.plans = {
        side: weekly_plan_file(
            campaign=world.campaign,
            org=org,
            week_start=monday,
            items=[ItemInput("组织集中学习", "书记", monday)],
            actor=None,
        )
        for side, org in (("inside", world.branch_a1), ("outside", world.branch_b1))
    }


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


def _page(name):
    return lambda w, s: reverse(name, args=[w.campaign.pk]) + f"?org={_org(w, s).pk}"


def _shows_name(w, role):
    return [NAME]


ENDPOINTS = [
    Endpoint("campaigns:list", lambda w, s: reverse("campaigns:list"), PAGE, shows=_shows_name),
    Endpoint("campaigns:start", lambda w, s: reverse("campaigns:start"), OFFICE),
    Endpoint(
        "campaigns:dashboard",
        lambda w, s: reverse("campaigns:dashboard", args=[w.campaign.pk]),
        PAGE,
        shows=_shows_name,
    ),
    Endpoint("campaigns:dashboard", _page("campaigns:dashboard"), PAGE, PAGE_OUT, shows=_shows_name),
    Endpoint("campaigns:lagging", _page("campaigns:lagging"), PAGE, PAGE_OUT),
    # The records behind any figure (here every status): the inside branch's own results.
    Endpoint(
        "campaigns:lagging",
        lambda w, s: _page("campaigns:lagging")(w, s) + "&status=all",
        PAGE,
        PAGE_OUT,
        shows=lambda w, role: ["第一支部", "集中学习"],
    ),
    # Units without campaign activity (the list itself is checked in test_dashboard.py).
    Endpoint(
        "campaigns:idle",
        _page("campaigns:idle"),
        PAGE,
        PAGE_OUT,
        shows=lambda w, role: ["个（本期有主题教育规定动作"],
    ),
    Endpoint(
        "campaigns:uniform", _page("campaigns:uniform"), PAGE, PAGE_OUT, shows=lambda w, role: ["上下一般粗"]
    ),
    Endpoint(
        "campaigns:burden",
        _page("campaigns:burden"),
        PAGE,
        PAGE_OUT,
        shows=lambda w, role: ["一周一计划 <strong data-plans-asked>"],
    ),
    Endpoint("campaigns:todo", _page("campaigns:todo"), PAGE, PAGE_OUT, shows=lambda w, role: ["集中学习"]),
    Endpoint(
        "campaigns:weekly",
        _page("campaigns:weekly"),
        PAGE,
        PAGE_OUT,
        shows=lambda w, role: ["已报"],
    ),
    # Naming the units: the lead org's office (示例市委's; only the system administrator here).
    Endpoint(
        "campaigns:weekly_units",
        lambda w, s: reverse("campaigns:weekly_units", args=[w.campaign.pk]),
        (302, 200, 403, 403, 403, 403),
    ),
    Endpoint("campaigns:weekly_file", _page("campaigns:weekly_file"), FILE, FILE_OUT),
    Endpoint(
        "campaigns:weekly_close",
        lambda w, s: reverse("campaigns:weekly_close", args=[w.plans[s].pk]),
        CLOSE,
        CLOSE_OUT,
        shows=lambda w, role: ["组织集中学习"],
    ),
    Endpoint(
        "api:GET /campaigns/{campaign_id}/weekly",
        lambda w, s: f"/api/v1/campaigns/{w.campaign.pk}/weekly?org_id={_org(w, s).pk}",
        API,
        API_OUT,
        # One filed unit on either side (its name is checked by the outside-names rule).
        shows=lambda w, role: ['"filed": 1'],
    ),
    # The 通报 (.docx, a zip: no text to read; its numbers are checked in reports/tests/test_bulletin.py).
    Endpoint(
        "campaign_bulletin",
        lambda w, s: reverse("campaign_bulletin", args=[w.campaign.pk]) + f"?org={_org(w, s).pk}",
        PAGE,
        PAGE_OUT,
    ),
    Endpoint("api:GET /campaigns", lambda w, s: "/api/v1/campaigns", API, shows=_shows_name),
    Endpoint(
        "api:GET /campaigns/{campaign_id}/progress",
        lambda w, s: f"/api/v1/campaigns/{w.campaign.pk}/progress?org_id={_org(w, s).pk}",
        API,
        API_OUT,
        shows=lambda w, role: ["GROUP-STUDY"],
    ),
]
