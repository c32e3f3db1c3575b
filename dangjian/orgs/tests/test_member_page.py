"""The member list's paging path (range by range, counts from the orgs, rows read by id) gives what the
ORM selector gives."""

from __future__ import annotations

import re

import pytest
from django.db.models import Q
from django.http import Http404

from dangjian.accounts.models import RoleGrant
from dangjian.accounts.tests.factories import make_user
from dangjian.core import policy
from dangjian.core.permissions import Perm, Role
from dangjian.orgs import selectors
from dangjian.orgs.models import MobilityRecord, Org
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(tree):
    made = []
    for i in range(7):
        made.append(
            make_member(tree["branch_a1"], name=f"甲{i}", status="probationary" if i % 3 == 0 else "full")
        )
    for i in range(4):
        made.append(make_member(tree["branch_b1"], name=f"乙{i}", leading_cadre=i == 1))
    return made


def orm_rows(user, filters):
    return list(selectors.member_list(user=user, filters=filters).values(*selectors.MEMBER_ROW_FIELDS))


@pytest.mark.parametrize(
    "role,org_key,filters",
    [
        (Role.SYSTEM_ADMIN, None, {}),
        (Role.SYSTEM_ADMIN, None, {"status": "probationary"}),
        (Role.ORG_ADMIN, "county_a", {}),
        (Role.ORG_ADMIN, "city", {"leading_cadre": True}),
        (Role.ORG_ADMIN, "city", {"q": "乙"}),
        (Role.BRANCH_SECRETARY, "branch_b1", {"mobility": "none"}),
        (Role.SUPERVISOR, "county_b", {}),
    ],
)
def test_every_page_matches_the_orm_selector(tree, members, role, org_key, filters):
    user = make_user(role, tree[org_key] if org_key else None)
    expected = orm_rows(user, filters)
    got = []
    for number in range(1, 6):
        page, rows = selectors.member_page(user=user, filters=filters, number=number, per_page=3)
        assert page.paginator.count == len(expected)
        if number > page.paginator.num_pages:
            assert page.number == page.paginator.num_pages  # past the end: the last page again
            continue
        got.extend(rows)
    assert got == expected
    assert got, "the case should list someone"


def test_org_filter_and_member_role(tree, members):
    admin = make_user(Role.SYSTEM_ADMIN)
    page, rows = selectors.member_page(user=admin, filters={"org": tree["branch_b1"]}, number=1, per_page=50)
    assert [r["name"] for r in rows] == ["乙0", "乙1", "乙2", "乙3"]
    assert {r["org__name"] for r in rows} == {"乙县第一支部"}
    own = members[0]
    user = make_user(Role.MEMBER, tree["branch_a1"], member=own)
    page, rows = selectors.member_page(user=user, filters={}, number=1, per_page=50)
    assert [r["pk"] for r in rows] == [own.pk] and page.paginator.count == 1


def test_no_grant_lists_nobody(tree, members):
    page, rows = selectors.member_page(user=make_user(), filters={}, number=1, per_page=50)
    assert (page.paginator.count, rows) == (0, [])


def test_count_follows_grant_changes_and_new_rows(tree, members):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    page, _ = selectors.member_page(user=user, filters={}, number=1, per_page=50)
    assert page.paginator.count == 7
    RoleGrant.objects.create(user=user, role=Role.ORG_ADMIN, org=tree["county_b"])
    policy.clear_cache(user)  # a new request loads the grants again
    page, rows = selectors.member_page(user=user, filters={}, number=1, per_page=50)
    assert page.paginator.count == 11
    RoleGrant.objects.filter(user=user, org=tree["county_a"]).delete()
    policy.clear_cache(user)
    page, rows = selectors.member_page(user=user, filters={}, number=1, per_page=50)
    assert {r["name"][0] for r in rows} == {"乙"}
    make_member(tree["branch_b1"], name="乙新")
    page, rows = selectors.member_page(user=user, filters={}, number=1, per_page=50)
    assert page.paginator.count == 5


