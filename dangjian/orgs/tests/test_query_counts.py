"""List pages issue a constant number of SQL queries, whatever the number of rows (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs import services
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.tests.factories import make_member, make_org

pytestmark = pytest.mark.django_db


def _count(client, url: str, **headers) -> int:
    client.get(url, **headers)  # warm up: session, user and grants caches are per request anyway
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow_members(org, n: int) -> None:
    for i in range(n):
        m = make_member(org, recount=False)
        if i % 3 == 0:
            services.mobility_start(
                member=m, direction="out", place="深圳", started_on=dt.date(2024, 1, 1), actor=None
            )
    services.org_recount([org.pk])


def _grow_children(parent, n: int) -> None:
    for _ in range(n):
        make_org(parent, kind=OrgKind.BRANCH)


@pytest.mark.parametrize("url", ["/members/", "/members/?status=full&mobility=out", "/members/?org={org}"])
def test_member_list_query_count_is_constant(client, tree, url):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    url = url.format(org=tree["county_a"].pk)
    _grow_members(tree["branch_a1"], 5)
    few = _count(client, url)
    _grow_members(tree["branch_a1"], 35)
    many = _count(client, url)
    assert few == many


def test_tree_children_partial_query_count_is_constant(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    parent = tree["general"]
    url = f"/orgs/{parent.pk}/children/"
    _grow_children(parent, 4)
    parent.refresh_from_db()
    few = _count(client, url, HTTP_HX_REQUEST="true")
    _grow_children(parent, 35)
    many = _count(client, url, HTTP_HX_REQUEST="true")
    assert few == many


def test_org_detail_and_overdue_query_counts_are_constant(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    parent = tree["general"]
    _grow_children(parent, 3)
    few = (_count(client, f"/orgs/{parent.pk}/"), _count(client, "/orgs/overdue/"))
    _grow_children(parent, 30)
    many = (_count(client, f"/orgs/{parent.pk}/"), _count(client, "/orgs/overdue/"))
    assert few == many


# ---------------------------------------------------------------- pinned counts at several scopes
#
# The exact number of queries of each big list, per scope, whatever the number of rows: a new
# query per row (N+1) or per org fails here. Every request also reads the user and the user's
# grants (two queries; the session comes from the cache). A scope of several grants is read range
# by range, so the member list of the supervisor of two counties counts and reads twice.


def _supervisor_of_two(tree):
    from dangjian.accounts.models import RoleGrant

    user = make_user(Role.SUPERVISOR, tree["county_a"])
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, org=tree["county_b"])
    return user


def _users(tree) -> dict[str, object]:
    return {
        "system_admin": make_user(Role.SYSTEM_ADMIN),
        "county_admin": make_user(Role.ORG_ADMIN, tree["county_a"]),
        "secretary": make_user(Role.BRANCH_SECRETARY, tree["branch_a1"]),
        "supervisor_of_two": _supervisor_of_two(tree),
    }


def _grow_activities(org, n: int) -> None:
    from dangjian.activities.tests.helpers import past, record

    for i in range(n):
        record(org, starts_at=past(days=i + 1), kinds=["general_meeting", "theme_day"])


PINNED = {
    # url: {scope: queries}
    # roots, their subtree totals
    "/orgs/": {"system_admin": 4, "county_admin": 4, "secretary": 4, "supervisor_of_two": 4},
    # per range: the count from the orgs' member counts, the rows; then the open 流动 records
    "/members/": {"system_admin": 5, "county_admin": 5, "secretary": 5, "supervisor_of_two": 7},
    # the capped count, the rows, their kinds (the scope's size, an org count, is cached per
    # scope and was read by the warm-up request)
    "/activities/": {"system_admin": 5, "county_admin": 5, "secretary": 5, "supervisor_of_two": 5},
    # count, rows, the parents' ids
    "/api/v1/orgs": {"system_admin": 5, "county_admin": 5, "secretary": 5, "supervisor_of_two": 5},
    "/api/v1/members": {"system_admin": 5, "county_admin": 5, "secretary": 5, "supervisor_of_two": 7},
    "/api/v1/activities": {"system_admin": 5, "county_admin": 5, "secretary": 5, "supervisor_of_two": 5},
}


@pytest.mark.parametrize("url", sorted(PINNED))
def test_list_query_counts_are_pinned_per_scope(client, tree, url):
    users = _users(tree)
    for org in (tree["branch_a1"], tree["branch_b1"]):
        _grow_members(org, 2)
        _grow_activities(org, 2)
        _grow_children(org, 1)
    few = {}
    for scope, user in users.items():
        client.force_login(user)
        few[scope] = _count(client, url)
    for org in (tree["branch_a1"], tree["branch_b1"]):
        _grow_members(org, 12)
        _grow_activities(org, 12)
        _grow_children(org, 6)
    many = {}
    for scope, user in users.items():
        client.force_login(user)
        many[scope] = _count(client, url)
    assert few == many, f"{url}: the query count grows with the rows: {few} → {many}"
    assert many == PINNED[url], f"{url}: {many}"
