"""Org-tree import: parents by name in any order, 1969.01 dates, 书记 as a name, all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.choices import OrgKind, PositionTitle, Sector
from dangjian.orgs.excel.orgtree import orgs_import, orgs_validate
from dangjian.orgs.models import Org, Position
from dangjian.orgs.tests.factories import make_member

from .fixtures.excel_builder import org_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tree):
    return make_user(Role.ORG_ADMIN, tree["county_a"], username="county_admin")


def test_subtree_in_any_order(tmp_path, tree, admin):
    secretary = make_member(tree["branch_a1"], name="张书记")
    rows = [
        {
            "name": "新建第一支部",
            "kind": "党支部",
            "parent": "新建总支",
            "founded_on": "1969.01",
            "secretary": "李某",
        },
        {
            "name": "新建总支",
            "kind": "总支",
            "parent": "甲县委",
            "unit_name": "甲县教育局",
            "sector": "事业单位",
            "founded_on": 1985.03,
            "term_start": dt.date(2023, 3, 1),
        },
        {
            "name": "甲县第一支部",
            "kind": "党支部",
            "parent": "甲县机关总支",
            "secretary": "张书记",
            "term_start": "2022年6月1日",
            "term_due": "2025.06",
        },
    ]
    path = org_list(tmp_path / "orgs.xlsx", rows)
    plan, result = orgs_import(path=path, user=admin)
    assert [str(e) for e in plan.errors] == []
    assert (result.created, result.updated, result.secretaries) == (2, 1, 1)
    general = Org.objects.get(name="新建总支")
    assert Org.objects.get_parent(general) == tree["county_a"] and general.kind == OrgKind.GENERAL_BRANCH
    assert general.sector == Sector.INSTITUTION and general.founded_on == dt.date(1985, 3, 1)
    assert general.term_due == dt.date(2026, 3, 1)  # 3-year term from settings
    branch = Org.objects.get(name="新建第一支部")
    assert Org.objects.get_parent(branch) == general and branch.founded_on == dt.date(1969, 1, 1)
    assert branch.sector == Sector.INSTITUTION  # inherited from the parent
    a1 = Org.objects.get(pk=tree["branch_a1"].pk)
    assert a1.term_start == dt.date(2022, 6, 1) and a1.term_due == dt.date(2025, 6, 1)
    pos = Position.objects.get()
    assert (pos.member, pos.org, pos.title, pos.started_on) == (
        secretary,
        a1,
        PositionTitle.SECRETARY,
        dt.date(2022, 6, 1),
    )
    assert any("第 3 行 书记：“李某”不是该组织的党员" in w for w in plan.warnings)
    audit = AuditEvent.objects.get(verb="import.orgs")
    assert audit.data["created"] == 2 and audit.actor == admin
    assert Org.history.filter(history_type="+", name="新建总支").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "X支部", "kind": "兴趣小组", "parent": "甲县委"}, "第 4 行 组织类别：“兴趣小组”无法识别"),
        (
            {"name": "X支部", "kind": "党支部", "parent": "不存在的党委"},
            "第 4 行 上级党组织：找不到名为“不存在的党委”的党组织",
        ),
        (
            {"name": "X支部", "kind": "党支部", "parent": "乙县委"},
            "第 4 行 上级党组织：“乙县委”不在您的管理范围内",
        ),
        ({"name": "X支部", "kind": "党支部", "parent": ""}, "第 4 行 上级党组织：不能为空"),
        ({"name": "", "kind": "党支部", "parent": "甲县委"}, "第 4 行 组织名称：不能为空"),
        (
            {"name": "X支部", "kind": "党支部", "parent": "甲县委", "founded_on": "2999-01-01"},
            "第 4 行 成立日期：成立日期不能晚于今天",
        ),
        (
            {"name": "X支部", "kind": "党支部", "parent": "甲县委", "founded_on": "1969.13"},
            "第 4 行 成立日期：日期“1969.13”不存在",
        ),
        (
            {"name": "X组", "kind": "党小组", "parent": "甲县委"},
            "第 4 行 组织类别：党小组只能设在党支部或党总支下",
        ),
        (
            {"name": "X组", "kind": "党支部", "parent": "甲县第一支部第一党小组"},
            "第 4 行 parent：党小组下不能再设组织",
        ),
        (
            {"name": "X支部", "kind": "党支部", "parent": "甲县委", "sector": "外星"},
            "第 4 行 单位类别：“外星”无法识别",
        ),
    ],
)
def test_bad_org_rows(tmp_path, tree, admin, row, message):
    good = {"name": "好支部", "kind": "党支部", "parent": "甲县委"}
    before = (Org.objects.count(), AuditEvent.objects.count())
    plan, result = orgs_import(path=org_list(tmp_path / "o.xlsx", [good, row]), user=admin)
    texts = [str(e) for e in plan.errors]
    assert result is None
    assert any(
        t.replace("上级党组织", "parent").startswith(message.replace("上级党组织", "parent")) for t in texts
    ), texts
    assert (Org.objects.count(), AuditEvent.objects.count()) == before


def test_parent_cycle(tmp_path, tree, admin):
    rows = [{"name": "A", "kind": "党总支", "parent": "B"}, {"name": "B", "kind": "党总支", "parent": "A"}]
    plan, result = orgs_import(path=org_list(tmp_path / "c.xlsx", rows), user=admin)
    assert result is None and any("循环" in str(e) for e in plan.errors)


def test_system_creates_roots(tmp_path, db):
    rows = [{"name": "某市委", "kind": "党委"}, {"name": "某县委", "kind": "党委", "parent": "某市委"}]
    plan, result = orgs_import(path=org_list(tmp_path / "r.xlsx", rows), user=None)
    assert result.created == 2
    assert Org.objects.get_parent(Org.objects.get(name="某县委")).name == "某市委"


def test_imported_tree_keeps_records_from_the_import_month(tmp_path, db, settings):
    settings.COMPLIANCE_RECORDS_FROM = None
    rows = [{"name": "某市委", "kind": "党委"}, {"name": "某县委", "kind": "党委", "parent": "某市委"}]
    orgs_import(path=org_list(tmp_path / "r.xlsx", rows), user=None)
    month = dt.date.today().replace(day=1)
    # Set on the imported root; the county inherits it.
    assert Org.objects.get(name="某市委").records_from == month
    assert Org.objects.get(name="某县委").records_from is None
    # A later import below an org that has one adds none.
    more = [{"name": "某乡党委", "kind": "党委", "parent": "某县委"}]
    orgs_import(path=org_list(tmp_path / "m.xlsx", more), user=None)
    assert Org.objects.get(name="某乡党委").records_from is None


def test_unchanged_rows_write_nothing_but_the_audit(tmp_path, tree, admin):
    rows = [{"name": "甲县第一支部", "kind": "党支部", "parent": "甲县机关总支"}]
    plan = orgs_validate(path=org_list(tmp_path / "u.xlsx", rows), user=admin)
    assert (plan.to_create, plan.to_update, plan.unchanged) == (0, 0, 1)
