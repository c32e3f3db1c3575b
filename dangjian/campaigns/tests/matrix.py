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
    _extend_records(world, today)
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


def _extend_records(world, today):
    """宣传报道 of either side, and a manual action (the research one) that applies to either
    county once both are 县处级以上领导班子; 甲县委's is confirmed, so is 乙县委's."""
    from dangjian.campaigns.confirmations import confirmation_create
    from dangjian.campaigns.publicity import publicity_create

    for org in (world.branch_a1, world.branch_b1):
        publicity_create(
            campaign=world.campaign,
            org=org,
            actor=None,
            media="人民日报",
            level="central",
            title=f"{org.name}扎实开展主题教育",
            published_on=today,
            link="https://example.com/news",
        )
    for county in (world.county_a, world.county_b):
        county.leadership_team = True
        county.save(update_fields=["leadership_team"])
    action = world.campaign.actions.get(code="RESEARCH-TOPIC")
    world.manual_action = action
    world.confirmations = {
        side: confirmation_create(action=action, org=org, actor=None, done_on=today, note="已完成调研")
        for side, org in (("inside", world.county_a), ("outside", world.county_b))
    }


def _county(w, side):
    return w.county_a if side == "inside" else w.county_b


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
    # 宣传报道: read like the campaign's figures; recorded by whoever records the unit's org life.
    Endpoint(
        "campaigns:publicity",
        _page("campaigns:publicity"),
        PAGE,
        PAGE_OUT,
        shows=lambda w, role: ["扎实开展主题教育", "中央、省级媒体宣传报道"],
    ),
    Endpoint("campaigns:publicity_new", _page("campaigns:publicity_new"), (302, 200, 200, 200, 403, 403)),
    Endpoint(
        "campaigns:publicity_new",
        _page("campaigns:publicity_new"),
        (302, 302, 302, 302, 403, 403),
        (302, 400, 400, 400, 403, 403),
        method="POST",
        # Each role posts for 甲县第一支部 (inside) or 乙县第一支部 (outside, with an ftp link): an
        # org the role may not record for, or the bad link, is refused on the form (400).
        data=lambda w, s: {
            "org": _org(w, s).pk,
            "media": "吉林日报",
            "level": "province",
            "title": "专题报道",
            "published_on": timezone.localdate().isoformat(),
            "link": "https://example.com/a" if s == "inside" else "ftp://example.com/a",
        },
    ),
    Endpoint(
        "api:GET /campaigns/{campaign_id}/publicity",
        lambda w, s: f"/api/v1/campaigns/{w.campaign.pk}/publicity?org_id={_org(w, s).pk}",
        API,
        API_OUT,
        shows=lambda w, role: ["扎实开展主题教育", '"central_province": 1'],
    ),
    # 台账计数与人工确认: read like the figures (the counties' cells); confirmed by whoever records
    # the org's org life (甲县委's office here), withdrawn the same.
    Endpoint(
        "campaigns:confirmations",
        lambda w, s: reverse("campaigns:confirmations", args=[w.campaign.pk]) + f"?org={_county(w, s).pk}",
        (302, 200, 200, 404, 403, 200),  # the 支部书记 sees only the branch's figures
        PAGE_OUT,
    ),
    Endpoint(
        "campaigns:confirm",
        lambda w, s: (
            reverse("campaigns:confirm", args=[w.campaign.pk])
            + f"?org={_county(w, s).pk}&action={w.manual_action.pk}"
        ),
        (302, 200, 200, 404, 403, 404),
        (302, 200, 404, 404, 403, 404),
    ),
    Endpoint(
        "campaigns:confirmation_withdraw",
        lambda w, s: reverse("campaigns:confirmation_withdraw", args=[w.confirmations[s].pk]),
        (302, 302, 302, 404, 404, 404),
        (302, 302, 404, 404, 404, 404),
        method="POST",
        data=lambda w, s: {"note": "误报"},
    ),
    Endpoint(
        "api:GET /campaigns/{campaign_id}/confirmations",
        lambda w, s: f"/api/v1/campaigns/{w.campaign.pk}/confirmations?org_id={_county(w, s).pk}",
        (401, 200, 200, 404, 403, 200),
        API_OUT,
        shows=lambda w, role: ["RESEARCH-TOPIC", "已人工确认"],
    ),
    Endpoint(
        "api:POST /campaigns/{campaign_id}/confirmations",
        lambda w, s: f"/api/v1/campaigns/{w.campaign.pk}/confirmations",
        # Already confirmed: 422 for those who may confirm; 404 for an org outside the grant.
        (401, 422, 422, 404, 403, 404),
        (401, 422, 404, 404, 403, 404),
        method="POST",
        json=True,
        data=lambda w, s: {
            "action_code": "RESEARCH-TOPIC",
            "org_id": _county(w, s).pk,
            "done_on": timezone.localdate().isoformat(),
            "note": "已完成",
        },
    ),
    Endpoint(
        "api:POST /campaigns/confirmations/{confirmation_id}/withdraw",
        lambda w, s: f"/api/v1/campaigns/confirmations/{w.confirmations[s].pk}/withdraw",
        (401, 200, 200, 404, 404, 404),
        (401, 200, 404, 404, 404, 404),
        method="POST",
        json=True,
        data=lambda w, s: {"note": "误报"},
    ),
    # 流动党员、三新: the branch's page (read by whoever reads its figures; the form for those who
    # record its org life) and the member's own page (only an account linked to a member).
    Endpoint(
        "campaigns:materials",
        lambda w, s: reverse("campaigns:materials", args=[w.campaign.pk]) + f"?org={_org(w, s).pk}",
        PAGE,
        PAGE_OUT,
        shows=lambda w, role: ["流动党员和三新党员学习"],
    ),
    Endpoint(
        "campaigns:self_study",
        lambda w, s: reverse("campaigns:self_study"),
        (302, 403, 403, 403, 200, 403),
        shows=lambda w, role: ["主题教育自学和党性分析"],
    ),
    # 批次调整: the lead org's office (示例市委's; only the system administrator here).
    Endpoint(
        "campaigns:batch_edit",
        lambda w, s: reverse("campaigns:batch_edit", args=[w.campaign.pk, w.campaign.batches.get().pk]),
        (302, 200, 403, 403, 403, 403),
    ),
    Endpoint(
        "api:GET /campaigns/{campaign_id}/progress",
        lambda w, s: f"/api/v1/campaigns/{w.campaign.pk}/progress?org_id={_org(w, s).pk}",
        API,
        API_OUT,
        shows=lambda w, role: ["GROUP-STUDY"],
    ),
]
