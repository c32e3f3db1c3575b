"""The rows each role gets from the list page and API, and the API's error answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification.models import ProblemStatus
from dangjian.rectification.tests.factories import make_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    t = sample_tree()
    t["p_a1"] = make_problem(t["branch_a1"])
    t["p_county_a"] = make_problem(t["county_a"], patron_leader="")
    t["p_b1"] = make_problem(t["branch_b1"], status=ProblemStatus.IN_PROGRESS)
    t["users"] = {
        "sysadmin": make_user(Role.SYSTEM_ADMIN, None, username="r_sys"),
        "admin": make_user(Role.ORG_ADMIN, t["county_a"], username="r_admin"),
        "secretary": make_user(Role.BRANCH_SECRETARY, t["branch_a1"], username="r_sec"),
        "supervisor": make_user(Role.SUPERVISOR, t["county_a"], username="r_sup"),
    }
    return t


EXPECTED = {
    "sysadmin": {"p_a1", "p_county_a", "p_b1"},
    "admin": {"p_a1", "p_county_a"},
    "secretary": {"p_a1"},
    "supervisor": {"p_a1", "p_county_a"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_list_rows_follow_the_scope(client, world, role):
    client.force_login(world["users"][role])
    ids = {world[k].pk: k for k in ("p_a1", "p_county_a", "p_b1")}
    body = client.get("/api/v1/problems").json()
    assert {ids[item["id"]] for item in body["items"]} == EXPECTED[role]
    assert body["count"] == len(EXPECTED[role])
    page = client.get(reverse("rectification:list"))
    shown = {ids[p.pk] for p in page.context["page"].object_list}
    assert shown == EXPECTED[role]


def test_county_without_patron_leader_is_listed(client, world):
    client.force_login(world["users"]["sysadmin"])
    rows = client.get(reverse("rectification:lists")).context["no_patron"]
    assert [(r["org"].name, r["count"]) for r in rows] == [("甲县委", 1)]


def test_filter_by_warning(client, world):
    client.force_login(world["users"]["sysadmin"])
    make_problem(
        world["branch_b1"], measures=[{"text": "认真整改", "owner": ""}], description="无人负责的措施"
    )
    body = client.get("/api/v1/problems?warning=no_owner_or_date").json()
    assert [i["description"] for i in body["items"]] == ["无人负责的措施"]


def test_create_errors_name_the_field_in_chinese(client, world):
    client.force_login(world["users"]["admin"])
    response = client.post(
        "/api/v1/problems",
        {
            "org_id": world["branch_a1"].pk,
            "source": "self",
            "description": "问题",
            "deadline_type": "deadline",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "due_on"], "msg": "限期整改的问题必须填写整改时限（日期）", "type": "value_error"}
    ]


def test_page_form_error_is_shown_and_nothing_saved(client, world):
    client.force_login(world["users"]["secretary"])
    from dangjian.rectification.models import Problem

    before = Problem.objects.count()
    response = client.post(
        reverse("rectification:create"),
        {"org": world["branch_a1"].pk, "source": "self", "description": "问题", "deadline_type": "deadline"},
    )
    assert response.status_code == 400
    assert "限期整改的问题必须填写整改时限（日期）" in response.content.decode()
    assert Problem.objects.count() == before


def test_org_filter_takes_the_subtree(client, world):
    client.force_login(world["users"]["sysadmin"])
    body = client.get(f"/api/v1/problems?org={world['county_a'].pk}").json()
    assert {i["id"] for i in body["items"]} == {world["p_a1"].pk, world["p_county_a"].pk}
    client.force_login(world["users"]["secretary"])
    response = client.get(f"/api/v1/problems?org={world['county_b'].pk}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "org：组织不存在，或您无权查看"


def test_life_meeting_lists_the_problems_it_found(client, world):
    import datetime as dt

    from django.utils import timezone

    from dangjian.activities.models import Activity, ActivityKindEntry

    org = world["branch_a1"]
    starts = timezone.now() - dt.timedelta(days=2)
    meeting = Activity.objects.create(
        org=org, org_path=org.path, topic="组织生活会", starts_at=starts, held_on=starts.date()
    )
    ActivityKindEntry.objects.create(
        activity=meeting, kind="org_life_meeting", org=org, org_path=org.path, held_on=starts.date()
    )
    found = make_problem(org, activity=meeting, source="life_meeting", description="会上查摆的问题")
    client.force_login(world["users"]["secretary"])
    html = client.get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert f"?activity={meeting.pk}" in html
    listed = client.get(reverse("rectification:list") + f"?activity={meeting.pk}").context["page"].object_list
    assert list(listed) == [found]
    form = client.get(reverse("rectification:create") + f"?activity={meeting.pk}").context["form"]
    assert form.initial["activity"] == meeting.pk and form.initial["source"] == "life_meeting"
