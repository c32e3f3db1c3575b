"""Scoped reads: each role sees exactly its scope; the FilterSets go through the same selectors."""

from __future__ import annotations

import pytest

from dangjian.core.permissions import Role
from dangjian.core.testing import make_member, make_user
from dangjian.orgs.filtersets import ORG_NOT_VISIBLE, MemberFilterSet, OrgFilterSet

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
