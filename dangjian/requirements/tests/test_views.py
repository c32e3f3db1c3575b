from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.orgs.choices import PositionTitle
from dangjian.orgs.models import Position
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements import engine
from dangjian.requirements.engine import span_of

from .factories import last_period, load_shipped, record


@pytest.fixture
def data(tree):
    load_shipped()
    members = [make_member(tree["branch_a1"], recount=False) for _ in range(7)]
    make_member(tree["branch_b1"], recount=False)
    org_recount()
    for m, title in zip(
        members, (PositionTitle.SECRETARY, PositionTitle.ORGANIZATION, PositionTitle.PROPAGANDA), strict=False
    ):
        Position.objects.create(
            member=m,
            org=tree["branch_a1"],
            org_path=tree["branch_a1"].path,
            title=title,
            started_on=dt.date(2000, 1, 1),
        )
    month = last_period("month")
    record(tree["branch_a1"], month.start, K.THEME_DAY, notify=False)
    record(tree["branch_a1"], month.start, K.COMMITTEE_MEETING, present=members, notify=False)
    engine.recompute_all()
    users = {
        "admin": make_user(Role.ORG_ADMIN, tree["county_a"]),
        "city": make_user(Role.ORG_ADMIN, tree["city"]),
        "secretary": make_user(Role.BRANCH_SECRETARY, tree["branch_a1"]),
        "member": make_user(Role.MEMBER, tree["branch_a1"]),
        "supervisor": make_user(Role.SUPERVISOR, tree["branch_b1"], include_descendants=False),
    }
    return {"month": month, "users": users, "members": members, **tree}


def test_dashboard_figures_depth_table_and_links(client, data):
    client.force_login(data["users"]["city"])
    month = data["month"]
    response = client.get(reverse("compliance:dashboard"), {"period": month.key})
    assert response.status_code == 200
    html = response.content.decode()
    assert data["city"].name in html and month.label in html
    dash = response.context["data"]
    theme = next(r for r in dash["rows"] if r["rule"].code == "JY-THEME-DAY")
    assert (theme["tally"].applicable, theme["tally"].met, theme["tally"].rate) == (2, 1, 50.0)
    committee = next(r for r in dash["rows"] if r["rule"].code == "ZB-COMMITTEE-MEETING")
    assert committee["tally"].applicable == 1 and committee["tally"].met == 1
    assert f"/activities/?org={data['city'].pk}&amp;date_from={month.start}" in html
    assert 'id="depth-data"' in html and 'data-chart="depth"' in html
    assert "<script>" not in html  # CSP: data only, no inline code
    labels = [d["label"] for d in dash["depths"]]
    # 市委 itself (党委（党组）书记讲党课), 乙县第一支部 two levels down, 甲县第一支部 three, its 党小组 four.
    assert labels == ["本级", "下一级", "下二级", "下三级", "下四级"]
    assert all(d["tally"].applicable for d in dash["depths"])


def test_dashboard_scope_and_bad_period(client, data):
    client.force_login(data["users"]["admin"])
    response = client.get(reverse("compliance:dashboard"))
    assert response.context["org"] == data["county_a"]
    theme = next(r for r in response.context["data"]["rows"] if r["rule"].code == "JY-THEME-DAY")
    assert theme["tally"].applicable == 1  # 乙县 is outside
    response = client.get(reverse("compliance:dashboard"), {"period": "2024-13"})
    assert "期间格式不正确" in response.content.decode()
    assert client.get(reverse("compliance:dashboard"), {"org": data["branch_b1"].pk}).status_code == 404
    assert client.get(reverse("compliance:dashboard"), {"org": "abc"}).status_code == 404


def test_member_gets_403(client, data):
    client.force_login(data["users"]["member"])
    assert client.get(reverse("compliance:dashboard")).status_code == 403
    assert client.get(reverse("compliance:todo")).status_code == 403


