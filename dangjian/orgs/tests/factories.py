"""Test factories for the tree and members: orgs, members with valid 身份证号, the sample tree."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from dangjian.core import pii
from dangjian.orgs.choices import MemberStatus, OrgKind, Sector
from dangjian.orgs.models import Member, Org
from dangjian.orgs.services import member_apply, name_pinyin, org_recount

_seq = itertools.count(1)
_rng = random.Random(20261123)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文海波宁"


def make_id_number(birth: dt.date, male: bool, region: str = "222401") -> str:
    """A valid 18-digit 身份证号 for ``birth`` (unique per call in one process)."""
    seq = next(_seq) % 500
    order = seq * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + pii.id_check_digit(first17)


def make_org(
    parent: Org | None = None, *, name: str | None = None, kind: str | None = None, **kw: Any
) -> Org:
    kind = kind or (OrgKind.COMMITTEE if parent is None else OrgKind.BRANCH)
    node = Org(
        name=name or f"测试组织{next(_seq)}",
        kind=kind,
        sector=kw.pop("sector", Sector.ORGAN),
        unit_name=kw.pop("unit_name", ""),
        **kw,
    )
    return Org.objects.add_child(parent, instance=node) if parent else Org.objects.add_root(instance=node)


def member_data(**overrides: Any) -> dict[str, Any]:
    """Valid cleaned member data (plain id_number) for services and forms."""
    male = overrides.pop("male", _rng.random() < 0.6)
    # Born 1960–1994, so the default 入党 (at 25) is no later than 2019: tests may date
    # transfers and posts in the early 2020s whatever order the workers draw members in.
    birth = overrides.pop(
        "birth", dt.date(1960 + _rng.randrange(35), 1 + _rng.randrange(12), 1 + _rng.randrange(28))
    )
    joined = overrides.pop("joined", dt.date(birth.year + 25, 7, 1))
    data: dict[str, Any] = {
        "name": _rng.choice(SURNAMES) + _rng.choice(GIVEN) + _rng.choice(GIVEN),
        "gender": "M" if male else "F",
        "ethnicity": "01",
        "birth_date": birth,
        "id_number": make_id_number(birth, male),
        "phone": f"139{_rng.randrange(10**8):08d}",
        "education": "21",  # 大学 (national 学历 code)
        "status": MemberStatus.FULL,
        "joined_on": joined,
        "full_member_on": joined.replace(year=joined.year + 1),  # the day the 预备期 ends
        "occupation": "011",  # 公务员 (national 工作岗位 code)
    }
    data.update(overrides)
    if data["status"] == MemberStatus.PROBATIONARY and "full_member_on" not in overrides:
        data["full_member_on"] = None
    return data


def make_member(org: Org, *, recount: bool = True, **overrides: Any) -> Member:
    """Create a member directly (bypassing services' audit) for test set-up."""
    data = member_data(**overrides)
    member = Member(org=org)
    member_apply(member, data)
    member.save()
    if recount:
        org_recount([org.pk])
    return member


def sample_tree() -> dict[str, Org]:
    """市委 → 县委 A (→ 总支 → 支部 A1 → 党小组) and 县委 B (→ 支部 B1): enough for scope tests."""
    city = make_org(name="示例市委", kind=OrgKind.COMMITTEE)
    county_a = make_org(city, name="甲县委", kind=OrgKind.COMMITTEE)
    county_b = make_org(city, name="乙县委", kind=OrgKind.COMMITTEE)
    general = make_org(county_a, name="甲县机关总支", kind=OrgKind.GENERAL_BRANCH)
    branch_a1 = make_org(general, name="甲县第一支部", kind=OrgKind.BRANCH)
    group_a1 = make_org(branch_a1, name="甲县第一支部第一党小组", kind=OrgKind.GROUP)
    branch_b1 = make_org(county_b, name="乙县第一支部", kind=OrgKind.BRANCH)
    for o in (city, county_a, county_b, general, branch_a1, group_a1, branch_b1):
        o.refresh_from_db()
    return {
        "city": city,
        "county_a": county_a,
        "county_b": county_b,
        "general": general,
        "branch_a1": branch_a1,
        "group_a1": group_a1,
        "branch_b1": branch_b1,
    }


__all__ = ["make_id_number", "make_member", "make_org", "member_data", "name_pinyin", "sample_tree"]
