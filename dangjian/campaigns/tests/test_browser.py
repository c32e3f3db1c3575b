"""The campaign dashboard in a browser: the office opens it from the sidebar, reads the figures,
follows a 未完成 figure to the units behind it, and a secretary files a weekly plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.campaigns.weekly import weekly_units_set
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import make_member, sample_tree
from dangjian.requirements import engine
from dangjian.requirements.tests.factories import record


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_office_reads_the_dashboard_and_a_secretary_files_a_plan(page):
    tree = sample_tree()
    today = timezone.localdate()
    for org in (tree["branch_a1"], tree["branch_b1"]):
        make_member(org)
    campaign = campaign_start(
        template="xjp-thought-2023",
        root=tree["city"],
        batches=[BatchDates("第二批", today - dt.timedelta(days=70), today + dt.timedelta(days=50))],
    )
    weekly_units_set(campaign=campaign, orgs=[tree["branch_a1"]], actor=None)
    engine.recompute_all()
    record(tree["branch_a1"], today, K.GROUP_STUDY)
    make_user(Role.ORG_ADMIN, tree["city"], username="city_office")
    make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="a1_secretary")

    browser_login(page, "city_office")
    page.goto(page.base + "/")
    page.get_by_role("link", name="主题教育").first.click()
    page.get_by_role("link", name=campaign.name).click()
    page.wait_for_selector("#actions-table")
    row = page.locator("#actions-table tr", has_text="集中学习")
    row.locator("a.text-danger").click()
    page.wait_for_selector("#lagging-table")
    text = page.locator("#lagging-table").inner_text()
    assert "乙县第一支部" in text and "未开展集中学习" in text

    page.context.clear_cookies()
    browser_login(page, "a1_secretary")
    page.goto(f"{page.base}/campaigns/{campaign.pk}/weekly/")
    page.get_by_role("link", name="填报计划").click()
    page.get_by_label("第 1 项 事项").fill("组织集中学习")
    page.get_by_label("第 1 项 责任人").fill("张书记")
    page.get_by_label("第 1 项 完成日期").fill(today.isoformat())
    page.get_by_role("button", name="提交计划").click()
    page.wait_for_selector("#weekly-table")
    assert "已报" in page.locator("#weekly-table").inner_text()
