"""Export in the import layout: the round trip changes nothing; masking follows the grants."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from dangjian.core import pii
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.core.testing import make_member, make_org, make_user
from dangjian.orgs import services
from dangjian.orgs.choices import MemberStatus, OrgKind
from dangjian.orgs.excel.export import roster_export
from dangjian.orgs.excel.roster import roster_import, roster_validate
from dangjian.orgs.excel.writer import write_roster
from dangjian.orgs.filtersets import MemberFilterSet
from dangjian.orgs.models import Member, MobilityRecord, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(tree):
    a1 = tree["branch_a1"]
    twin = make_org(tree["county_a"], name="甲县第一支部", kind=OrgKind.BRANCH)  # a repeated name
    members = [
        make_member(
            a1,
            name="张三丰",
            ethnicity="10",
            education="14",
            occupation="12",
            landline="0433-1234567",
            address="延吉市 光明街",
            note="退役军人",
        ),
        make_member(a1, status=MemberStatus.PROBATIONARY, joined=dt.date(2024, 5, 1)),
        make_member(
            twin,
            birth=dt.date(1950, 1, 1),
            joined=dt.date(1975, 6, 1),
            full_member_on=dt.date(1975, 6, 1),
            phone="",
            education="",
        ),
        make_member(
            tree["general"], lost_contact=True, lost_contact_on=dt.date(2023, 2, 1), standing="suspended"
        ),
    ]
    services.mobility_start(
        member=members[0], direction="out", place="浙江省杭州市", started_on=dt.date(2024, 1, 1), actor=None
    )
    return members


def test_template_layout(tmp_path):
    path = tmp_path / "t.xlsx"
    write_roster(path, rows=[], org_name="甲县委", template=True)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["党员基本信息", "民族", "学历", "工作岗位"]
    ws = book["党员基本信息"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:U1", "A3:A4", "M3:N3", "U3:U4"} <= merged
    assert ws["A1"].value == "党员基本信息汇总表" and ws["A2"].value == "基层党委：甲县委"
    assert ws["L2"].value.startswith("汇总日期：")
    header = [c.value for c in ws[3]]
    assert header[:12] == [
        "序号",
        "姓名",
        "所在党支部",
        "公民身份证号",
        "性别",
        "民族",
        "出生日期",
        "学历",
        "人员类别",
        "加入党组织日期",
        "转为正式党员日期",
        "工作岗位",
    ]
    assert header[12] == "联系电话" and [c.value for c in ws[4]][12:14] == ["手机号", "固定电话"]
    assert header[14:] == [
        "家庭住址",
        "党籍状态",
        "是否为失联党员",
        "失去联系日期",
        "是否为流动党员",
        "外出流向",
        "备注",
    ]
    assert book["民族"]["C2"].value == "01 汉族"


def test_round_trip_changes_nothing(tmp_path, tree, populated):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    path = tmp_path / "export.xlsx"
    members = MemberFilterSet({}, user=admin).qs
    result = roster_export(members=members, user=admin, target=path)
    assert result.rows == 4 and result.masked_rows == 0
    history = Member.history.count()
    mobility = list(MobilityRecord.objects.values_list("pk", "ended_on", "place"))
    plan = roster_validate(path=path, user=admin)
    assert [str(e) for e in plan.errors] == []
    assert (plan.to_create, plan.to_update, plan.to_transfer, plan.unchanged) == (0, 0, 0, 4)
    plan, done = roster_import(path=path, user=admin)
    assert done.updated == 0 and done.transferred == 0
    assert Member.history.count() == history and Transfer.objects.count() == 0
    assert list(MobilityRecord.objects.values_list("pk", "ended_on", "place")) == mobility
    ws = openpyxl.load_workbook(path)["党员基本信息"]
    orgs = {ws.cell(r, 3).value for r in range(5, 9)}
    assert "甲县机关总支/甲县第一支部" in orgs and "甲县委/甲县第一支部" in orgs
    assert ws.cell(9, 1).value.startswith("注：")


def test_export_is_audited_with_filters(tmp_path, tree, populated):
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    fs = MemberFilterSet({"status": "probationary"}, user=admin)
    roster_export(members=fs.qs, user=admin, target=tmp_path / "p.xlsx", filters=fs.filter_values())
    event = AuditEvent.objects.get(verb="export.roster")
    assert (
        event.actor == admin
        and event.data["rows"] == 1
        and event.data["filters"] == {"status": "probationary"}
    )
    assert event.data["full_pii_rows"] == 1


def test_supervisor_export_is_masked_and_cannot_be_reimported(tmp_path, tree, populated):
    supervisor = make_user(Role.SUPERVISOR, tree["county_a"])
    path = tmp_path / "m.xlsx"
    result = roster_export(members=MemberFilterSet({}, user=supervisor).qs, user=supervisor, target=path)
    assert result.masked_rows == 4 and result.full_pii_rows == 0
    ws = openpyxl.load_workbook(path)["党员基本信息"]
    assert "*" in ws.cell(5, 4).value
    assert ws.cell(5, 4).value == populated[0].id_number_masked or "*" in ws.cell(5, 4).value
    assert "不能用于重新导入" in ws.cell(9, 1).value
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    plan = roster_validate(path=path, user=admin)
    id_errors = [e for e in plan.errors if e.field == "公民身份证号"]
    assert len(id_errors) == 4 and all("隐去部分数字" in str(e) for e in id_errors)
    assert not plan.rows


def test_full_numbers_only_where_view_pii(tmp_path, tree, populated):
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    path = tmp_path / "s.xlsx"
    result = roster_export(members=MemberFilterSet({}, user=secretary).qs, user=secretary, target=path)
    assert result.rows == 2 and result.full_pii_rows == 2
    ws = openpyxl.load_workbook(path)["党员基本信息"]
    assert pii.parse_id_number(ws.cell(5, 4).value)
