"""The activity list's keyset pages: every row once, in order, both ways; counts stop at the cap;
the default window; the large-scope plan gives the same rows as the indexed one."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.activities import selectors
from dangjian.core.paging import BadCursor
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member

from .helpers import past, present_all, record


@pytest.fixture
def many(tree):
    """13 records over branch a1 and the 总支 above it with some sharing a start time (ties broken by id)."""
    rows = []
    for i in range(13):
        org = tree["branch_a1"] if i % 3 else tree["general"]
        rows.append(record(org, topic=f"记录{i:02d}", starts_at=past(days=1 + i // 2)))
    rows.append(record(tree["branch_b1"], topic="乙县记录", starts_at=past(days=2)))
    return rows


def walk(user, filters, size):
    pages, cursor = [], None
    while True:
        page = selectors.activity_page(user=user, filters=filters, cursor=cursor, size=size)
        pages.append(page)
        if not page.has_next:
            return pages
        cursor = page.next_cursor


def expected_order(rows):
    return [a.pk for a in sorted(rows, key=lambda a: (a.starts_at, a.pk), reverse=True)]


@pytest.mark.django_db
@pytest.mark.parametrize("large", [False, True])
def test_pages_cover_the_scope_once_in_order_both_ways(tree, many, monkeypatch, large):
    monkeypatch.setattr(selectors, "LARGE_SCOPE_ORGS", 0 if large else 10_000)
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    pages = walk(admin, {}, 4)
    seen = [a["pk"] for p in pages for a in p.object_list]
    assert seen == expected_order([a for a in many if a.topic != "乙县记录"])
    assert [len(p.object_list) for p in pages] == [4, 4, 4, 1]
    assert pages[0].is_first and not pages[0].has_previous and pages[-1].has_previous
    # Going back from the last page gives the third page again, and from there the second.
    back = selectors.activity_page(user=admin, filters={}, cursor=pages[-1].previous_cursor, size=4)
    assert [a["pk"] for a in back.object_list] == [a["pk"] for a in pages[2].object_list]
    back2 = selectors.activity_page(user=admin, filters={}, cursor=back.previous_cursor, size=4)
    assert [a["pk"] for a in back2.object_list] == [a["pk"] for a in pages[1].object_list]
    first = selectors.activity_page(user=admin, filters={}, cursor=back2.previous_cursor, size=4)
    assert [a["pk"] for a in first.object_list] == [a["pk"] for a in pages[0].object_list]
    assert first.is_first and not first.has_previous


@pytest.mark.django_db
def test_large_and_indexed_plans_agree_with_every_filter(tree, many, monkeypatch):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    filters = {"org": tree["branch_a1"], "kinds": ["theme_day"], "date_from": past(days=4).date()}
    results = []
    for threshold in (0, 10_000):
        monkeypatch.setattr(selectors, "LARGE_SCOPE_ORGS", threshold)
        assert selectors.scope_is_large(user=admin, filters=filters) is (threshold == 0)
        results.append([a["pk"] for p in walk(admin, filters, 3) for a in p.object_list])
    assert results[0] == results[1]
    assert results[0] == expected_order(
        [a for a in many if a.org_id == tree["branch_a1"].pk and a.held_on >= filters["date_from"]]
    )


@pytest.mark.django_db
def test_scope_size_is_read_once_per_scope(tree, django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    county = make_user(Role.ORG_ADMIN, tree["county_a"])
    branch = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    with django_assert_num_queries(2):  # the grants and the org count
        assert selectors.scope_is_large(user=county, filters={}) is False
    with django_assert_num_queries(0):
        assert selectors.scope_is_large(user=county, filters={}) is False
    # Another scope (another grant, or an org filter) is counted on its own.
    with django_assert_num_queries(2):
        selectors.scope_is_large(user=branch, filters={})
    with django_assert_num_queries(1):
        selectors.scope_is_large(user=county, filters={"org": tree["branch_a1"]})


@pytest.mark.django_db
def test_count_stops_at_the_cap(tree, many):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    page = selectors.activity_page(user=admin, filters={}, cursor=None, size=5, count_cap=10)
    assert (page.count, page.count_capped) == (10, True)
    page = selectors.activity_page(user=admin, filters={}, cursor=None, size=5, count_cap=13)
    assert (page.count, page.count_capped) == (13, False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "n~notadate~1",
        "n~1767229200000000~abc",
        "q~1767229200000000~1",
        "n~9999999999999999999~1",
        "p~-99999999999999999~1",
    ],
)
def test_bad_cursor_is_refused_in_chinese(tree, cursor):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    with pytest.raises(BadCursor, match="翻页参数不正确"):
        selectors.activity_page(user=admin, filters={}, cursor=cursor, size=5)


@pytest.mark.django_db
def test_member_pages_hold_only_what_they_attended(tree):
    me = make_member(tree["branch_a1"], recount=False)
    other = make_member(tree["branch_a1"], recount=False)
    mine = [record(tree["branch_a1"], topic=f"我{i}", attendance=present_all([me])) for i in range(3)]
    record(tree["branch_a1"], topic="别人", attendance=present_all([other]))
    member = make_user(Role.MEMBER, tree["branch_a1"], member=me)
    pages = walk(member, {}, 2)
    assert sorted(a["pk"] for p in pages for a in p.object_list) == sorted(a.pk for a in mine)


def test_recent_window_start_is_twelve_months_back():
    assert selectors.recent_window_start(dt.date(2026, 12, 3)) == dt.date(2025, 12, 4)
    assert selectors.recent_window_start(dt.date(2024, 2, 29)) == dt.date(2023, 3, 1)
    assert selectors.recent_window_start(dt.date(2026, 1, 31)) == dt.date(2025, 2, 1)


@pytest.mark.django_db
def test_list_page_defaults_to_the_last_twelve_months_and_says_so(client, tree):
    old = record(tree["branch_a1"], topic="两年前的会", starts_at=past(days=700))
    recent = record(tree["branch_a1"], topic="上周的会", starts_at=past(days=7))
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    body = client.get("/activities/").content.decode()
    assert recent.topic in body and old.topic not in body
    assert "默认显示最近 12 个月" in body
    assert "共 1 条" in body
    # The export link carries the window, so the ledger holds what the page lists.
    assert f"date_from={selectors.recent_window_start(past(0).date()).isoformat()}" in body
    year = old.held_on.year
    body = client.get(f"/activities/?period={year}").content.decode()
    assert old.topic in body and "默认显示最近 12 个月" not in body


@pytest.mark.django_db
def test_list_page_pages_by_cursor_and_survives_a_bad_one(client, tree, many, monkeypatch):
    import dangjian.activities.views as views

    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    first = client.get("/activities/")
    body = first.content.decode()
    assert "下一页" in body and "上一页" not in body
    page = first.context["page"]
    second = client.get("/activities/", {"cursor": page.next_cursor})
    assert [a["pk"] for a in second.context["page"].object_list] == expected_order(
        [a for a in many if a.topic != "乙县记录"]
    )[5:10]
    assert "上一页" in second.content.decode()
    bad = client.get("/activities/", {"cursor": "zzz"})
    assert bad.status_code == 200
    assert "翻页参数不正确" in bad.content.decode()
    assert [a["pk"] for a in bad.context["page"].object_list] == [a["pk"] for a in page.object_list]
