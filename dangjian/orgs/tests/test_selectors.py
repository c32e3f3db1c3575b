"""Scoped reads: each role sees exactly its scope; the FilterSets go through the same selectors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Perm, Role
from dangjian.orgs import selectors, services
from dangjian.orgs.filtersets import ORG_NOT_VISIBLE, MemberFilterSet, OrgFilterSet
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree):
    return {
        "zsf": make_member(tree["branch_a1"], name="张三丰"),
        "ls": make_member(tree["branch_a1"], name="李四", status="probationary"),
        "ww": make_member(tree["branch_b1"], name="王五"),
    }


def test_member_filterset_pinyin_initials(tree, people):
    admin = make_user(Role.SYSTEM_ADMIN)
    fs = MemberFilterSet({"q": "zsf"}, user=admin)
    assert fs.is_valid()
    assert [m.name for m in fs.qs] == ["张三丰"]
    assert [m.name for m in MemberFilterSet({"q": "zhangs"}, user=admin).qs] == ["张三丰"]
    assert [m.name for m in MemberFilterSet({"q": "三丰"}, user=admin).qs] == ["张三丰"]


def test_member_filterset_org_subtree_and_status(tree, people):
    admin = make_user(Role.SYSTEM_ADMIN)
    fs = MemberFilterSet({"org": str(tree["county_a"].pk), "status": "probationary"}, user=admin)
    assert [m.name for m in fs.qs] == ["李四"]
    assert {m.name for m in MemberFilterSet({"org": tree["city"].pk}, user=admin).qs} == {
        "张三丰",
        "李四",
        "王五",
    }


def test_member_filterset_rejects_org_outside_scope(tree, people):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    fs = MemberFilterSet({"org": str(tree["county_b"].pk)}, user=user)
    assert not fs.is_valid()
    assert fs.errors["org"] == [ORG_NOT_VISIBLE]
    assert list(fs.qs) == []


def test_member_filterset_unbound_is_scope(tree, people):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    assert {m.name for m in MemberFilterSet(None, user=user).qs} == {"张三丰", "李四"}


def test_member_filterset_booleans_and_mobility(tree, people):
    admin = make_user(Role.SYSTEM_ADMIN)
    assert len(MemberFilterSet({"leading_cadre": "true"}, user=admin).qs) == 0
    assert len(MemberFilterSet({"leading_cadre": "false"}, user=admin).qs) == 3
    assert len(MemberFilterSet({"mobility": "none"}, user=admin).qs) == 3
    assert len(MemberFilterSet({"mobility": "out"}, user=admin).qs) == 0


def test_org_filterset(tree):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    names = [o.name for o in OrgFilterSet({"q": "支部"}, user=user).qs]
    assert names == ["甲县第一支部", "甲县第一支部第一党小组"]
    assert [o.name for o in OrgFilterSet({"kind": "general_branch"}, user=user).qs] == ["甲县机关总支"]
    fs = OrgFilterSet({"subtree": tree["county_b"].pk}, user=user)
    assert not fs.is_valid() and list(fs.qs) == []


@pytest.fixture
def users(tree, people):
    return {
        "sys": make_user(Role.SYSTEM_ADMIN),
        "admin": make_user(Role.ORG_ADMIN, tree["county_a"]),
        "secretary": make_user(Role.BRANCH_SECRETARY, tree["branch_a1"]),
        "member": make_user(Role.MEMBER, tree["branch_a1"], member=people["zsf"]),
        "supervisor": make_user(Role.SUPERVISOR, tree["county_a"]),
        "none": make_user(),
    }


@pytest.mark.parametrize(
    ("role", "orgs", "members"),
    [
        ("sys", 7, {"张三丰", "李四", "王五"}),
        ("admin", 4, {"张三丰", "李四"}),
        ("secretary", 2, {"张三丰", "李四"}),
        ("member", 1, {"张三丰"}),
        ("supervisor", 4, {"张三丰", "李四"}),
        ("none", 0, set()),
    ],
)
def test_scope_per_role(users, role, orgs, members):
    user = users[role]
    assert selectors.org_visible(user=user).count() == orgs
    assert {m.name for m in selectors.member_list(user=user)} == members


def test_member_role_sees_only_self(users, people):
    user = users["member"]
    assert selectors.access_member(user=user, pk=people["zsf"].pk) == people["zsf"]
    with pytest.raises(Http404):
        selectors.access_member(user=user, pk=people["ls"].pk)
    assert selectors.member_can_view_pii(user=user, member=people["zsf"])
    assert not selectors.member_can_view_pii(user=user, member=people["ls"])


def test_change_permission_narrows_access(users, tree, people):
    with pytest.raises(Http404):
        selectors.access_org(user=users["supervisor"], pk=tree["branch_a1"].pk, perm=Perm.ORG_CHANGE)
    with pytest.raises(Http404):
        selectors.access_member(user=users["secretary"], pk=people["ls"].pk, perm=Perm.MEMBER_TRANSFER)
    assert selectors.access_member(user=users["secretary"], pk=people["ls"].pk, perm=Perm.MEMBER_CHANGE)
    with pytest.raises(Http404):
        selectors.access_org(user=users["admin"], pk="not-a-number")


def test_org_roots_are_the_grant_tops(users, tree):
    assert [o.name for o in selectors.org_roots(user=users["sys"])] == ["示例市委"]
    assert [o.name for o in selectors.org_roots(user=users["admin"])] == ["甲县委"]
    assert [o.name for o in selectors.org_roots(user=users["member"])] == ["甲县第一支部"]
    assert list(selectors.org_roots(user=users["none"])) == []


def test_scope_summary_and_overdue(users, tree):
    tree["general"].term_due = dt.date(2020, 1, 1)
    tree["general"].save()
    tree["branch_b1"].term_due = dt.date(2020, 1, 1)
    tree["branch_b1"].save()
    summary = selectors.org_scope_summary(user=users["admin"])
    assert summary == {"orgs": 4, "full": 1, "probationary": 1, "total": 2, "overdue": 1}
    assert [o.name for o in selectors.org_term_overdue(user=users["admin"])] == ["甲县机关总支"]
    assert selectors.org_scope_summary(user=users["sys"])["overdue"] == 2


def test_member_history_lists_fields_not_values(tree, people):
    member = people["ls"]
    services.member_update(member=member, actor=None, note="已核对", phone="13900001111")
    rows = selectors.member_history(member=member)
    assert rows[0]["type"] == "修改"
    assert set(rows[0]["fields"]) == {"备注", "手机号"}
    assert rows[-1]["type"] == "新建"
    assert "13900001111" not in str(rows)


def test_member_position_orgs(users, tree, people):
    names = [o.name for o in selectors.member_position_orgs(user=users["admin"], member=people["zsf"])]
    assert names == ["甲县委", "甲县机关总支", "甲县第一支部", "甲县第一支部第一党小组"]
    names = [o.name for o in selectors.member_position_orgs(user=users["secretary"], member=people["zsf"])]
    assert names == ["甲县第一支部", "甲县第一支部第一党小组"]