def test_lagging_lists_reasons_within_scope(client, data):
    month = data["month"]
    client.force_login(data["users"]["city"])
    response = client.get(reverse("compliance:lagging"), {"period": month.key, "requirement": "JY-THEME-DAY"})
    html = response.content.decode()
    assert data["branch_b1"].name in html
    assert f"{month.label} 未开展主题党日（要求 1 次）" in html
    assert data["branch_a1"].name not in html
    client.force_login(data["users"]["admin"])
    response = client.get(reverse("compliance:lagging"), {"period": month.key})
    assert data["branch_b1"].name not in response.content.decode()
    assert client.get(reverse("compliance:lagging"), {"requirement": "NOPE"}).status_code == 404


def test_drill_by_child(client, data):
    client.force_login(data["users"]["city"])
    response = client.get(reverse("compliance:drill"), {"org": data["city"].pk, "period": data["month"].key})
    names = [row.org.name for row in response.context["data"]["rows"]]
    assert names == ["甲县委", "乙县委"]
    client.force_login(data["users"]["supervisor"])  # grant on 乙县第一支部 only, no subtree
    response = client.get(reverse("compliance:drill"), {"org": data["branch_b1"].pk})
    assert response.status_code == 200 and response.context["data"]["rows"] == []


def test_drill_table_shows_new_figures_and_renamed_orgs_at_once(client, data):
    """The drill-down table is cached under all it shows: a recomputed figure or a renamed org
    is a new table, never the cached one."""
    client.force_login(data["users"]["city"])
    params = {"org": data["city"].pk, "period": data["month"].key}

    def theme_cell(html: str, org_name: str) -> str:
        row = html.split(f">{org_name}</a>", 1)[1].split("</tr>", 1)[0]
        return row.split('data-label="主题党日"', 1)[1].split("</td>", 1)[0]

    before = theme_cell(client.get(reverse("compliance:drill"), params).content.decode(), "乙县委")
    assert "0/" in before  # nothing held in 乙县 yet
    record(data["branch_b1"], data["month"].start, K.THEME_DAY, notify=False)
    engine.recompute_all()
    html = client.get(reverse("compliance:drill"), params).content.decode()
    assert theme_cell(html, "乙县委") != before and "1/" in theme_cell(html, "乙县委")
    data["county_b"].name = "乙县委（新）"
    data["county_b"].save(update_fields=["name"])
    assert ">乙县委（新）</a>" in client.get(reverse("compliance:drill"), params).content.decode()


def test_todo_lists_current_period_and_clears_when_held(client, data):
    branch = data["branch_a1"]
    client.force_login(data["users"]["secretary"])
    response = client.get(reverse("compliance:todo"))
    assert response.context["org"] == branch
    texts = [i["text"] for i in response.context["items"]]
    assert "支部委员会会议 本月尚未召开" in texts
    assert "党课 本季度尚未开展" in texts
    assert any(t.startswith(f"{data['group_a1'].name}：党小组会 本月尚未召开") for t in texts)
    record(branch, timezone.localdate(), K.COMMITTEE_MEETING, present=data["members"])
    texts = [i["text"] for i in client.get(reverse("compliance:todo")).context["items"]]
    assert "支部委员会会议 本月尚未召开" not in texts


def test_org_page_explains_each_period(client, data):
    client.force_login(data["users"]["secretary"])
    response = client.get(reverse("compliance:org", args=[data["branch_a1"].pk]))
    html = response.content.decode()
    assert f"{data['month'].label} 已开展主题党日 1 次，要求 1 次，已达标" in html
    assert client.get(reverse("compliance:org", args=[data["branch_b1"].pk])).status_code == 404


# ---------------------------------------------------------------- API


