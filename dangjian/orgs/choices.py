"""Coded lists used by orgs and members. 民族 follows GB 3304; 学历 and 工作岗位 are the code
tables of the national member-information files (the values arrive as "code name" strings)."""

from __future__ import annotations

from typing import Any

from django.db import models


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "基层党委"
    WORKING_COMMITTEE = "working_committee", "党工委"
    LEADING_GROUP = "leading_group", "党组"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    TEMPORARY_BRANCH = "temporary_branch", "临时党支部"
    GROUP = "group", "党小组"


BRANCH_KINDS = frozenset({OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH})
# Orgs that hold no 换届: 党组 and 党工委 are appointed, not elected; a 临时党支部 ends with the body
# it serves (支部工作条例 第二章); a 党小组 has no term. They carry no term dates.
NO_TERM_KINDS = frozenset(
    {OrgKind.LEADING_GROUP, OrgKind.WORKING_COMMITTEE, OrgKind.TEMPORARY_BRANCH, OrgKind.GROUP}
)


class Sector(models.TextChoices):
    ORGAN = "organ", "机关"
    INSTITUTION = "institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
    SOCIAL_ORG = "social_org", "社会组织"
    RURAL = "rural", "农村"
    COMMUNITY = "community", "社区"
    SCHOOL = "school", "学校"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


class Standing(models.TextChoices):
    NORMAL = "normal", "正常"
    SUSPENDED = "suspended", "停止党籍"


class Mobility(models.TextChoices):
    OUT = "out", "流出"
    IN = "in", "流入"


class PositionTitle(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANIZATION = "organization", "组织委员"
    PROPAGANDA = "propaganda", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    YOUTH = "youth", "青年委员"
    WOMEN = "women", "妇女委员"
    COMMITTEE_MEMBER = "committee_member", "委员"
    GROUP_LEADER = "group_leader", "党小组组长"


COMMITTEE_TITLES = frozenset(
    {
        PositionTitle.SECRETARY,
        PositionTitle.DEPUTY_SECRETARY,
        PositionTitle.ORGANIZATION,
        PositionTitle.PROPAGANDA,
        PositionTitle.DISCIPLINE,
        PositionTitle.YOUTH,
        PositionTitle.WOMEN,
        PositionTitle.COMMITTEE_MEMBER,
    }
)


# The code tables of the national member-information files (党员信息采集): 学历 and 工作岗位
# as those files' own code sheets give them; not GB/T 4658. Each table is (group code, group
# name, ((code, name), ...)); a group heading is never a value. 学历 codes 6–9 stand alone.
EDUCATION_TABLE: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "1",
        "研究生教育",
        (
            ("11", "博士研究生"),
            ("12", "硕士研究生"),
            ("13", "硕士生班"),
            ("1A", "中央党校研究生"),
            ("1B", "省（区、市）委党校研究生"),
        ),
    ),
    (
        "2",
        "本专科教育",
        (
            ("21", "大学"),
            ("22", "大专"),
            ("23", "大学普通班"),
            ("24", "第二学士学位班"),
            ("2A", "中央党校大学"),
            ("2B", "省（区、市）委党校大学"),
            ("2C", "中央党校大专"),
            ("2D", "省（区、市）委党校大专"),
        ),
    ),
    ("4", "中等职业学校", (("41", "中等专科"), ("44", "职业高中"), ("47", "技工学校"))),
    ("", "", (("6", "普通高中"), ("7", "初中"), ("8", "小学"), ("9", "其他"))),
)

