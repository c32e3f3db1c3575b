"""Cell values as offices type them."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.orgs.excel import layout
from dangjian.orgs.excel.values import CellError, parse_bool, parse_date, squash, text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.date(2019, 7, 1), dt.date(2019, 7, 1)),
        (dt.datetime(2019, 7, 1, 0, 0), dt.date(2019, 7, 1)),
        ("2019年7月1日", dt.date(2019, 7, 1)),
        ("2019 年 7 月 1 日", dt.date(2019, 7, 1)),
        ("2019/07/01", dt.date(2019, 7, 1)),
        ("2019-07-01", dt.date(2019, 7, 1)),
        ("2019.07", dt.date(2019, 7, 1)),
        ("2019.7.1", dt.date(2019, 7, 1)),
        ("2019年7月", dt.date(2019, 7, 1)),
        ("20190701", dt.date(2019, 7, 1)),
        (1969.01, dt.date(1969, 1, 1)),
        (2019.07, dt.date(2019, 7, 1)),
        (2019.12, dt.date(2019, 12, 1)),
        (43647.0, dt.date(2019, 7, 1)),  # an Excel serial in a cell without date format
        ("无", None),
        ("—", None),
        ("", None),
        (None, None),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2019.1", None),  # text "2019.1" is January: no ambiguity in text
        (2019.1, "有歧义"),
        (2019.0, "只有年份"),
        ("2019-02-30", "不存在"),
        ("七月一日", "无法识别的日期"),
    ],
)
def test_bad_or_ambiguous_dates(raw, message):
    if message is None:
        assert parse_date(raw) == dt.date(2019, 1, 1)
    else:
        with pytest.raises(CellError, match=message):
            parse_date(raw)


def test_codes():
    assert layout.ETHNICITY.parse("01 汉族") == "01"
    assert layout.ETHNICITY.parse("朝鲜族") == "10"
    assert layout.ETHNICITY.parse("朝鲜") == "10"
    assert layout.ETHNICITY.parse(1.0) == "01"
    assert layout.EDUCATION.parse("21 大学") == "21"
    assert layout.EDUCATION.parse("大学本科") == "21"
    assert layout.OCCUPATION.parse("11") == "11"
    assert layout.ETHNICITY.parse("91 其他族") == "91"
    with pytest.raises(CellError, match="不一致"):
        layout.ETHNICITY.parse("01 满族")
    with pytest.raises(CellError, match="不在民族代码表中"):
        layout.ETHNICITY.parse("99")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("22 大专", "22"),
        ("22", "22"),  # a bare code in both tables reads as the national one
        ("12", "12"),
        ("22 大专  ", "22"),  # trailing spaces, as exported
        ("\u300022\u3000大专\u3000", "22"),
        ("1A 中央党校研究生", "1A"),
        ("1a中央党校研究生", "1A"),
        ("2D", "2D"),
        ("6", "6"),
        (6.0, "6"),  # a one-digit code stored as a number
        ("7 初中", "7"),
        ("8 小学 ", "8"),
        ("9 其他", "9"),
        ("普通高中", "6"),
        ("省（区、市）委党校大学", "2B"),
        # GB/T 4658 codes with one national counterpart are mapped
        ("14 硕士研究生毕业", "12"),
        ("14", "12"),
        ("31 大学专科毕业", "22"),
        ("61", "6"),
        ("71 初中毕业", "7"),
        ("81", "8"),
        ("90", "9"),
        ("28 大学普通班毕业", "23"),
        ("11 博士研究生毕业", "11"),
        ("21 大学本科毕业", "21"),
        ("大学专科毕业", "22"),
        # a former platform export: an old code with a name the table knows
        ("31 大专", "22"),
        ("61 高中", "6"),
        ("40 中专", "41"),  # a GB/T 4658 heading before a name under it
    ],
)
def test_education_national_codes(raw, code):
    assert layout.EDUCATION.parse(raw) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "22 大学本科结业",
            "“22 大学本科结业”（GB/T 4658 的“22 大学本科结业”）在党员信息系统的学历代码中没有对应项",
        ),
        ("15", "GB/T 4658 的“15 硕士研究生结业”"),
        ("12 博士研究生结业", "GB/T 4658 的“12 博士研究生结业”"),
        ("硕士研究生肄业", "不区分毕业、结业、肄业"),
        ("10", "GB/T 4658 的“10 研究生教育”）是类别，不是具体学历"),
        ("30 大学专科教育", "是类别，不是具体学历"),
        ("1 研究生教育", "“1 研究生教育”是学历的类别，不是可填写的值"),
        ("本专科教育", "是学历的类别"),
        ("12 大学", "代码 12 与名称“大学”不一致"),
        ("14 大学", "代码 14 与名称“大学”不一致"),
        ("40 大学", "代码 40 与名称“大学”不一致"),
        ("10 研究生", "（GB/T 4658 的“10 研究生教育”）是类别"),
        ("5", "“5”不在学历代码表中"),
    ],
)
def test_education_reported(raw, message):
    with pytest.raises(CellError) as exc:
        layout.EDUCATION.parse(raw)
    assert message in str(exc.value)


def test_occupation_two_levels():
    parse = layout.OCCUPATION.parse
    # codes that are prefixes of one another are told apart (011 公务员 is not 11 农牧渔业生产人员)
    assert parse("011 公务员") == "011" and parse("011") == "011" and parse("11") == "11"
    assert parse("0212 事业单位专业技术岗位 ") == "0212" and parse("0212事业单位专业技术岗位") == "0212"
    assert parse("2 解放军、武警") == "2" and parse("解放军、武警") == "2"
    assert parse("313") == "313" and parse("其他无业人员") == "613"
    for heading in ("0 在岗职工", "0", "3 学生", "学生", "5 离退休人员", "6"):
        with pytest.raises(CellError, match="是工作岗位的类别，不是可填写的值"):
            parse(heading)
    with pytest.raises(CellError, match="代码 0212 与名称“公务员”不一致"):
        parse("0212 公务员")
    with pytest.raises(CellError, match="不在工作岗位代码表中"):
        parse("99 宇航员")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("01 公务员（参公管理人员）", "011"),
        ("01", "011"),
        ("03 事业单位专业技术人员", "0212"),
        ("13 解放军、武警", "2"),
        ("16 自由职业人员", "605"),
        ("20 无固定职业", "613"),
        ("无固定职业", "613"),
    ],
)
def test_occupation_from_the_former_list_where_one_code_matches(raw, code):
    """Files exported before the national table carry the former list's items."""
    assert layout.OCCUPATION.parse(raw) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "04 企业管理人员",
            "“04 企业管理人员”（原工作岗位代码表的“04 企业管理人员”）在党员信息系统的代码表中没有唯一对应项",
        ),
        ("14 离退休人员", "原工作岗位代码表的“14 离退休人员”"),
        ("12", "原工作岗位代码表的“12 学生”"),
        ("06 公务员", "代码 06 与名称“公务员”不一致"),
    ],
)
def test_occupation_from_the_former_list_reported_where_ambiguous(raw, message):
    with pytest.raises(CellError) as exc:
        layout.OCCUPATION.parse(raw)
    assert message in str(exc.value)


