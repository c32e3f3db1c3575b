"""To-do items can be acted on: 去记录 opens the activity form filled in, and a per-member item
opens the names of the members still to attend."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements import engine
from dangjian.requirements.models import ComplianceResult

from .factories import load_shipped, record


@pytest.fixture
def data(tree):
    load_shipped()
    a1 = tree["branch_a1"]
    members = [make_member(a1, name=n, recount=False) for n in ("甲一", "乙二", "丙三", "丁四")]
    make_member(tree["branch_b1"], name="外支部", recount=False)
    org_recount()
    record(
        a1, timezone.localdate(), K.ORG_LIFE_MEETING, present=members[:1], absent=members[1:2], notify=False
    )
    engine.recompute_all()
    return {**tree, "members": members}


def _links(html: str, attr: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'href="([^"]+)" {attr}', html)]


def test_todo_items_open_the_activity_form_with_kind_and_org(client, data):
    a1 = data["branch_a1"]
    client.force_login(make_user(Role.BRANCH_SECRETARY, a1))
    html = client.get(f"/compliance/todo/?org={a1.pk}").content.decode()
    links = _links(html, "data-todo-record")
    assert f"/activities/new/?org={a1.pk}&kind=theme_day" in links
    # A 党小组会 is recorded on the 党小组 itself.
    assert f"/activities/new/?org={data['group_a1'].pk}&kind=group_meeting" in links
    form = client.get(f"/activities/new/?org={a1.pk}&kind=theme_day&kind=no_such").content.decode()
    assert re.search(r'value="theme_day" id="kind-theme_day" autocomplete="off" checked', form)
    assert not re.search(r'value="party_lecture" id="kind-party_lecture" autocomplete="off" checked', form)
    # The home page's to-do list has the same links.
    assert f"/activities/new/?org={a1.pk}&kind=general_meeting" in _links(
        client.get("/").content.decode(), "data-todo-record"
    )


def test_a_supervisor_gets_no_record_link(client, data):
    client.force_login(make_user(Role.SUPERVISOR, data["county_a"]))
    html = client.get(f"/compliance/todo/?org={data['branch_a1'].pk}").content.decode()
    assert "本期" in html and "data-todo-record" not in html


def test_members_still_to_attend_are_listed_by_name(client, data):
    a1 = data["branch_a1"]
    client.force_login(make_user(Role.BRANCH_SECRETARY, a1))
    html = client.get(f"/compliance/todo/?org={a1.pk}").content.decode()
    assert "还有 3 名党员尚未参加" in html
    # 组织生活会 and 谈心谈话 are both judged per member; follow the 组织生活会 item's link.
    result = ComplianceResult.objects.get(
        org=a1, requirement__code="JY-ORG-LIFE-EACH-MEMBER", period_end__gte=timezone.localdate()
    )
    links = _links(html, "data-todo-missing")
    (url,) = [link for link in links if f"/results/{result.pk}/" in link]
    page = client.get(url).content.decode()
    names = re.findall(r"data-missing-member>([^<]+)<", page)
    assert names == sorted(["乙二", "丙三", "丁四"])  # 甲一 attended; 外支部 is another branch's


def test_missing_names_are_scoped(client, data):
    result = ComplianceResult.objects.get(
        org=data["branch_b1"],
        requirement__code="JY-ORG-LIFE-EACH-MEMBER",
        period_end__gte=timezone.localdate(),
    )
    client.force_login(make_user(Role.BRANCH_SECRETARY, data["branch_a1"]))
    assert client.get(f"/compliance/results/{result.pk}/missing/").status_code == 404
    assert client.get("/compliance/results/99999999999999999999/missing/").status_code == 404
