"""The big compliance lists: the lagging list counted from the rollups and read requirement by
requirement, the result list paged by cursor with a capped count, and the queries each page
issues pinned (a count that grows with the rows is an N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleGrant
from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Org
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements import engine, selectors
from dangjian.requirements.models import ComplianceResult, Status

from .factories import last_period, load_shipped, record


@pytest.fixture
def data(tree):
    load_shipped()
    extra = [make_org(tree["county_b"], name=f"乙县第{n}支部", kind=OrgKind.BRANCH) for n in "二三四"]
    for org in (tree["branch_a1"], tree["branch_b1"], *extra):
        for _ in range(3):
            make_member(org, recount=False)
    org_recount()
    # 换届 overdue orgs: the 工作台 lists them.
    Org.objects.filter(pk__in=[tree["general"].pk, tree["branch_b1"].pk]).update(term_due=dt.date(2020, 1, 1))
    month = last_period("month")
    record(tree["branch_a1"], month.start, K.THEME_DAY, notify=False)
    engine.recompute_all()
    users = {
        "city": make_user(Role.ORG_ADMIN, tree["city"]),
        "county": make_user(Role.ORG_ADMIN, tree["county_b"]),
        "secretary": make_user(Role.BRANCH_SECRETARY, tree["branch_a1"]),
        "supervisor": make_user(Role.SUPERVISOR, tree["county_b"]),
    }
    # A 督导 over two disjoint subtrees: the result list reads them one after the other.
    RoleGrant.objects.create(user=users["supervisor"], role=Role.SUPERVISOR, org=tree["general"])
    return {"month": month, "users": users, "extra": extra, **tree}


def _ordered(qs):
    return list(
        qs.order_by("org_path", "requirement__order", "period_start", "pk").values_list("pk", flat=True)
    )


# ---------------------------------------------------------------- lagging


@pytest.mark.parametrize("kind", ["month", "quarter", "year"])
def test_lagging_count_is_the_dashboard_figure_and_slices_walk_every_row(data, kind):
    user, org = data["users"]["city"], data["city"]
    window = last_period(kind)
    rows = selectors.lagging(user=user, org=org, window=window)
    figures = selectors._window_rules(window, engine.today())
    wanted = [(f.rule.id, s.key) for f in figures for s in f.spans]
    expected = [
        r
        for r in ComplianceResult.objects.filter(org_path__startswith=org.path, status=Status.NOT_MET)
        .select_related("requirement")
        .order_by("requirement__order", "requirement__code", "org_path", "period_start", "pk")
        if (r.requirement_id, r.period_key) in wanted
    ]
    assert rows.count() == len(expected) > 3
    dash = selectors.dashboard(user=user, org=org, window=window)
    assert rows.count() == dash["overall"].not_met
    # Pages of 3 read across the requirement boundaries in the list's order.
    walked = []
    for start in range(0, rows.count(), 3):
        walked += rows[start : start + 3]
    assert [r.pk for r in walked] == [r.pk for r in expected]
    assert rows[len(expected) : len(expected) + 5] == []


def test_a_page_over_requirements_of_few_rows_is_read_at_once(data):
    user, org = data["users"]["city"], data["city"]
    rows = selectors.lagging(user=user, org=org, window=last_period("year"))
    assert len(rows.parts) > 1 and rows.count() <= rows.MERGE_ROWS
    one_by_one = []
    for rid, keys, n in rows.parts:
        one_by_one += [r.pk for r in rows._rows(Q(requirement_id=rid, period_key__in=keys))[:n]]
    with CaptureQueriesContext(connection) as ctx:
        listed = rows[1 : rows.count() - 1]
    assert len(ctx.captured_queries) == 2  # the rows, and their requirements
    assert [r.pk for r in listed] == one_by_one[1:-1]
    assert all(r.requirement.pk == r.requirement_id and r.org_name for r in listed)


def test_lagging_page_shows_a_renamed_org_at_once(client, data):
    client.force_login(data["users"]["city"])
    year = last_period("year").key
    first = client.get(reverse("compliance:lagging"), {"period": year}).context["rows"][0]
    Org.objects.filter(pk=first["org_id"]).update(name="改名后的支部")
    html = client.get(reverse("compliance:lagging"), {"period": year}).content.decode()
    assert ">改名后的支部</a>" in html and f">{first['org_name']}</a>" not in html


def test_lagging_of_an_org_without_subtree_grant_lists_its_own_rows(data):
    branch = data["branch_b1"]
    user = make_user(Role.SUPERVISOR, branch, include_descendants=False)
    window = last_period("year")
    rows = selectors.lagging(user=user, org=branch, window=window)
    listed = rows[0 : rows.count()]
    assert listed and {r.org_id for r in listed} == {branch.pk}


def test_lagging_page_shows_the_count_and_pages(client, data):
    client.force_login(data["users"]["city"])
    year = last_period("year").key
    response = client.get(reverse("compliance:lagging"), {"period": year})
    page = response.context["page"]
    assert f"共 {page.paginator.count} 条" in response.content.decode()
    if page.paginator.num_pages > 1:
        second = client.get(reverse("compliance:lagging"), {"period": year, "page": 2}).context["rows"]
        first_ids = {r["result"].pk for r in response.context["rows"]}
        assert second and not first_ids & {r["result"].pk for r in second}


# ---------------------------------------------------------------- result list


def _walk(client, params, limit=4):
    ids, cursor, counts = [], None, set()
    for _ in range(500):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/compliance/results", query).json()
        ids += [(i["org_id"], i["requirement"], i["period"]) for i in body["items"]]
        counts.add((body["count"], body["count_capped"]))
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, counts
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("who", ["city", "supervisor"])
def test_result_cursor_walks_every_visible_row_once_in_order(client, data, who):
    user = data["users"][who]
    client.force_login(user)
    window = last_period("quarter")
    ids, counts = _walk(client, {"period": window.key})
    visible = selectors.result_visible(user=user).filter(
        period_start__lte=window.end, period_end__gte=window.start
    )
    expected = [
        (r.org_id, r.requirement.code, r.period_key)
        for r in sorted(
            visible.select_related("requirement"),
            key=lambda r: (r.org_path, r.requirement.order, r.period_start, r.pk),
        )
    ]
    assert ids == expected and len(ids) > 8
    assert counts == {(len(expected), False)}
    if who == "supervisor":  # both subtrees, the general branch's first (its path sorts first)
        orgs = [o for o, _r, _p in ids]
        assert data["branch_a1"].pk in orgs and data["branch_b1"].pk in orgs
        assert orgs.index(data["branch_a1"].pk) < orgs.index(data["branch_b1"].pk)


def test_result_count_is_capped_and_offset_bounded(client, data, monkeypatch):
    monkeypatch.setattr(selectors, "RESULTS_COUNT_CAP", 5)
    client.force_login(data["users"]["city"])
    body = client.get("/api/v1/compliance/results", {"limit": 2}).json()
    assert (body["count"], body["count_capped"]) == (5, True) and body["next_cursor"]
    offset = client.get("/api/v1/compliance/results", {"limit": 2, "offset": 2}).json()
    assert [i["period"] for i in offset["items"]] == [
        i["period"] for i in client.get("/api/v1/compliance/results", {"limit": 4}).json()["items"][2:4]
    ]
    too_far = client.get("/api/v1/compliance/results", {"offset": 10_001})
    assert too_far.status_code == 422


@pytest.mark.parametrize("cursor", ["x", "0001~1~2026-01-01", "00-1~1~2026-01-01~3", "0001~1~2026-13-01~3"])
def test_result_bad_cursor_is_a_422_naming_it(client, data, cursor):
    client.force_login(data["users"]["city"])
    response = client.get("/api/v1/compliance/results", {"cursor": cursor})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["query", "cursor"] and "翻页参数不正确" in detail["msg"]


# ---------------------------------------------------------------- queries per page


def _queries(client, url: str, params: dict | None = None) -> int:
    assert client.get(url, params or {}).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


# Session, user and grants are 3 of each; the rest is the page's own reads. A number that grows
# with the rows (more orgs, more results) is an N+1; one that changes on purpose is updated here.
# The lagging list reads one query per requirement its page touches: pinned here for one.
ONE_RULE = {"period": "__year__", "requirement": "JY-THEME-DAY"}
PINNED = [
    ("/", {}, 6),
    ("/compliance/", {}, 6),
    ("/compliance/drill/", {}, 7),
    ("/compliance/lagging/", ONE_RULE, 9),
    # Every requirement, a handful of rows each: one read for all of them.
    ("/compliance/lagging/", {"period": "__year__"}, 8),
    ("/compliance/todo/", {}, 6),
    ("/api/v1/compliance/results", {}, 5),
    ("/api/v1/compliance/lagging", ONE_RULE, 9),
    ("/api/v1/compliance/rollup", {}, 6),
]


@pytest.mark.parametrize(("url", "params", "expected"), PINNED)
def test_page_queries_are_pinned_and_do_not_grow_with_rows(client, data, url, params, expected):
    params = {k: last_period("year").key if v == "__year__" else v for k, v in params.items()}
    client.force_login(data["users"]["city"])
    if "lagging" in url:  # the page has rows to show
        assert selectors.lagging(
            user=data["users"]["city"],
            org=data["city"],
            window=last_period("year"),
            requirement=selectors.access_requirement(code_or_id="JY-THEME-DAY"),
        ).count()
    assert _queries(client, url, params) == expected
    # Twice the orgs, each with its results and a to-do: the same number of queries.
    more = [make_org(data["county_b"], name=f"乙县新{n}支部", kind=OrgKind.BRANCH) for n in range(4)]
    for org in more:
        make_member(org, recount=False)
    Org.objects.filter(pk__in=[o.pk for o in more]).update(term_due=dt.date(2021, 1, 1))
    org_recount()
    engine.recompute_all()
    assert _queries(client, url, params) == expected


def test_home_lists_overdue_orgs_with_their_days(client, data):
    client.force_login(data["users"]["city"])
    html = client.get("/").content.decode()
    days = (timezone.localdate() - dt.date(2020, 1, 1)).days
    assert f"应于 2020-01-01 换届，已逾期 {days} 天" in html
    assert data["general"].name in html and data["branch_b1"].name in html