def test_a_wrong_code_with_a_known_name_is_reported_not_fixed():
    with pytest.raises(CellError, match="代码 99 与名称“汉族”不一致"):
        layout.ETHNICITY.parse("99 汉族")
    with pytest.raises(CellError, match="代码 5 与名称“大学”不一致"):
        layout.EDUCATION.parse("5 大学")


def test_text_and_booleans():
    assert text(13912345678.0) == "13912345678"
    assert text("  无 ") == "" and text("\u3000张三\u3000") == "张三"
    assert squash(" 公民身份\n证号 ") == "公民身份证号"
    assert parse_bool("是", label="x") is True and parse_bool("", label="x") is False
    with pytest.raises(CellError):
        parse_bool("也许", label="x")


def test_fast_pinyin_matches_the_service():
    import random

    from dangjian.orgs.excel.pinyin import NamePinyin
    from dangjian.orgs.services import name_pinyin
    from dangjian.orgs.tests.factories import GIVEN, SURNAMES

    rng = random.Random(7)
    names = [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(3000)]
    names += ["曾国华", "单雄信", "解放", "欧阳明月", "阿卜杜拉·买买提", "张三丰", "乐乐", "朴正熙", "Anna李"]
    fast = NamePinyin()
    assert [fast(n) for n in names] == [name_pinyin(n) for n in names]
