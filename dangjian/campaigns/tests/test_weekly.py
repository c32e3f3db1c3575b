"""一周一计划、一周一调度: filing, closing, the generated 调度表 (service, API, pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.campaigns.models import WeeklyPlan, WeeklyPlanItem
from dangjian.campaigns.services import BatchDates, CampaignError, campaign_start
from dangjian.campaigns.weekly import (
    ItemInput,
    monday_of,
    parse_week,
    week_label,
    weekly_plan_close,
    weekly_plan_file,
    weekly_units_set,
)
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tree):
    today = timezone.localdate()
    c = campaign_start(
        template="xjp-thought-2023",
        root=tree["city"],
        batches=[BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))],
    )
    weekly_units_set(campaign=c, orgs=[tree["county_a"], tree["branch_a1"], tree["branch_b1"]], actor=None)
    return c


def this_week() -> dt.date:
    return monday_of(timezone.localdate())


def items(monday: dt.date, n: int = 2) -> list[ItemInput]:
    return [ItemInput(f"事项{i}", "张书记", monday + dt.timedelta(days=i)) for i in range(n)]


def test_parse_week():
    assert parse_week("2026-W49") == dt.date(2026, 11, 30)
    assert week_label(dt.date(2026, 11, 30)) == "2026-W49"
    for bad in ("2026-49", "2026-W54", ""):
        with pytest.raises(ValueError, match="周次"):
            parse_week(bad)


def test_file_and_close(tree, campaign):
    monday = this_week()
    plan = weekly_plan_file(
        campaign=campaign, org=tree["branch_a1"], week_start=monday, items=items(monday), actor=None
    )
    first, second = plan.items.all()
    with pytest.raises(CampaignError) as info:
        weekly_plan_close(plan=plan, results={first.pk: (True, ""), second.pk: (False, " ")}, actor=None)
    assert info.value.messages == ["第 2 项（事项1）说明：未完成的事项须写明原因"]
    plan.refresh_from_db()
    assert plan.closed_at is None and not WeeklyPlanItem.objects.filter(done__isnull=False).exists()
    weekly_plan_close(plan=plan, results={first.pk: (True, ""), second.pk: (False, "等上级文件")}, actor=None)
    plan.refresh_from_db()
    assert plan.closed_at is not None
    with pytest.raises(CampaignError, match="已调度"):
        weekly_plan_file(
            campaign=campaign, org=tree["branch_a1"], week_start=monday, items=items(monday), actor=None
        )


def test_refiling_replaces_the_items(tree, campaign):
    monday = this_week()
    weekly_plan_file(
        campaign=campaign, org=tree["branch_a1"], week_start=monday, items=items(monday, 3), actor=None
    )
    plan = weekly_plan_file(
        campaign=campaign, org=tree["branch_a1"], week_start=monday, items=items(monday, 1), actor=None
    )
    assert plan.items.count() == 1 and WeeklyPlan.objects.count() == 1


@pytest.mark.parametrize(
    ("org_key", "weeks_ahead", "message"),
    [
        ("branch_a1", 2, "只能填报本周或下周的计划"),
        (
            "general",
            0,
            "甲县机关总支 不在 学习贯彻习近平新时代中国特色社会主义思想主题教育 一周一计划的单位名单中",
        ),
    ],
)
def test_bad_plans_save_nothing(tree, campaign, org_key, weeks_ahead, message):
    monday = this_week() + dt.timedelta(days=7 * weeks_ahead)
    with pytest.raises(CampaignError) as info:
        weekly_plan_file(
            campaign=campaign, org=tree[org_key], week_start=monday, items=items(monday), actor=None
        )
    assert any(message in m for m in info.value.messages)
    assert not WeeklyPlan.objects.exists()


def test_next_week_is_allowed_and_items_must_fall_in_the_week(tree, campaign):
    monday = this_week() + dt.timedelta(days=7)
    weekly_plan_file(
        campaign=campaign, org=tree["branch_a1"], week_start=monday, items=items(monday), actor=None
    )
    with pytest.raises(CampaignError) as info:
        weekly_plan_file(
            campaign=campaign,
            org=tree["county_a"],
            week_start=monday,
            items=[ItemInput("", "", monday + dt.timedelta(days=7))],
            actor=None,
        )
    assert info.value.messages == [
        "第 1 项 事项：不能为空",
        "第 1 项 责任人：不能为空",
        f"第 1 项 完成日期：{monday + dt.timedelta(days=7)} 不在本周（{monday} 至 {monday + dt.timedelta(days=6)}）之内",
    ]


def test_dispatch_api_is_generated_and_scoped(client, tree, campaign):
    monday = this_week()
    plan = weekly_plan_file(
        campaign=campaign, org=tree["branch_a1"], week_start=monday, items=items(monday), actor=None
    )
    a, b = plan.items.all()
    weekly_plan_close(plan=plan, results={a.pk: (True, ""), b.pk: (True, "")}, actor=None)
    weekly_plan_file(
        campaign=campaign, org=tree["county_a"], week_start=monday, items=items(monday, 1), actor=None
    )
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    week = week_label(monday)
    body = client.get(
        f"/api/v1/campaigns/{campaign.pk}/weekly?org_id={tree['county_a'].pk}&week={week}"
    ).json()
    assert (body["week"], body["filed"], body["finished"]) == (week, 2, 1)
    units = {u["org_name"]: u for u in body["units"]}
    assert set(units) == {"甲县委", "甲县第一支部"}  # 乙县 is outside the county's subtree
    assert units["甲县第一支部"] | {"plan_id": None} == {
        "org_id": tree["branch_a1"].pk, "org_name": "甲县第一支部", "plan_id": None, "filed": True,
        "closed": True, "items": 2, "done": 2, "not_done": 0, "open": 0, "behind": False,
    }  # fmt: skip
    assert (units["甲县委"]["filed"], units["甲县委"]["open"]) == (True, 1)
    # The city office sees 乙县第一支部 behind: no plan.
    client.force_login(make_user(Role.SUPERVISOR, tree["city"], username="c1"))
    body = client.get(f"/api/v1/campaigns/{campaign.pk}/weekly?week={week}").json()
    assert {u["org_name"]: u["behind"] for u in body["units"]}["乙县第一支部"] is True
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/weekly?week=2026-W60").status_code == 422


def test_pages_file_and_close(client, tree, campaign):
    monday = this_week()
    week = week_label(monday)
    client.force_login(make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="s1"))
    url = reverse("campaigns:weekly_file", args=[campaign.pk]) + f"?org={tree['branch_a1'].pk}&week={week}"
    resp = client.post(
        url,
        {"text_1": "组织集中学习", "owner_1": "张书记", "due_1": (monday + dt.timedelta(days=2)).isoformat()},
    )
    assert resp.status_code == 302
    plan = WeeklyPlan.objects.get()
    assert [i.text for i in plan.items.all()] == ["组织集中学习"]
    # Bad date row: a Chinese message naming the row, nothing changed.
    resp = client.post(url, {"text_2": "x", "owner_2": "y", "due_2": "2026-02-30"})
    assert "第 2 行 完成日期：2026-02-30 不是有效日期" in resp.content.decode()
    item = plan.items.get()
    resp = client.post(reverse("campaigns:weekly_close", args=[plan.pk]), {f"done_{item.pk}": "0"})
    assert "未完成的事项须写明原因" in resp.content.decode()
    resp = client.post(
        reverse("campaigns:weekly_close", args=[plan.pk]),
        {f"done_{item.pk}": "0", f"note_{item.pk}": "推迟到下周"},
    )
    assert resp.status_code == 302
    html = client.get(reverse("campaigns:weekly", args=[campaign.pk]) + f"?week={week}").content.decode()
    assert "已调度" in html and "滞后" in html  # not done → behind
    # Another unit's plan form: 404 (outside the secretary's scope).
    other = reverse("campaigns:weekly_file", args=[campaign.pk]) + f"?org={tree['branch_b1'].pk}&week={week}"
    assert client.get(other).status_code == 404


def test_office_names_the_units(client, tree):
    today = timezone.localdate()
    campaign = campaign_start(
        template="xjp-thought-2023",
        root=tree["county_a"],
        batches=[BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))],
    )
    url = reverse("campaigns:weekly_units", args=[campaign.pk])
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    html = client.get(url).content.decode()
    assert "甲县第一支部" not in html.split('id="unit-choices"')[0]
    assert "甲县机关总支" in html and "乙县" not in html
    resp = client.post(url, {"org": [str(tree["general"].pk), str(tree["branch_b1"].pk)]})
    assert resp.status_code == 302
    assert list(campaign.weekly_units.values_list("org_id", flat=True)) == [
        tree["general"].pk
    ]  # 乙县 ignored
    client.force_login(make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="s1"))
    assert client.get(url).status_code == 403
