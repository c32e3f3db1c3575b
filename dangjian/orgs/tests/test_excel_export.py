"""Export in the import layout: the round trip changes nothing; masking follows the grants."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core import pii
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs import services
from dangjian.orgs.choices import MemberStatus, OrgKind
from dangjian.orgs.excel.export import roster_export
from dangjian.orgs.excel.roster import roster_import, roster_validate
from dangjian.orgs.excel.writer import write_roster
from dangjian.orgs.filtersets import MemberFilterSet
from dangjian.orgs.models import Member, MobilityRecord, Transfer
from dangjian.orgs.tests.factories import make_member, make_org

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
            education="1B",
            occupation="0212",
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
    assert {"A1:V1", "A3:A4", "M3:N3", "V3:V4"} <= merged
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
        "延长预备期（月）",
        "备注",
    ]
    assert book["民族"]["C2"].value == "01 汉族"
    jobs = [[c.value for c in row] for row in book["工作岗位"].iter_rows(min_row=1)]
    assert jobs[0] == ["代码", "名称", "填写值", "类别"]
    assert jobs[1] == ["011", "公务员", "011 公务员", "0 在岗职工"]
    values = [row[2] for row in jobs[1:]]
    assert "0212 事业单位专业技术岗位" in values and "2 解放军、武警" in values
    assert not any(v.split(" ", 1)[0] in {"0", "1", "3", "5", "6"} for v in values)  # no heading is a value
    schooling = [[c.value for c in row] for row in book["学历"].iter_rows(min_row=2)]
    assert ["1A", "中央党校研究生", "1A 中央党校研究生", "1 研究生教育"] in schooling
    assert schooling[-4:] == [
        [c, n, f"{c} {n}", None] for c, n in (("6", "普通高中"), ("7", "初中"), ("8", "小学"), ("9", "其他"))
    ]
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert lists["L5:L504"] == f"工作岗位!$C$2:$C${len(values) + 1}"
    assert lists["H5:H504"] == f"学历!$C$2:$C${len(schooling) + 1}"


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
    shown = {ws.cell(row, 4).value for row in range(5, 9)}
    assert shown == {m.id_number_masked for m in populated}
    assert all("*" in value for value in shown)
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


def test_full_export_note_invites_reimport_and_masked_export_forbids_it(tmp_path, tree, populated):
    """The note row follows what was written: full numbers carry the import instructions."""
    admin = make_user(Role.ORG_ADMIN, tree["county_a"])
    full_path = tmp_path / "full.xlsx"
    result = roster_export(members=MemberFilterSet({}, user=admin).qs, user=admin, target=full_path)
    assert result.masked_rows == 0
    note = openpyxl.load_workbook(full_path)["党员基本信息"].cell(5 + result.rows, 1).value
    assert note.startswith("注：") and "隐去部分数字" not in note and "不能用于重新导入" not in note
    plan = roster_validate(path=full_path, user=admin)
    assert plan.ok and plan.unchanged == result.rows

    supervisor = make_user(Role.SUPERVISOR, tree["county_a"])
    masked_path = tmp_path / "masked.xlsx"
    result = roster_export(
        members=MemberFilterSet({}, user=supervisor).qs, user=supervisor, target=masked_path
    )
    assert result.masked_rows == result.rows
    note = openpyxl.load_workbook(masked_path)["党员基本信息"].cell(5 + result.rows, 1).value
    assert "隐去部分数字" in note and "不能用于重新导入" in note
