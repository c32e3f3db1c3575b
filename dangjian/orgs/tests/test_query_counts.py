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
