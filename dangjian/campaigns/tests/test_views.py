"""Campaign pages: start, dashboard (its figures are the API's), lagging list, to-do."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns.models import Campaign
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements.tests.factories import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree):
    today = timezone.localdate()
    make_member(tree["branch_a1"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaign = campaign_start(
            template="xjp-thought-2023",
            root=tree["county_a"],
            batches=[BatchDates("第二批", today - dt.timedelta(days=70), today + dt.timedelta(days=50))],
        )
    record(tree["branch_a1"], today, K.GROUP_STUDY)
    return campaign


def test_start_page_starts_a_campaign(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    assert "甲县委" in client.get(reverse("campaigns:start")).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        resp = client.post(
            reverse("campaigns:start"),
            {"template": "xjp-thought-2023", "root": tree["county_a"].pk, "batch": "第二批",
             "starts_on": "2023-09-01", "ends_on": "2024-01-31"},
        )  # fmt: skip
    campaign = Campaign.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("campaigns:dashboard", args=[campaign.pk])
    assert campaign.root == tree["county_a"]


def test_start_page_bad_input_saves_nothing(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    resp = client.post(
        reverse("campaigns:start"),
        {"template": "xjp-thought-2023", "root": tree["county_a"].pk, "batch": "第二批",
         "starts_on": "2023-09-01", "ends_on": "2023-10-31"},
    )  # fmt: skip
    assert resp.status_code == 200
    assert "截止日期 2023-11-30 不在批次 第二批" in resp.content.decode()
    assert not Campaign.objects.exists()
    # An org outside the office's scope: 404, nothing saved.
    resp = client.post(
        reverse("campaigns:start"), {"template": "xjp-thought-2023", "root": tree["county_b"].pk}
    )
    assert resp.status_code == 404
    assert not Campaign.objects.exists()


def _cell(html: str, table: str, row: str) -> list[str]:
    section = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    tr = next(t for t in section.split("<tr>") if row in t)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]


def test_dashboard_figures_equal_the_api(client, tree, running):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    on = timezone.localdate().isoformat()
    html = client.get(
        reverse("campaigns:dashboard", args=[running.pk]) + f"?org={tree['county_a'].pk}&on={on}"
    ).content.decode()
    api = client.get(f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['county_a'].pk}&on={on}").json()
    study = next(a for a in api["actions"] if a["code"] == "GROUP-STUDY")
    cells = _cell(html, "actions-table", "集中学习")
    assert cells[3:8] == [
        str(study["applicable"]),
        str(study["met"]),
        str(study["not_met"]),
        "0",
        f"{study['rate']:.1f}%",
    ]
    assert f"完成率 {api['overall']['rate']:.1f}%" in re.sub(r"<[^>]+>", "", html).replace("\n", " ")
    assert study["not_met"] >= 1  # the batch began in an earlier month with no 集中学习


def test_lagging_lists_the_units_behind_a_figure(client, tree, running):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    action = running.actions.get(code="GROUP-STUDY")
    html = client.get(
        reverse("campaigns:lagging", args=[running.pk]) + f"?org={tree['county_a'].pk}&action={action.pk}"
    ).content.decode()
    assert "甲县第一支部" in html and "未开展集中学习" in html
    assert "乙县第一支部" not in html


def test_todo_lists_open_items_with_deadlines(client, tree, running):
    client.force_login(make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="s1"))
    html = client.get(reverse("campaigns:todo", args=[running.pk])).content.decode()
    assert "党组织书记讲专题党课" in html
    assert (timezone.localdate() + dt.timedelta(days=50)).isoformat() in html
    assert "集中学习" not in html.split('id="todo-table"')[1]  # met this month


def test_dashboard_bad_date_falls_back_to_today(client, tree, running):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a1"))
    html = client.get(reverse("campaigns:dashboard", args=[running.pk]) + "?on=2023-02-30").content.decode()
    assert "日期 2023-02-30 无效" in html