OCCUPATION_TABLE: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "0",
        "在岗职工",
        (
            ("011", "公务员"),
            ("012", "参照公务员法管理的工作人员"),
            ("0211", "事业单位管理岗位"),
            ("0212", "事业单位专业技术岗位"),
            ("0213", "公有经济控制企业管理岗位"),
            ("0214", "公有经济控制企业专业技术岗位"),
            ("0215", "非公有经济控制企业管理岗位"),
            ("0216", "非公有经济控制企业专业技术岗位"),
            ("0217", "民办非企业管理岗位"),
            ("0218", "民办非企业专业技术岗位"),
            ("0311", "公有经济控制单位工勤岗位"),
            ("0312", "非公有企业工勤岗位"),
            ("0313", "民办非企业工勤岗位"),
            ("0314", "机关单位工勤岗"),
            ("0315", "事业单位工勤岗"),
        ),
    ),
    (
        "1",
        "农牧渔民",
        (
            ("11", "农牧渔业生产人员"),
            ("122", "乡村医生"),
            ("123", "外出务工经商人员"),
            ("124", "其他农牧渔民"),
        ),
    ),
    ("2", "解放军、武警", (("2", "解放军、武警"),)),
    (
        "3",
        "学生",
        (
            ("301", "研究生毕业年级学生"),
            ("302", "研究生一年级学生"),
            ("303", "研究生其他年级学生"),
            ("311", "大学本科毕业年级学生"),
            ("312", "大学本科一年级学生"),
            ("313", "大学本科其他年级学生"),
            ("321", "大学专科毕业年级学生"),
            ("322", "大学专科一年级学生"),
            ("323", "大学专科其他年级学生"),
            ("33", "中等专业学校学生"),
            ("34", "高中学生"),
            ("35", "技工学校学生"),
        ),
    ),
    (
        "5",
        "离退休人员",
        (("501", "离休干部"), ("502", "退休人员"), ("503", "退职人员"), ("504", "内部退养职工")),
    ),
    (
        "6",
        "其他人员",
        (
            ("601", "大学生村官"),
            ("602", "社区工作人员"),
            ("603", "停薪留职人员"),
            ("604", "个体工商户中的从业人员"),
            ("605", "自由职业人员"),
            ("606", "（转业）待安置、学生毕业未就业的人员"),
            ("607", "公派或因私出国、出境逾期未归的人员"),
            ("608", "改革后不再保留原机关干部身份，党组织关系仍保留在原单位的人员"),
            ("609", "企业破产后，领取保险金或被辞退的职工中未重新就业的人员"),
            (
                "610",
                "由于各种原因，已经离开本人的生产、工作岗位，并已不在本单位从事其他工作，"
                "但仍与单位保留劳动关系的职工（不包括内部退养职工）",
            ),
            ("611", "党组织关系在人才（劳动）服务中心，不明职业的人员"),
            ("612", "其他从业人员"),
            ("613", "其他无业人员"),
        ),
    ),
)


def _flat(
    table: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...],
) -> list[tuple[str, tuple[str, str]]]:
    return [(f"C{code}", (code, f"{code} {name}")) for _, _, codes in table for code, name in codes]


def grouped_choices(
    table: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...],
) -> list[tuple[str, Any]]:
    """Django's grouped choices (rendered as <optgroup>): a group heading is a label, not a value."""
    out: list[tuple[str, Any]] = []
    for _, group_name, codes in table:
        options = [(code, f"{code} {name}") for code, name in codes]
        if group_name:
            out.append((group_name, options))
        else:
            out.extend(options)
    return out


def group_codes(
    table: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...],
) -> dict[str, tuple[str, ...]]:
    """Group code → the codes under it."""
    return {group: tuple(code for code, _ in codes) for group, _, codes in table if group}


Education = models.TextChoices(  # type: ignore[call-overload]  # functional API builds the national table
    "Education", _flat(EDUCATION_TABLE)
)
Occupation = models.TextChoices(  # type: ignore[call-overload]  # functional API builds the national table
    "Occupation", _flat(OCCUPATION_TABLE)
)


class OccupationGroup(models.TextChoices):
    """The first level of 工作岗位 (a filter, never a member's value)."""

    EMPLOYED = "0", "在岗职工"
    FARMER = "1", "农牧渔民"
    MILITARY = "2", "解放军、武警"
    STUDENT = "3", "学生"
    RETIRED = "5", "离退休人员"
    OTHER = "6", "其他人员"


EDUCATION_CHOICES = grouped_choices(EDUCATION_TABLE)
OCCUPATION_CHOICES = grouped_choices(OCCUPATION_TABLE)
EDUCATION_GROUPS = {group: name for group, name, _ in EDUCATION_TABLE if group}
OCCUPATION_GROUP_CODES = group_codes(OCCUPATION_TABLE)


def occupation_group(code: str) -> str:
    """The group a 工作岗位 code belongs to ("" for none): the codes are prefixed by their group."""
    return code[:1] if code and code[:1] in OCCUPATION_GROUP_CODES else ""


