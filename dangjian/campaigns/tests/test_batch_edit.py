"""The campaign office's batch edit: dates, orgs and deadlines, without code; bad input is
refused in Chinese with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.urls import reverse

from dangjian.accounts.tests.factories import make_user
from dangjian.campaigns.models import BatchRule
from dangjian.campaigns.services import CampaignError, batch_edit, campaign_start
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def campaign(tree):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return campaign_start(template="xjp-thought-2023", root=tree["city"])


def rule_deadline(batch, code):
    return BatchRule.objects.get(batch=batch, action__code=code).requirement.deadline


def test_a_deadline_set_for_the_batch_is_kept_and_judged(tree, campaign):
    batch = campaign.batches.get(name="第二批")
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_edit(
            batch=batch,
            starts_on=batch.starts_on,
            ends_on=batch.ends_on,
            orgs=[tree["city"]],
            deadlines={"READING-CLASS": D(2023, 12, 15)},
        )
    batch.refresh_from_db()
    assert batch.deadlines == {"READING-CLASS": "2023-12-15"}
    assert rule_deadline(batch, "READING-CLASS") == D(2023, 12, 15)
    # Cleared: back to the template's day.
    batch_edit(
        batch=batch, starts_on=batch.starts_on, ends_on=batch.ends_on, orgs=[tree["city"]], deadlines={}
    )
    assert rule_deadline(batch, "READING-CLASS") == D(2023, 11, 30)


def test_a_deadline_outside_the_batch_saves_nothing(tree, campaign):
    batch = campaign.batches.get(name="第二批")
    with pytest.raises(CampaignError) as info:
        batch_edit(
            batch=batch,
            starts_on=D(2023, 9, 1),
            ends_on=D(2023, 12, 31),
            orgs=[tree["county_a"]],
            deadlines={"READING-CLASS": D(2024, 3, 1)},
        )
    assert info.value.messages == [
        "规定动作 READING-CLASS（读书班）的截止日期 2024-03-01 不在批次 第二批（2023-09-01 至 2023-12-31）之内，即不在主题教育期间"
    ]
    batch.refresh_from_db()
    assert (batch.ends_on, batch.deadlines, [o.pk for o in batch.orgs.all()]) == (
        D(2024, 1, 31),
        {},
        [tree["city"].pk],
    )


def test_a_template_deadline_falling_outside_a_shortened_batch_asks_for_a_day(tree, campaign):
    batch = campaign.batches.get(name="第二批")
    with pytest.raises(CampaignError) as info:
        batch_edit(
            batch=batch, starts_on=D(2023, 9, 1), ends_on=D(2023, 11, 1), orgs=[tree["city"]], deadlines={}
        )
    assert any("READING-CLASS" in m and "请填写本批次的截止日期" in m for m in info.value.messages)
    batch_edit(
        batch=batch,
        starts_on=D(2023, 9, 1),
        ends_on=D(2023, 11, 1),
        orgs=[tree["city"]],
        deadlines={"READING-CLASS": D(2023, 10, 31), "RESEARCH-EXCHANGE": D(2023, 10, 31)},
    )
    assert rule_deadline(batch, "READING-CLASS") == D(2023, 10, 31)


def test_overlapping_batches_for_the_same_org_save_nothing(tree, campaign):
    first = campaign.batches.get(name="第一批")
    with pytest.raises(CampaignError) as info:
        batch_edit(
            batch=first,
            starts_on=D(2023, 4, 1),
            ends_on=D(2023, 9, 30),
            orgs=[tree["county_a"]],
            deadlines={},
        )
    assert "日期重叠，且都包含 甲县委" in info.value.messages[0]
    first.refresh_from_db()
    assert first.ends_on == D(2023, 8, 31)


def test_the_page(client, tree, campaign):
    batch = campaign.batches.get(name="第二批")
    url = reverse("campaigns:batch_edit", args=[campaign.pk, batch.pk])
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="sys"))
    page = client.get(url)
    assert page.status_code == 200 and "读书班" in page.content.decode()
    data = {
        "starts_on": "2023-09-01",
        "ends_on": "2024-01-31",
        "org": [tree["county_a"].pk],
        "deadline_READING-CLASS": "2024-06-01",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "截止日期 2024-06-01 不在批次 第二批" in response.content.decode()
    batch.refresh_from_db()
    assert [o.pk for o in batch.orgs.all()] == [tree["city"].pk]
    response = client.post(url, data | {"deadline_READING-CLASS": "2023-12-01"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert [o.pk for o in batch.orgs.all()] == [tree["county_a"].pk]
    assert batch.deadlines == {"READING-CLASS": "2023-12-01"}
    # The office of a county may not edit the city's campaign.
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="a"))
    assert client.get(url).status_code == 403
