"""宣传报道: recorded by a unit inside the campaign, listed and counted by media level in scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.campaigns.models import Publicity
from dangjian.campaigns.publicity import publicity_counts, publicity_create, publicity_list
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree):
    today = timezone.localdate()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return campaign_start(
            template="xjp-thought-2023",
            root=tree["city"],
            batches=[BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))],
        )


def add(campaign, org, level, title="报道", days=0, link="https://news.example.com/1"):
    return publicity_create(
        campaign=campaign,
        org=org,
        actor=None,
        media="新华社",
        level=level,
        title=title,
        published_on=timezone.localdate() - dt.timedelta(days=days),
        link=link,
    )


def test_counts_by_level_follow_the_subtree_and_scope(tree, running):
    add(running, tree["county_a"], "central")
    add(running, tree["branch_a1"], "province")
    add(running, tree["branch_a1"], "county", link="")
    add(running, tree["branch_b1"], "central")
    city = make_user(Role.SUPERVISOR, tree["city"], username="c")
    assert publicity_counts(user=city, campaign=running, org=tree["city"]) == {
        "central": 2,
        "province": 1,
        "city": 0,
        "county": 1,
        "central_province": 3,
        "total": 4,
    }
    county_admin = make_user(Role.ORG_ADMIN, tree["county_a"], username="a")
    counts = publicity_counts(user=county_admin, campaign=running, org=tree["county_a"])
    assert (counts["central_province"], counts["total"]) == (2, 3)
    # A 支部书记 reads only the branch's own rows.
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="s")
    rows = publicity_list(user=secretary, campaign=running, org=tree["branch_a1"])
    assert sorted(p.level for p in rows) == ["county", "province"]
    # Counted up to a day: yesterday's list has none of today's.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert publicity_counts(user=city, campaign=running, org=tree["city"], on=yesterday)["total"] == 0
    assert AuditEvent.objects.filter(verb="campaign.publicity_create").count() == 4


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"published_on": "2019-01-01"}, "published_on", "刊发日期 2019-01-01 不在主题教育期间"),
        ({"link": "javascript:alert(1)"}, "link", "链接应为以 http:// 或 https:// 开头的网址"),
        ({"link": "ftp://example.com/a"}, "link", "链接应为以 http:// 或 https:// 开头的网址"),
        ({"link": "https://"}, "link", "链接应为以 http:// 或 https:// 开头的网址"),
        ({"level": "world"}, "level", "请选择媒体级别"),
        ({"media": " "}, "media", "请填写媒体名称"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(tree, running, change, field, text):
    data = {
        "media": "吉林日报",
        "level": "province",
        "title": "专题报道",
        "published_on": timezone.localdate(),
        "link": "https://example.com/a",
    } | change
    with pytest.raises(ValidationError) as info:
        publicity_create(campaign=running, org=tree["branch_a1"], actor=None, **data)
    assert text in info.value.message_dict[field][0]
    assert not Publicity.objects.exists()


def test_pages_and_api(client, tree, running):
    add(running, tree["branch_a1"], "central", title="甲县第一支部学习见行动")
    add(running, tree["branch_b1"], "central", title="乙县的报道")
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="s")
    client.force_login(secretary)
    url = reverse("campaigns:publicity_new", args=[running.pk]) + f"?org={tree['branch_a1'].pk}"
    bad = {
        "org": tree["branch_a1"].pk,
        "media": "吉林日报",
        "level": "province",
        "title": "新报道",
        "published_on": "2001-07-01",
        "link": "https://example.com/b",
    }
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "不在主题教育期间" in response.content.decode()
    # For an org outside the user's scope: refused on the form, nothing saved.
    response = client.post(
        url, bad | {"org": tree["branch_b1"].pk, "published_on": str(timezone.localdate())}
    )
    assert response.status_code == 400
    assert Publicity.objects.count() == 2
    response = client.post(url, bad | {"published_on": str(timezone.localdate())})
    assert response.status_code == 302
    page = client.get(reverse("campaigns:publicity", args=[running.pk]) + f"?org={tree['branch_a1'].pk}")
    text = page.content.decode()
    assert "甲县第一支部学习见行动" in text and "乙县的报道" not in text
    assert "中央、省级媒体宣传报道 <strong data-central-province>2</strong>" in text
    body = client.get(
        f"/api/v1/campaigns/{running.pk}/publicity?org_id={tree['branch_a1'].pk}&level=central"
    ).json()
    assert body["count"] == 1 and body["items"][0]["title"] == "甲县第一支部学习见行动"
    assert body["by_level"]["central_province"] == 2


def test_the_dashboard_shows_the_count(client, tree, running):
    add(running, tree["county_a"], "central")
    add(running, tree["county_a"], "city")
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], username="c"))
    page = client.get(reverse("campaigns:dashboard", args=[running.pk]))
    assert "中央、省级媒体宣传报道" in page.content.decode()
    assert "<strong>1</strong> 条次" in page.content.decode()
    # The office of the lead org finds the batch edit there; a county's office does not.
    assert "调整第二批" in page.content.decode()
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a"))
    page = client.get(reverse("campaigns:dashboard", args=[running.pk]) + f"?org={tree['county_a'].pk}")
    assert "调整第二批" not in page.content.decode() and "流动党员和三新党员学习" in page.content.decode()
