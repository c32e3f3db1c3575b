"""The column layouts: the national 《党员基本信息汇总表》 for members, and the org list.

Each column has a key, the header text written in the template and export, and the spellings
accepted on import (compared without whitespace).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..choices import (
    EDUCATION_GROUPS,
    FORMER_OCCUPATION,
    GB4658_EDUCATION,
    GB4658_HEADINGS,
    Education,
    Ethnicity,
    Gender,
    MemberStatus,
    Occupation,
    OccupationGroup,
    OrgKind,
    Sector,
    Standing,
)
from .values import CodeList, squash

ROSTER_TITLE = "党员基本信息汇总表"
ORG_TITLE = "党组织基本信息表"
# Code-list sheets are skipped by name, as the national files and their copies name them.
CODE_SHEETS = frozenset(
    f"{name}{suffix}" for name in ("民族", "学历", "工作岗位") for suffix in ("", "代码", "代码表")
) | {"代码表", "代码"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    group: str = ""  # upper header of a two-level header (联系电话)
    width: int = 12

    @property
    def spellings(self) -> tuple[str, ...]:
        return tuple(squash(s) for s in (self.header, *self.aliases))


ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", width=6),
    Column("name", "姓名", ("党员姓名",), width=10),
    Column("org", "所在党支部", ("所在党组织", "所在支部", "党支部", "所在党支部名称"), width=24),
    Column("id_number", "公民身份证号", ("公民身份号码", "身份证号", "身份证号码"), width=21),
    Column("gender", "性别", width=6),
    Column("ethnicity", "民族", width=10),
    Column("birth_date", "出生日期", width=12),
    Column("education", "学历", width=12),
    Column("status", "人员类别", width=10),
    Column("joined_on", "加入党组织日期", ("入党日期", "加入党组织时间"), width=14),
    Column("full_member_on", "转为正式党员日期", ("转正日期", "转为正式党员时间"), width=14),
    Column("occupation", "工作岗位", width=22),
    Column("phone", "手机号", ("手机号码", "手机"), group="联系电话", width=14),
    Column("landline", "固定电话", ("座机", "办公电话"), group="联系电话", width=14),
    Column("address", "家庭住址", ("家庭地址", "住址"), width=28),
    Column("standing", "党籍状态", width=10),
    Column("lost_contact", "是否为失联党员", ("是否失联党员", "失联党员"), width=10),
    Column("lost_contact_on", "失去联系日期", ("失联日期",), width=12),
    Column("mobile", "是否为流动党员", ("是否流动党员", "流动党员"), width=10),
    Column("mobility_place", "外出流向", ("流向", "外出地点"), width=20),
    Column("probation_extension_months", "延长预备期（月）", ("延长预备期", "延长预备期月数"), width=10),
    Column("note", "备注", width=16),
)
ROSTER_REQUIRED_HEADERS = ("name", "id_number")

ORG_COLUMNS: tuple[Column, ...] = (
    Column("name", "组织名称", ("党组织名称",), width=28),
    Column("kind", "组织类别", ("党组织类别", "组织类型"), width=12),
    Column("parent", "上级党组织", ("上级组织", "上级党组织名称"), width=28),
    Column("unit_name", "所在单位", ("单位名称",), width=24),
    Column("sector", "单位类别", ("单位性质",), width=12),
    Column("founded_on", "成立日期", ("成立时间",), width=12),
    Column("secretary", "书记", ("党组织书记", "书记姓名"), width=10),
    Column("term_due", "应换届时间", ("应换届日期",), width=12),
    Column("term_start", "实际换届时间", ("实际换届日期", "换届时间", "本届换届时间"), width=12),
)
ORG_REQUIRED_HEADERS = ("name", "kind")

ETHNICITY = CodeList(Ethnicity.choices, label="民族", width=2)
EDUCATION = CodeList(
    Education.choices,
    label="学历",
    aliases={
        "本科": "21",
        "大学本科": "21",
        "大学专科": "22",
        "专科": "22",
        "中专": "41",
        "中技": "41",
        "职高": "44",
        "技校": "47",
        "高中": "6",
        "高级中学": "6",
        "初级中学": "7",
    },
    groups=EDUCATION_GROUPS,
    foreign=GB4658_EDUCATION,
    foreign_label="GB/T 4658",
    foreign_groups=GB4658_HEADINGS,
)
OCCUPATION = CodeList(
    Occupation.choices,
    label="工作岗位",
    groups={value: label for value, label in OccupationGroup.choices if value not in Occupation.values},
    foreign=FORMER_OCCUPATION,
    foreign_label="原工作岗位代码表",
)

GENDER_MAP = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}
GENDER_LABEL = {Gender.MALE: "男", Gender.FEMALE: "女"}
STATUS_MAP = {
    "正式": MemberStatus.FULL,
    "正式党员": MemberStatus.FULL,
    "预备": MemberStatus.PROBATIONARY,
    "预备党员": MemberStatus.PROBATIONARY,
}
STATUS_LABEL = {MemberStatus.FULL: "正式", MemberStatus.PROBATIONARY: "预备"}
STANDING_MAP = {"正常": Standing.NORMAL, "停止党籍": Standing.SUSPENDED, "停止": Standing.SUSPENDED}
STANDING_LABEL = {Standing.NORMAL: "正常", Standing.SUSPENDED: "停止党籍"}

KIND_MAP = {squash(label): value for value, label in OrgKind.choices} | {
    "党委": OrgKind.COMMITTEE,
    "基层委员会": OrgKind.COMMITTEE,
    "机关党委": OrgKind.COMMITTEE,
    "总支": OrgKind.GENERAL_BRANCH,
    "支部": OrgKind.BRANCH,
    "党工作委员会": OrgKind.WORKING_COMMITTEE,
}
KIND_LABEL = dict(OrgKind.choices)
SECTOR_MAP = {squash(label): value for value, label in Sector.choices} | {
    "党政机关": Sector.ORGAN,
    "国企": Sector.STATE_ENTERPRISE,
    "非公有制企业": Sector.PRIVATE_ENTERPRISE,
    "民营企业": Sector.PRIVATE_ENTERPRISE,
    "村": Sector.RURAL,
    "学校": Sector.SCHOOL,
    "高校": Sector.SCHOOL,
}
SECTOR_LABEL = dict(Sector.choices)

YES, NO = "是", "否"
ORG_PATH_SEPARATOR = "/"
