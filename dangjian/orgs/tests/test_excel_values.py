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
    with pytest.raises(CellError, match="不一致"):
        layout.ETHNICITY.parse("01 满族")
    with pytest.raises(CellError, match="不在民族代码表中"):
        layout.ETHNICITY.parse("99")


def test_text_and_booleans():
    assert text(13912345678.0) == "13912345678"
    assert text("  无 ") == "" and text("\u3000张三\u3000") == "张三"
    assert squash(" 公民身份\n证号 ") == "公民身份证号"
    assert parse_bool("是", label="x") is True and parse_bool("", label="x") is False
    with pytest.raises(CellError):
        parse_bool("也许", label="x")


def test_fast_pinyin_matches_the_service():
    import random

    from dangjian.core.testing import GIVEN, SURNAMES
    from dangjian.orgs.excel.pinyin import NamePinyin
    from dangjian.orgs.services import name_pinyin

    rng = random.Random(7)
    names = [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(3000)]
    names += ["曾国华", "单雄信", "解放", "欧阳明月", "阿卜杜拉·买买提", "张三丰", "乐乐", "朴正熙", "Anna李"]
    fast = NamePinyin()
    assert [fast(n) for n in names] == [name_pinyin(n) for n in names]
