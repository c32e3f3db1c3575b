"""Roster import: the national file as offices keep it, every kind of bad row, updates and transfers."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core import pii
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.choices import MemberStatus, Mobility, OrgKind, PositionTitle
from dangjian.orgs.excel.roster import ImportRejected, roster_apply, roster_import, roster_validate
from dangjian.orgs.models import Member, MobilityRecord, Position, Transfer
from dangjian.orgs.tests.factories import make_id_number, make_member, make_org, member_data

from .fixtures.excel_builder import national_roster, roster_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tree):
    return make_user(Role.ORG_ADMIN, tree["county_a"], username="county_admin")


@pytest.fixture
def branch_a2(tree):
    return make_org(tree["general"], name="甲县第二支部", kind=OrgKind.BRANCH)


def counts():
    return (
        Member.objects.count(),
        Transfer.objects.count(),
        AuditEvent.objects.count(),
        MobilityRecord.objects.count(),
        Member.history.count(),
    )


def texts(plan):
    return [str(e) for e in plan.errors]


def test_good_national_file(tmp_path, tree, admin, branch_a2, monkeypatch):
    a = member_data(name="张三丰", male=True, birth=dt.date(1980, 3, 4), joined=dt.date(2005, 7, 1))
    b = member_data(name="李 四", male=False, status=MemberStatus.PROBATIONARY, joined=dt.date(2024, 3, 1))
    c = member_data(name="王五", male=True, birth=dt.date(1950, 2, 2), joined=dt.date(1975, 6, 1))
    d = member_data(name="赵六", male=False, birth=dt.date(1990, 1, 1), joined=dt.date(2015, 7, 1))
    rows_1 = [
        roster_row(
            a,
            org=" 甲县第一支部 ",
            ethnicity="01 汉族",
            education="21 大学",
            phone=float(a["phone"]),
            joined_on="2005年7月1日",
            full_member_on="2006/07/01",
            birth_date=a["birth_date"],
            mobile="是",
            mobility_place="广东省深圳市",
        ),
        roster_row(
            b,
            org="甲县第一支部",
            ethnicity="朝鲜族",
            education="14",  # GB/T 4658 硕士研究生毕业: the national 12
            joined_on="2024-03-01",
            full_member_on="无",
            status="预备党员",
            standing="",
            occupation="313 大学本科其他年级学生",
        ),
    ]
    rows_2 = [
        # 入党 = 转正 in 1975 is legitimate (no 预备期 then); 1975.06 typed as a number.
        roster_row(c, org="", joined_on=1975.06, full_member_on="1975.06", occupation="502", gender=""),
        roster_row(
            d,
            org="甲县第二支部",
            joined_on=dt.datetime(2015, 7, 1),
            full_member_on="2016.07",
            lost_contact="是",
            lost_contact_on="2023-01-01",
            standing="停止党籍",
            phone="无",
        ),
    ]
    path = national_roster(tmp_path / "名册.xlsx", {"甲县第一支部": rows_1, "甲县第二支部": rows_2})
    events = []
    monkeypatch.setattr(
        "dangjian.orgs.excel.roster.emit", lambda name, org_ids: events.append((name, set(org_ids)))
    )

    plan = roster_validate(path=path, user=admin)
    assert texts(plan) == []
    assert (plan.to_create, plan.to_update, plan.to_transfer) == (4, 0, 0)
    result = roster_apply(plan=plan, actor=admin)
    assert result.created == 4

    m = Member.objects.get(id_number_hash=pii.lookup_hash(a["id_number"]))
    assert (m.name, m.org, m.ethnicity, m.education, m.status) == (
        "张三丰",
        tree["branch_a1"],
        "01",
        "21",
        "full",
    )
    assert (m.joined_on, m.full_member_on) == (dt.date(2005, 7, 1), dt.date(2006, 7, 1))
    assert pii.decrypt(m.phone_encrypted) == a["phone"] and m.name_initials == "zsf"
    assert m.mobility_records.get().direction == Mobility.OUT
    assert m.mobility_records.get().place == "广东省深圳市"
    m2 = Member.objects.get(id_number_hash=pii.lookup_hash(b["id_number"]))
    assert (m2.name, m2.ethnicity, m2.education, m2.status, m2.full_member_on) == (
        "李 四".replace(" ", " "),
        "10",
        "12",
        "probationary",
        None,
    )
    assert m2.occupation == "313" and m2.standing == "normal"
    m3 = Member.objects.get(id_number_hash=pii.lookup_hash(c["id_number"]))
    assert m3.org == branch_a2  # empty 所在党支部: the sheet is named after the branch
    assert m3.joined_on == m3.full_member_on == dt.date(1975, 6, 1) and m3.gender == "M"
    m4 = Member.objects.get(id_number_hash=pii.lookup_hash(d["id_number"]))
    assert m4.lost_contact and m4.lost_contact_on == dt.date(2023, 1, 1) and m4.standing == "suspended"
    assert m4.phone_encrypted == "" or pii.decrypt(m4.phone_encrypted) == ""

    tree["branch_a1"].refresh_from_db()
    branch_a2.refresh_from_db()
    assert (tree["branch_a1"].full_count, tree["branch_a1"].probationary_count) == (1, 1)
    assert branch_a2.full_count == 2
    audit = AuditEvent.objects.get(verb="import.roster")
    assert audit.actor == admin and audit.data["created"] == 4 and audit.data["file_name"] == "名册.xlsx"
    assert audit.org_path == tree["general"].path
    assert Member.history.filter(history_type="+").count() == 4
    assert events == [("members_changed", {tree["branch_a1"].pk, branch_a2.pk})]


def _one_row_file(tmp_path, row, name="bad.xlsx"):
    return national_roster(tmp_path / name, {"名册": [row]})


BAD_ROWS = [
    (
        "bad_check_digit",
        lambda d: {"id_number": d["id_number"][:17] + ("0" if d["id_number"][17] != "0" else "1")},
        "第 5 行 公民身份证号：身份证号校验位错误",
    ),
    ("short_id", lambda d: {"id_number": "22240119900101"}, "第 5 行 公民身份证号：身份证号应为 18 位"),
    ("gender", lambda d: {"gender": "女"}, "第 5 行 性别：性别与身份证号不一致"),
    ("birth", lambda d: {"birth_date": dt.date(1970, 5, 5)}, "第 5 行 出生日期：出生日期与身份证号不一致"),
    (
        "unknown_org",
        lambda d: {"org": "不存在的支部"},
        "第 5 行 所在党支部：找不到名为“不存在的支部”的党组织",
    ),
    (
        "outside_scope",
        lambda d: {"org": "乙县第一支部"},
        "第 5 行 所在党支部：“乙县第一支部”不在您的管理范围内",
    ),
    ("group_org", lambda d: {"org": "甲县第一支部第一党小组"}, "第 5 行 所在党支部：组织关系应在党支部"),
    (
        "future",
        lambda d: {
            "joined_on": dt.date.today() + dt.timedelta(days=30),
            "full_member_on": "无",
            "status": "预备",
        },
        "第 5 行 加入党组织日期：加入党组织日期不能晚于今天",
    ),
    (
        "full_before_join",
        lambda d: {"full_member_on": d["joined_on"] - dt.timedelta(days=10)},
        "第 5 行 转为正式党员日期：转为正式党员日期早于加入党组织日期",
    ),
    (
        "same_day",
        lambda d: {"full_member_on": d["joined_on"]},
        "第 5 行 转为正式党员日期：转正日期与入党日期相同",
    ),
    ("full_without_date", lambda d: {"full_member_on": "无"}, "第 5 行 转为正式党员日期：正式党员必须填写"),
    (
        "bad_date",
        lambda d: {"joined_on": "2019年13月1日"},
        "第 5 行 加入党组织日期：日期“2019年13月1日”不存在",
    ),
    ("garbled_date", lambda d: {"joined_on": "去年七月"}, "第 5 行 加入党组织日期：无法识别的日期"),
    ("ambiguous_month", lambda d: {"joined_on": 2019.1}, "第 5 行 加入党组织日期：日期“2019.1”有歧义"),
    ("ethnicity", lambda d: {"ethnicity": "99 火星族"}, "第 5 行 民族：“99 火星族”不在民族代码表中"),
    ("education", lambda d: {"education": "博士后"}, "第 5 行 学历：“博士后”不在学历代码表中"),
    (
        "education_gb_ambiguous",
        lambda d: {"education": "22 大学本科结业"},
        "第 5 行 学历：“22 大学本科结业”（GB/T 4658 的“22 大学本科结业”）在党员信息系统的学历代码中没有对应项",
    ),
    (
        "education_gb_heading",
        lambda d: {"education": "20"},
        "第 5 行 学历：“20”（GB/T 4658 的“20 大学本科教育”）是类别，不是具体学历",
    ),
    (
        "occupation_heading",
        lambda d: {"occupation": "0 在岗职工"},
        "第 5 行 工作岗位：“0 在岗职工”是工作岗位的类别，不是可填写的值",
    ),
    ("status", lambda d: {"status": "积极分子"}, "第 5 行 人员类别：“积极分子”无法识别，应为正式或预备"),
    ("no_name", lambda d: {"name": "无"}, "第 5 行 姓名：不能为空"),
    ("no_org", lambda d: {"org": ""}, "第 5 行 所在党支部：不能为空"),
    (
        "masked",
        lambda d: {"id_number": pii.mask_id_number(d["id_number"])},
        "第 5 行 公民身份证号：身份证号已隐去部分数字",
    ),
    (
        "numeric_id",
        lambda d: {"id_number": float(d["id_number"][:17] + "1")},
        "第 5 行 公民身份证号：身份证号被存成了数字",
    ),
    ("mobile_without_place", lambda d: {"mobile": "是"}, "第 5 行 外出流向：流动党员应填写外出流向"),
    ("yes_no", lambda d: {"lost_contact": "可能"}, "第 5 行 是否为失联党员：应填“是”或“否”"),
    (
        "lost_without_date",
        lambda d: {"lost_contact": "是"},
        "第 5 行 失去联系日期：失联党员应填写失去联系日期",
    ),
    ("phone", lambda d: {"phone": "12345"}, "第 5 行 手机号：手机号应为 11 位数字"),
    (
        "too_young",
        lambda d: {"joined_on": d["birth_date"].replace(year=d["birth_date"].year + 16)},
        "第 5 行 加入党组织日期：入党时未满 18 周岁",
    ),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_bad_row_reported_by_row_and_nothing_written(tmp_path, tree, admin, case, change, message):
    data = member_data(birth=dt.date(1985, 6, 15), joined=dt.date(2010, 7, 1), male=True)
    row = roster_row(data, org="甲县第一支部")
    row.update(change(data))
    path = _one_row_file(tmp_path, row)
    before = counts()
    plan, result = roster_import(path=path, user=admin)
    assert result is None
    assert any(t.startswith(message) for t in texts(plan)), texts(plan)
    assert counts() == before
    with pytest.raises(ImportRejected):
        roster_apply(plan=plan, actor=admin)
    assert counts() == before


def test_one_bad_row_blocks_the_whole_file(tmp_path, tree, admin):
    good = [roster_row(member_data(), org="甲县第一支部") for _ in range(3)]
    bad = roster_row(member_data(), org="甲县第一支部")
    bad["id_number"] = bad["id_number"][:17] + ("0" if bad["id_number"][17] != "0" else "1")
    path = national_roster(tmp_path / "x.xlsx", {"第一支部": good + [bad]})
    before = counts()
    plan, result = roster_import(path=path, user=admin)
    assert result is None and len(plan.errors) == 1
    assert str(plan.errors[0]).startswith("第 8 行 公民身份证号：身份证号校验位错误")
    assert counts() == before


def test_duplicate_number_in_file_names_both_rows_across_sheets(tmp_path, tree, admin):
    data = member_data()
    path = national_roster(
        tmp_path / "dup.xlsx",
        {
            "一支部": [roster_row(data, org="甲县第一支部")],
            "二支部": [roster_row(member_data(), org="甲县第一支部"), roster_row(data, org="甲县第一支部")],
        },
    )
    plan = roster_validate(path=path, user=admin)
    assert texts(plan) == ["工作表“二支部” 第 6 行 公民身份证号：与工作表“一支部”第 5 行的身份证号重复"]


def test_ambiguous_org_name_needs_parent(tmp_path, tree, admin):
    make_org(tree["county_a"], name="甲县第一支部", kind=OrgKind.BRANCH)  # same name, other parent
    data = member_data()
    plan = roster_validate(path=_one_row_file(tmp_path, roster_row(data, org="甲县第一支部")), user=admin)
    assert len(plan.errors) == 1
    assert "有 2 个同名组织" in str(plan.errors[0]) and "“上级名称/名称”" in str(plan.errors[0])
    path = _one_row_file(tmp_path, roster_row(data, org="甲县机关总支/甲县第一支部"), name="ok.xlsx")
    plan, result = roster_import(path=path, user=admin)
    assert result is not None and result.created == 1
    assert Member.objects.get().org == tree["branch_a1"]


def test_code_list_sheets_and_trailer_are_skipped(tmp_path, tree, admin):
    path = national_roster(tmp_path / "c.xlsx", {"支部": [roster_row(member_data(), org="甲县第一支部")]})
    plan = roster_validate(path=path, user=admin)
    assert plan.ok and len(plan.rows) == 1 and plan.warnings == []


def test_update_by_id_number(tmp_path, tree, admin):
    data = member_data(name="张三", phone="13900000001")
    member = make_member(tree["branch_a1"], **{k: v for k, v in data.items()})
    row = roster_row(data, org="甲县第一支部", name="张三", phone="13900000002", address="延吉市光明街 1 号")
    path = _one_row_file(tmp_path, row)
    plan, result = roster_import(path=path, user=admin)
    assert texts(plan) == [] and result.created == 0 and result.updated == 1 and result.transferred == 0
    member.refresh_from_db()
    assert member.address == "延吉市光明街 1 号" and pii.decrypt(member.phone_encrypted) == "13900000002"
    assert member.phone_masked == "139****0002"
    assert Member.objects.count() == 1 and Transfer.objects.count() == 0
    assert member.history.filter(history_type="~").count() == 1


def test_transfer_on_org_change(tmp_path, tree, admin, branch_a2):
    data = member_data()
    member = make_member(tree["branch_a1"], **data)
    from dangjian.orgs.services import position_assign

    position_assign(
        member=member,
        org=tree["branch_a1"],
        title=PositionTitle.SECRETARY,
        started_on=dt.date(2020, 1, 1),
        actor=None,
    )
    path = _one_row_file(tmp_path, roster_row(data, org="甲县第二支部"))
    plan, result = roster_import(path=path, user=admin)
    assert texts(plan) == [] and result.transferred == 1 and result.updated == 1
    member.refresh_from_db()
    assert member.org == branch_a2 and member.org_path == branch_a2.path
    t = Transfer.objects.get()
    assert (t.from_org, t.to_org, t.reason, t.member) == (tree["branch_a1"], branch_a2, "名册导入", member)
    assert Position.objects.get().ended_on is not None
    tree["branch_a1"].refresh_from_db()
    branch_a2.refresh_from_db()
    assert (tree["branch_a1"].full_count, branch_a2.full_count) == (0, 1)


def _member_with_posts(tree, data):
    """A member of 甲县第一支部 holding posts there, in its 党小组, in the 总支 above, and one ended."""
    from dangjian.orgs.services import position_assign, position_end

    member = make_member(tree["branch_a1"], **data)
    for org, title, started in (
        (tree["branch_a1"], PositionTitle.SECRETARY, dt.date(2020, 1, 1)),
        (tree["group_a1"], PositionTitle.GROUP_LEADER, dt.date(2021, 3, 1)),
        (tree["general"], PositionTitle.COMMITTEE_MEMBER, dt.date(2019, 5, 1)),
        (tree["branch_a1"], PositionTitle.ORGANIZATION, dt.date(2015, 1, 1)),
    ):
        post = position_assign(member=member, org=org, title=title, started_on=started, actor=None)
    position_end(position=post, ended_on=dt.date(2018, 1, 1), actor=None)
    return member


def _posts(member):
    return sorted(
        (p.org_id, p.title, p.started_on, p.ended_on) for p in Position.objects.filter(member=member)
    )


def test_import_transfer_ends_posts_as_the_transfer_service_does(
    tmp_path, tree, admin, branch_a2, monkeypatch
):
    """The same domain rule on both paths (one function): the posts in the subtree left end on
    the transfer date, others stay open, an ended one is untouched."""
    from dangjian.orgs import services
    from dangjian.orgs.services import member_transfer, today

    calls = []
    rule = services.positions_end_on_transfer

    def spy(**kwargs):
        calls.append((dict(kwargs["moves"]), kwargs["on"]))
        return rule(**kwargs)

    monkeypatch.setattr(services, "positions_end_on_transfer", spy)

    by_service = _member_with_posts(tree, member_data())
    member_transfer(member=by_service, to_org=branch_a2, on=today(), reason="工作调动", actor=admin)

    data = member_data()
    by_import = _member_with_posts(tree, data)
    plan, result = roster_import(
        path=_one_row_file(tmp_path, roster_row(data, org="甲县第二支部")), user=admin
    )
    assert texts(plan) == [] and result.transferred == 1

    assert _posts(by_import) == _posts(by_service)
    assert _posts(by_service) == sorted(
        [
            (tree["branch_a1"].pk, PositionTitle.SECRETARY, dt.date(2020, 1, 1), today()),
            (tree["group_a1"].pk, PositionTitle.GROUP_LEADER, dt.date(2021, 3, 1), today()),
            (tree["general"].pk, PositionTitle.COMMITTEE_MEMBER, dt.date(2019, 5, 1), None),
            (tree["branch_a1"].pk, PositionTitle.ORGANIZATION, dt.date(2015, 1, 1), dt.date(2018, 1, 1)),
        ]
    )
    assert Transfer.objects.get(member=by_import).on == Transfer.objects.get(member=by_service).on == today()
    path = tree["branch_a1"].path
    assert calls == [({by_service.pk: path}, today()), ({by_import.pk: path}, today())]


def test_known_member_outside_scope_is_refused(tmp_path, tree, admin):
    data = member_data()
    make_member(tree["branch_b1"], **data)
    plan = roster_validate(path=_one_row_file(tmp_path, roster_row(data, org="甲县第一支部")), user=admin)
    assert len(plan.errors) == 1 and "管理范围以外" in str(plan.errors[0])


def test_mobility_started_and_ended(tmp_path, tree, admin):
    data = member_data()
    make_member(tree["branch_a1"], **data)
    plan, result = roster_import(
        path=_one_row_file(
            tmp_path, roster_row(data, org="甲县第一支部", mobile="是", mobility_place="上海市")
        ),
        user=admin,
    )
    assert result.mobility_started == 1 and MobilityRecord.objects.get().ended_on is None
    plan, result = roster_import(
        path=_one_row_file(tmp_path, roster_row(data, org="甲县第一支部"), name="b.xlsx"), user=admin
    )
    assert result.mobility_ended == 1 and MobilityRecord.objects.get().ended_on is not None


def test_system_import_without_user_covers_the_whole_tree(tmp_path, tree):
    rows = [roster_row(member_data(), org="甲县第一支部"), roster_row(member_data(), org="乙县第一支部")]
    plan, result = roster_import(path=national_roster(tmp_path / "s.xlsx", {"s": rows}), user=None)
    assert result is not None and result.created == 2
    assert AuditEvent.objects.get(verb="import.roster").actor is None


def test_not_an_xlsx(tmp_path, tree, admin):
    path = tmp_path / "fake.xlsx"
    path.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8")
    plan = roster_validate(path=path, user=admin)
    assert texts(plan) == [
        "该文件不是有效的 Excel .xlsx 文件（文件内容与扩展名不符），请用 Excel 另存为 .xlsx 后再上传"
    ]


def test_no_header(tmp_path, tree, admin):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["随便", "什么"])
    book.save(tmp_path / "h.xlsx")
    plan = roster_validate(path=tmp_path / "h.xlsx", user=admin)
    assert "没有找到表头" in texts(plan)[0]


def test_ten_thousand_rows(tmp_path, tree, admin):
    from dangjian.orgs.excel.writer import write_roster

    rows = []
    for i in range(10_000):
        birth = dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
        first17 = f"22240{i % 10}{birth:%Y%m%d}{i % 1000:03d}"
        number = first17 + pii.id_check_digit(first17)
        rows.append(
            {
                "seq": i + 1,
                "name": f"测试{i}",
                "org": "甲县第一支部",
                "id_number": number,
                "gender": "男" if int(number[16]) % 2 else "女",
                "ethnicity": "01 汉族",
                "birth_date": birth,
                "status": "正式",
                "joined_on": dt.date(birth.year + 25, 7, 1),
                "full_member_on": dt.date(birth.year + 26, 7, 1),
                "phone": f"139{i:08d}",
            }
        )
    assert len({r["id_number"] for r in rows}) == 10_000
    path = tmp_path / "big.xlsx"
    write_roster(path, rows=rows)
    plan, result = roster_import(path=path, user=admin)
    assert texts(plan)[:3] == [] and result.created == 10_000
    tree["branch_a1"].refresh_from_db()
    assert tree["branch_a1"].full_count == 10_000
    assert AuditEvent.objects.filter(verb="import.roster").count() == 1
    assert make_id_number  # helper kept importable for other tests


def test_national_file_with_national_codes_imports_cleanly(tmp_path, tree, admin, branch_a2):
    """A 党员基本信息汇总表 as the national system exports it: one sheet per 党支部, code-list sheets
    with group headings, values carrying the national 学历 and 工作岗位 codes with trailing spaces,
    one-digit 学历 codes (6/7/8/9, one stored as a number) and the 民族 codes beyond the 56."""
    people = [
        # (member data, 学历 as written, 工作岗位 as written, 民族 as written, expected codes)
        (
            member_data(name="金英华", male=True),
            "22 大专 ",
            "0212 事业单位专业技术岗位 ",
            "10 朝鲜族 ",
            ("22", "0212", "10"),
        ),
        (
            member_data(name="李秀兰", male=False),
            "1A 中央党校研究生",
            "011 公务员",
            "01 汉族",
            ("1A", "011", "01"),
        ),
        (member_data(name="王建国", male=True), "6", "11 农牧渔业生产人员", "01 汉族", ("6", "11", "01")),
        (member_data(name="赵桂英", male=False), 7, "123 外出务工经商人员 ", "01", ("7", "123", "01")),
        (member_data(name="孙明", male=True), "8 ", "2 解放军、武警", "91 其他族", ("8", "2", "91")),
        (member_data(name="周海波", male=True), "9 其他", "502 退休人员", "03 回族", ("9", "502", "03")),
        (
            member_data(name="吴丽", male=False),
            "2B 省（区、市）委党校大学",
            "610 由于各种原因，已经离开本人的生产、工作岗位，并已不在本单位从事其他工作，"
            "但仍与单位保留劳动关系的职工（不包括内部退养职工）",
            "11 满族",
            ("2B", "610", "11"),
        ),
        (
            member_data(name="郑志文", male=True),
            "41 中等专科",
            "0311 公有经济控制单位工勤岗位",
            "01 汉族",
            ("41", "0311", "01"),
        ),
        (
            member_data(name="冯娜", male=False),
            "12 硕士研究生",
            "313 大学本科其他年级学生",
            "01 汉族",
            ("12", "313", "01"),
        ),
    ]

    def file_row(i: int, entry) -> dict:
        data, education, occupation, ethnicity, _ = entry
        spellings = ("{:%Y-%m-%d}", "{:%Y年%-m月%-d日}", "{:%Y/%m/%d}", "{:%Y.%m.%d}")
        joined = spellings[i % 4].format(data["joined_on"])
        return roster_row(
            data,
            org="" if i % 3 == 2 else f"{' 甲县第一支部 ' if i < 5 else '甲县第二支部'}",
            education=education,
            occupation=occupation,
            ethnicity=ethnicity,
            joined_on=joined,
            full_member_on=data["full_member_on"],
            name=data["name"] + " ",
            landline="—",
            address="延吉市 光明街 1 号 ",
        )

    first = [file_row(i, e) for i, e in enumerate(people[:5])]
    second = [file_row(i, e) for i, e in enumerate(people[5:], start=5)]
    path = national_roster(
        tmp_path / "党员基本信息汇总表.xlsx", {"甲县第一支部": first, "甲县第二支部": second}
    )

    import openpyxl

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["甲县第一支部", "甲县第二支部", "民族", "学历", "工作岗位"]
    sheet = book["甲县第一支部"]
    assert {"A1:U1", "M3:N3"} <= {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "基层党委：甲县委" and sheet.cell(5 + len(first), 1).value.startswith("注：")
    assert [c.value for c in book["工作岗位"]["A"][:3]] == ["代码", "0", "011"]  # a heading row, then codes

    plan = roster_validate(path=path, user=admin)
    assert texts(plan) == [] and plan.warnings == []
    assert (plan.to_create, plan.to_update, plan.to_transfer) == (len(people), 0, 0)
    result = roster_apply(plan=plan, actor=admin)
    assert result.created == len(people)

    for i, (data, *_, expected) in enumerate(people):
        m = Member.objects.get(id_number_hash=pii.lookup_hash(data["id_number"]))
        assert (m.education, m.occupation, m.ethnicity) == expected, m.name
        assert m.name == data["name"] and m.org == (tree["branch_a1"] if i < 5 else branch_a2)
        assert (m.joined_on, m.full_member_on) == (data["joined_on"], data["full_member_on"])
        assert m.address == "延吉市 光明街 1 号" and m.landline == ""
    wu = Member.objects.get(name="吴丽")
    assert wu.get_occupation_display().startswith("610 由于各种原因") and wu.get_education_display() == (
        "2B 省（区、市）委党校大学"
    )


@pytest.mark.parametrize("suffix", ["", "代码", "代码表"])
def test_code_list_sheets_are_skipped_silently(tmp_path, tree, admin, suffix):
    row = roster_row(member_data(), org="甲县第一支部")
    path = national_roster(tmp_path / "c.xlsx", {"甲县第一支部": [row]}, code_sheet_suffix=suffix)
    plan = roster_validate(path=path, user=admin)
    assert texts(plan) == [] and plan.warnings == [] and len(plan.rows) == 1