# The platform's former 工作岗位 list, as files exported before the national table carry it:
# an item with one national counterpart maps; the others (企业管理人员 in a public or a private
# firm? which 学生?) are reported. The data migration of stored members used the org's sector.
FORMER_OCCUPATION: dict[str, tuple[str, str]] = {
    "01": ("公务员（参公管理人员）", "011"),
    "02": ("事业单位管理人员", "0211"),
    "03": ("事业单位专业技术人员", "0212"),
    "04": ("企业管理人员", ""),
    "05": ("企业专业技术人员", ""),
    "06": ("工人", ""),
    "12": ("学生", ""),
    "13": ("解放军、武警", "2"),
    "14": ("离退休人员", ""),
    "15": ("新就业群体", ""),
    "16": ("自由职业人员", "605"),
    "17": ("社会组织从业人员", ""),
    "19": ("其他职业人员", "612"),
    "20": ("无固定职业", "613"),
}

# GB/T 4658-2006 学历 codes as other systems write them, and what each becomes in the national
# table. The standard records 毕业 / 结业 / 肄业 apart; the national table records only the level
# reached, so only 毕业 codes (and 90 其他) map. A heading (10, 20 …) is a class, not a value.
GB4658_EDUCATION: dict[str, tuple[str, str]] = {
    "10": ("研究生教育", ""),
    "11": ("博士研究生毕业", "11"),
    "12": ("博士研究生结业", ""),
    "13": ("博士研究生肄业", ""),
    "14": ("硕士研究生毕业", "12"),
    "15": ("硕士研究生结业", ""),
    "16": ("硕士研究生肄业", ""),
    "17": ("研究生班毕业", "13"),
    "18": ("研究生班结业", ""),
    "19": ("研究生班肄业", ""),
    "20": ("大学本科教育", ""),
    "21": ("大学本科毕业", "21"),
    "22": ("大学本科结业", ""),
    "23": ("大学本科肄业", ""),
    "28": ("大学普通班毕业", "23"),
    "30": ("大学专科教育", ""),
    "31": ("大学专科毕业", "22"),
    "32": ("大学专科结业", ""),
    "33": ("大学专科肄业", ""),
    "40": ("中等职业教育", ""),
    "41": ("中等专科毕业", "41"),
    "42": ("中等专科结业", ""),
    "43": ("中等专科肄业", ""),
    "44": ("职业高中毕业", "44"),
    "45": ("职业高中结业", ""),
    "46": ("职业高中肄业", ""),
    "47": ("技工学校毕业", "47"),
    "48": ("技工学校结业", ""),
    "49": ("技工学校肄业", ""),
    "60": ("普通高级中学教育", ""),
    "61": ("普通高中毕业", "6"),
    "62": ("普通高中结业", ""),
    "63": ("普通高中肄业", ""),
    "70": ("初级中学教育", ""),
    "71": ("初中毕业", "7"),
    "73": ("初中肄业", ""),
    "80": ("小学教育", ""),
    "81": ("小学毕业", "8"),
    "83": ("小学肄业", ""),
    "90": ("其他", "9"),
}
# A GB/T 4658 heading (10, 20 …) → the national codes its items map to.
GB4658_HEADINGS: dict[str, frozenset[str]] = {
    heading: frozenset(
        t for c, (_, t) in GB4658_EDUCATION.items() if t and c != heading and c[0] == heading[0]
    )
    for heading, (name, _) in GB4658_EDUCATION.items()
    if name.endswith("教育")
}


ETHNICITIES = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 "
    "黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 "
    "撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 "
    "塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()
# The national files add three codes after the 56: 91 其他族, 92 外国血统, 93 外国民族.
ETHNICITY_EXTRA = (("91", "其他族"), ("92", "外国血统"), ("93", "外国民族"))
Ethnicity = models.TextChoices(  # type: ignore[call-overload]  # functional API builds the GB 3304 codes
    "Ethnicity",
    [(f"E{i:02d}", (f"{i:02d}", f"{i:02d} {name}")) for i, name in enumerate(ETHNICITIES, 1)]
    + [(f"E{code}", (code, f"{code} {name}")) for code, name in ETHNICITY_EXTRA],
)
