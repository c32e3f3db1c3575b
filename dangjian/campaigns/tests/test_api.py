"""GET /api/v1/campaigns and /campaigns/{id}/progress: the contract, the figures, the scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.campaigns.services import BatchDates, campaign_start
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements.tests.factories import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tree):
    """The 2023 template's 第二批 under 甲县委, started 40 days ago; 甲县第一支部 held a
    集中学习 today. 乙县 is outside the campaign."""
    today = timezone.localdate()
    make_member(tree["branch_a1"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaign = campaign_start(
            template="xjp-thought-2023",
            root=tree["county_a"],
            batches=[BatchDates("第二批", today - dt.timedelta(days=40), today + dt.timedelta(days=80))],
        )
    record(tree["branch_a1"], today, K.GROUP_STUDY)
    return campaign


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_list_contract(client, tree, running):
    user = make_user(Role.ORG_ADMIN, tree["county_a"], username="a1")
    body = get(client, user, "/api/v1/campaigns").json()
    assert body == {
        "items": [
            {
                "id": running.pk,
                "name": "学习贯彻习近平新时代中国特色社会主义思想主题教育",
                "template": "xjp-thought-2023",
                "starts_on": running.starts_on.isoformat(),
                "ends_on": running.ends_on.isoformat(),
            }
        ],
        "count": 1,
    }


def test_list_is_scoped(client, tree, running):
    outside = make_user(Role.ORG_ADMIN, tree["county_b"], username="b1")
    assert get(client, outside, "/api/v1/campaigns").json() == {"items": [], "count": 0}
    # A city-level office sees the county's campaign (it lies inside its scope).
    city = make_user(Role.SUPERVISOR, tree["city"], username="c1")
    assert get(client, city, "/api/v1/campaigns").json()["count"] == 1
    member = make_user(Role.MEMBER, tree["branch_a1"], username="m1")
    assert get(client, member, "/api/v1/campaigns").status_code == 403


def test_progress_figures(client, tree, running):
    today = timezone.localdate()
    user = make_user(Role.ORG_ADMIN, tree["county_a"], username="a1")
    body = get(
        client, user, f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['county_a'].pk}&on={today}"
    ).json()
    assert (body["org_id"], body["on"]) == (tree["county_a"].pk, today.isoformat())
    actions = {a["code"]: a for a in body["actions"]}
    assert set(actions) == {
        "READING-CLASS", "CENTRAL-GROUP-STUDY", "LEADER-LECTURE", "SECRETARY-LECTURE", "GROUP-STUDY",
        "SEMINAR-EACH-MEMBER", "RESEARCH-TOPIC", "TYPICAL-CASES", "RESEARCH-EXCHANGE", "ORG-LIFE-MEETING",
    }  # fmt: skip
    study = actions["GROUP-STUDY"]
    # One branch under 甲县委: this month met, the earlier months of the batch not met.
    batch_start = today - dt.timedelta(days=40)
    months = today.year * 12 + today.month - (batch_start.year * 12 + batch_start.month) + 1
    assert study["applicable"] == months
    assert study["met"] == 1
    assert study["not_met"] == months - 1
    assert study["deadline"] is None
    assert actions["ORG-LIFE-MEETING"]["deadline"] == (today + dt.timedelta(days=80)).isoformat()
    total_met = sum(a["met"] for a in body["actions"])
    total_not_met = sum(a["not_met"] for a in body["actions"])
    total = sum(a["applicable"] for a in body["actions"])
    not_due = sum(a["not_due"] for a in body["actions"])
    assert not_due > 0  # the campaign's one-off actions are still open
    # 完成率 = 达标 ÷ (达标 + 未达标): 未到期 is shown apart, as on the compliance dashboards.
    assert body["overall"] == {
        "applicable": total,
        "judged": total_met + total_not_met,
        "met": total_met,
        "not_met": total_not_met,
        "not_due": not_due,
        "rate": round(100 * total_met / (total_met + total_not_met), 1),
    }
    for a in body["actions"]:
        judged = a["met"] + a["not_met"]
        assert a["judged"] == judged
        assert a["rate"] == (round(100 * a["met"] / judged, 1) if judged else None)
    assert [d["rel_depth"] for d in body["depths"]] == sorted(d["rel_depth"] for d in body["depths"])
    assert sum(d["applicable"] for d in body["depths"]) == total


def test_progress_on_an_earlier_day_turns_open_periods_not_due(client, tree, running):
    today = timezone.localdate()
    user = make_user(Role.ORG_ADMIN, tree["county_a"], username="a1")
    early = today - dt.timedelta(days=39)
    body = get(
        client, user, f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['county_a'].pk}&on={early}"
    ).json()
    assert all(a["not_met"] == 0 for a in body["actions"])


def test_progress_scope(client, tree, running):
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="s1")
    resp = get(client, secretary, f"/api/v1/campaigns/{running.pk}/progress")
    assert resp.status_code == 200
    assert resp.json()["org_id"] == tree["branch_a1"].pk  # the secretary's own org, not the county
    assert (
        get(
            client, secretary, f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['county_a'].pk}"
        ).status_code
        == 404
    )
    outside = make_user(Role.ORG_ADMIN, tree["county_b"], username="b1")
    assert get(client, outside, f"/api/v1/campaigns/{running.pk}/progress").status_code == 404
    admin = make_user(Role.SYSTEM_ADMIN, None, username="root")
    # An org outside the campaign's subtree: 404 even for the system administrator.
    assert (
        get(
            client, admin, f"/api/v1/campaigns/{running.pk}/progress?org_id={tree['branch_b1'].pk}"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("query", ["on=1900-01-01", "on=2023-02-30", "org_id=0"])
def test_bad_progress_input_is_422(client, tree, running, query):
    admin = make_user(Role.SYSTEM_ADMIN, None, username="root")
    assert get(client, admin, f"/api/v1/campaigns/{running.pk}/progress?{query}").status_code == 422