def test_api_rollup_results_and_lagging(client, data):
    month = data["month"]
    client.force_login(data["users"]["city"])
    body = client.get("/api/v1/compliance/rollup", {"period": month.key}).json()
    assert body["org_id"] == data["city"].pk and body["subtree"] is True
    theme = next(r for r in body["requirements"] if r["requirement"] == "JY-THEME-DAY")
    assert (theme["applicable"], theme["met"], theme["rate"], theme["periods"]) == (2, 1, 50.0, [month.key])
    assert [d["rel_depth"] for d in body["depths"]] == [0, 1, 2, 3, 4]
    lag = client.get(
        "/api/v1/compliance/lagging", {"period": month.key, "requirement": "JY-THEME-DAY"}
    ).json()
    assert lag["count"] == 1 and lag["items"][0]["org_id"] == data["branch_b1"].pk
    assert "未开展主题党日" in lag["items"][0]["explanation"]
    res = client.get(
        "/api/v1/compliance/results",
        {"org_id": data["branch_a1"].pk, "period": month.key, "requirement": "JY-THEME-DAY", "limit": 5},
    ).json()
    assert (
        res["count"] == 1 and res["items"][0]["status"] == "met" and len(res["items"][0]["record_ids"]) == 1
    )


def test_api_scope_and_bad_input(client, data):
    client.force_login(data["users"]["admin"])
    res = client.get("/api/v1/compliance/results", {"period": data["month"].key}).json()
    assert res["count"] and all(i["org_id"] != data["branch_b1"].pk for i in res["items"])
    bad = client.get("/api/v1/compliance/rollup", {"period": "2024Q5"})
    assert bad.status_code == 422 and "期间格式不正确" in bad.json()["detail"][0]["msg"]
    bad = client.get("/api/v1/compliance/results", {"status": "done"})
    assert bad.status_code == 422
    bad = client.get("/api/v1/compliance/results", {"limit": 0})
    assert bad.status_code == 422
    missing = client.get("/api/v1/compliance/rollup", {"org_id": data["branch_b1"].pk})
    assert missing.status_code == 404 and missing.json()["detail"]
    client.force_login(data["users"]["member"])
    denied = client.get("/api/v1/compliance/rollup")
    assert denied.status_code == 403 and denied.json()["detail"] == "您无权查看达标情况"
    client.logout()
    assert client.get("/api/v1/compliance/rollup").status_code == 401


def test_future_window_is_empty_not_an_error(client, data):
    client.force_login(data["users"]["city"])
    future = span_of("year", timezone.localdate() + dt.timedelta(days=400)).key
    body = client.get("/api/v1/compliance/rollup", {"period": future}).json()
    assert body["requirements"] == [] and body["total"]["applicable"] == 0


def test_records_link_of_a_rule_counts_every_kind_it_counts(client, data):
    """ZB-PARTY-LECTURE counts 党课 and 专题党课: its link must list the records of both."""
    from dangjian.requirements import selectors
    from dangjian.requirements.models import Requirement

    quarter = last_period("quarter")
    record(data["branch_a1"], quarter.start, K.PARTY_LECTURE, notify=False)
    record(data["branch_a1"], quarter.start + dt.timedelta(days=1), K.SPECIAL_LECTURE, notify=False)
    rule = engine.Rule.of(Requirement.objects.get(code="ZB-PARTY-LECTURE"))
    url = selectors.records_url(org=data["county_a"], rule=rule, start=quarter.start, end=quarter.end)
    assert "kind=party_lecture&kind=special_lecture" in url
    client.force_login(data["users"]["admin"])
    assert "共 2 条" in client.get(url).content.decode()


def test_home_lists_the_open_items_of_the_users_own_org(client, data):
    client.force_login(data["users"]["secretary"])
    html = client.get("/").content.decode()
    assert 'id="home-todo"' in html and "本期待办 · 甲县第一支部" in html
    from dangjian.requirements import selectors

    items = selectors.todo(user=data["users"]["secretary"], org=data["branch_a1"])
    assert items and items[0]["text"] in html
    client.force_login(data["users"]["member"])  # 党员 do not see compliance
    assert 'id="home-todo"' not in client.get("/").content.decode()
