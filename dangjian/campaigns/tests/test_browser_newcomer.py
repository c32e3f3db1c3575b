"""A newcomer's path through a campaign, in a browser: the city office starts the 2023 campaign
from the page and names a weekly unit; two branch secretaries record activities; a county
files its weekly plan and closes it; the city above reads the 调度表; the office downloads the
通报, whose numbers are the dashboard's."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from docx import Document

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns.models import Campaign
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import make_member, make_org, sample_tree
from dangjian.requirements.tests.factories import record


def _record(page, kind: str, topic: str) -> None:
    page.goto(f"{page.base}/activities/new/?kind={kind}")
    page.fill("#id_topic", topic)
    page.click("#activity-submit")
    page.wait_for_url(re.compile(r"/activities/\d+/$"))


def _cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_newcomer_runs_a_campaign_and_its_bulletin_matches_the_dashboard(page):
    tree = sample_tree()  # demo-like: a city, two counties, their branches, members, past records
    today = timezone.localdate()
    second = make_org(tree["general"], name="甲县第二支部")
    for org in (tree["branch_a1"], second, tree["branch_b1"]):
        for _ in range(3):
            make_member(org)
    day = today - dt.timedelta(days=70)
    while day < today:  # 乙县第一支部 studies every month; 甲县第二支部 never
        record(tree["branch_b1"], day, K.GROUP_STUDY)
        day += dt.timedelta(days=28)
    make_user(Role.ORG_ADMIN, tree["city"], username="city_office")
    make_user(Role.ORG_ADMIN, tree["county_a"], username="county_office")
    make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="a1_secretary")
    make_user(Role.BRANCH_SECRETARY, tree["branch_b1"], username="b1_secretary")

    # The office starts the 2023 campaign from the page, its 第二批 around today.
    browser_login(page, "city_office")
    page.goto(page.base + "/campaigns/")
    page.get_by_role("link", name="启动主题教育").click()
    page.select_option("#id_template", "xjp-thought-2023")
    page.select_option("#id_root", str(tree["city"].pk))
    page.fill("#id_batch", "第二批")
    page.fill("#id_starts_on", (today - dt.timedelta(days=70)).isoformat())
    page.fill("#id_ends_on", (today + dt.timedelta(days=50)).isoformat())
    page.get_by_role("button", name="启动").click()
    page.wait_for_selector("#actions-table")
    campaign = Campaign.objects.get()
    # It names 甲县委 to file weekly plans.
    page.goto(f"{page.base}/campaigns/{campaign.pk}/weekly/units/")
    page.get_by_label("甲县委").check()
    page.get_by_role("button", name="保存名单").click()
    page.wait_for_selector("#weekly-table")

    # Two branch secretaries record a 集中学习 each.
    for username, topic in (("a1_secretary", "学习党章和二十大报告"), ("b1_secretary", "学习《专题摘编》")):
        page.context.clear_cookies()
        browser_login(page, username)
        _record(page, K.GROUP_STUDY, topic)

    # 甲县委's office files its plan for the week and closes it at the week's end.
    page.context.clear_cookies()
    browser_login(page, "county_office")
    page.goto(f"{page.base}/campaigns/{campaign.pk}/weekly/")
    page.get_by_role("link", name="填报计划").click()
    page.get_by_label("第 1 项 事项").fill("组织党员集中学习党章")
    page.get_by_label("第 1 项 责任人").fill("张书记")
    page.get_by_label("第 1 项 完成日期").fill(today.isoformat())
    page.get_by_role("button", name="提交计划").click()
    page.wait_for_selector("#weekly-table")
    page.get_by_role("link", name="调度").click()
    page.locator("#close-form input[value='1']").first.check()
    page.get_by_role("button", name="完成调度").click()
    page.wait_for_selector("#weekly-table")

    # The city above reads the 调度表: its unit filed and finished.
    page.context.clear_cookies()
    browser_login(page, "city_office")
    page.goto(f"{page.base}/campaigns/{campaign.pk}/weekly/")
    summary = page.locator("#weekly-summary").inner_text()
    assert "已报计划 1" in summary and "已调度且全部完成 1" in summary
    assert _cells(page.locator("#weekly-table tr", has_text="甲县委"))[1] == "已调度"

    # The office reads the dashboard and downloads the 通报: the same numbers.
    page.goto(f"{page.base}/campaigns/{campaign.pk}/")
    overall = page.locator("#overall")
    met = overall.locator("[data-met]").inner_text()
    not_met = overall.locator("[data-not-met]").inner_text()
    not_due = overall.locator("[data-not-due]").inner_text()
    rate = overall.locator("[data-rate]").inner_text()
    assert rate.endswith("%") and int(met) >= 2
    actions = {
        cells[0]: cells[3:8] for cells in (_cells(r) for r in page.locator("#actions-table tbody tr").all())
    }
    units = {
        cells[0]: cells[1:5] for cells in (_cells(r) for r in page.locator("#units-table tbody tr").all())
    }
    with page.expect_download() as download:
        page.get_by_role("link", name="下载通报").click()
    doc = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    body = "\n".join(p.text for p in doc.paragraphs)
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert f"已完成 {met} 项次，未完成 {not_met} 项次，未到期 {not_due} 项次，完成率 {rate}。" in body
    for row in rows[1:]:
        assert row[2:] == actions[row[0]], row[0]
    good = body.split("二、好的做法")[1].split("三、存在的问题")[0]
    for name, (u_met, u_not_met, _u_not_due, u_rate) in units.items():
        if f"{name}完成率" in good:
            assert f"{name}完成率 {u_rate}（完成 {u_met} 项次，未完成 {u_not_met} 项次）" in good
    assert good.strip().startswith("乙县委完成率")  # the county that studied every month leads
    assert "甲县第二支部" in body.split("三、存在的问题")[1]  # named among the lagging units