def test_several_grants_page_range_after_range_in_list_order(tree, members):
    """A scope of several grants (two subtrees and one org on its own, overlapping ones folded):
    every page holds what the ORM selector's ordered list holds there, and the count (from the
    orgs' member counts) is the number of rows."""
    user = make_user(Role.SUPERVISOR, tree["county_b"])
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, org=tree["branch_a1"])
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, org=tree["group_a1"])  # inside branch_a1
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, org=tree["city"], include_descendants=False)
    make_member(tree["city"], name="丙0")
    make_member(tree["county_a"], name="丁0")  # not covered
    policy.clear_cache(user)
    assert selectors.scope_prefixes(user=user, perm=Perm.MEMBER_VIEW) == sorted(
        [(tree["city"].path, False), (tree["branch_a1"].path, True), (tree["county_b"].path, True)]
    )
    for filters in ({}, {"status": "probationary"}, {"q": "乙"}, {"org": tree["city"]}):
        expected = orm_rows(user, filters)
        got = []
        for number in range(1, 8):
            page, rows = selectors.member_page(user=user, filters=filters, number=number, per_page=2)
            assert page.paginator.count == len(expected)
            if number <= page.paginator.num_pages:
                got.extend(rows)
        assert got == expected
    assert "丁0" not in {r["name"] for r in orm_rows(user, {})}


def test_mobility_filter_reads_open_records(tree, members):
    admin = make_user(Role.SYSTEM_ADMIN)
    MobilityRecord.objects.create(
        member=members[1],
        org_path=members[1].org_path,
        direction="out",
        place="深圳",
        started_on="2025-01-01",
    )
    _, rows = selectors.member_page(user=admin, filters={"mobility": "out"}, number=1, per_page=50)
    assert [r["pk"] for r in rows] == [members[1].pk]


@pytest.mark.parametrize(
    "role,org_key,descendants",
    [
        (Role.SYSTEM_ADMIN, None, True),
        (Role.ORG_ADMIN, "county_a", True),
        (Role.ORG_ADMIN, "county_a", False),
        (Role.BRANCH_SECRETARY, "branch_a1", True),
        (Role.MEMBER, "branch_a1", False),
        (Role.SUPERVISOR, "county_b", True),
    ],
)
def test_allows_path_is_scope_q_in_python(tree, role, org_key, descendants):
    user = make_user(role, tree[org_key] if org_key else None, include_descendants=descendants)
    for perm in (Perm.ORG_VIEW, Perm.ORG_CHANGE, Perm.MEMBER_VIEW):
        in_sql = set(Org.objects.filter(Q(deleted_at__isnull=True) & policy.scope_q(user, perm)))
        in_python = {
            o for o in Org.objects.filter(deleted_at__isnull=True) if policy.allows_path(user, perm, o.path)
        }
        assert in_sql == in_python


def test_access_org_refuses_missing_deleted_out_of_scope_and_junk_ids(tree):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    assert selectors.access_org(user=user, pk=tree["branch_a1"].pk) == tree["branch_a1"]
    for pk in (tree["county_b"].pk, 999_999, "abc", None, 2**70):
        with pytest.raises(Http404):
            selectors.access_org(user=user, pk=pk)
    Org.objects.filter(pk=tree["general"].pk).update(deleted_at="2025-01-01T00:00:00Z")
    with pytest.raises(Http404):
        selectors.access_org(user=user, pk=tree["general"].pk)


def test_filter_query_data_keeps_every_value_and_answers_absent_keys():
    from django.http import QueryDict

    from dangjian.orgs.filtersets import _QueryData

    data = _QueryData.of(QueryDict("status=full&q=%E5%BC%A0&q=li"))
    assert data.get("status") == "full"
    assert data.getlist("q") == ["张", "li"]
    assert data.get("q") == "li"  # the last value, as QueryDict.get gives it
    assert data.get("org") is None and data.get("org", "x") == "x"
    assert not data._mutable


def test_member_list_pages_by_number_and_jump(client, tree, monkeypatch):
    """Numbered pages around the current one and at both ends, and a 跳至 form carrying the
    filters; the rows of a far page are the right ones."""
    from dangjian.orgs import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    names = [f"党员{i:02d}" for i in range(25)]
    for name in names:
        make_member(tree["branch_a1"], name=name, recount=False)
    org_recount([tree["branch_a1"].pk])  # the member services keep the counts the list shows
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    html = client.get("/members/?status=full&page=5").content.decode()
    numbers = re.findall(r'data-page-number="(\d+)"', html)
    assert numbers == ["1", "4", "5", "6", "13"] and html.count('<span class="page-link">…</span>') == 2
    assert 'href="?status=full&amp;page=13"' in html
    jump = html[html.index("data-page-jump") : html.index("</form>", html.index("data-page-jump"))]
    assert '<input type="hidden" name="status" value="full">' in jump and 'max="13"' in jump
    last = client.get("/members/?status=full&page=13").content.decode()
    assert re.findall(r"data-member-name[^>]*>([^<]+)<", last) == [names[24]]
    page7 = client.get("/members/?status=full&page=7").content.decode()
    assert re.findall(r"data-member-name[^>]*>([^<]+)<", page7) == names[12:14]
