"""Coded lists used by orgs and members. Codes follow the national member-information forms
where they have codes (民族: GB 3304; 学历: GB/T 4658); the occupation list is the platform's
(editable here) and keeps the national habit of "code label" strings in Excel."""

from __future__ import annotations

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


class Occupation(models.TextChoices):
    CIVIL_SERVANT = "01", "01 公务员（参公管理人员）"
    INSTITUTION_MANAGER = "02", "02 事业单位管理人员"
    INSTITUTION_PROFESSIONAL = "03", "03 事业单位专业技术人员"
    ENTERPRISE_MANAGER = "04", "04 企业管理人员"
    ENTERPRISE_PROFESSIONAL = "05", "05 企业专业技术人员"
    WORKER = "06", "06 工人"
    FARMER = "11", "11 农牧渔业生产人员"
    STUDENT = "12", "12 学生"
    MILITARY = "13", "13 解放军、武警"
    RETIRED = "14", "14 离退休人员"
    NEW_EMPLOYMENT = "15", "15 新就业群体"
    FREELANCE = "16", "16 自由职业人员"
    SOCIAL_ORG_STAFF = "17", "17 社会组织从业人员"
    OTHER = "19", "19 其他职业人员"
    UNEMPLOYED = "20", "20 无固定职业"


class Education(models.TextChoices):
    DOCTOR = "11", "11 博士研究生"
    MASTER = "14", "14 硕士研究生"
    POSTGRADUATE = "10", "10 研究生"
    BACHELOR = "21", "21 大学"
    COLLEGE = "31", "31 大专"
    VOCATIONAL = "40", "40 中专"
    HIGH_SCHOOL = "61", "61 高中"
    MIDDLE_SCHOOL = "71", "71 初中"
    PRIMARY = "81", "81 小学"
    OTHER = "90", "90 其他"


ETHNICITIES = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 "
    "黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 "
    "撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 "
    "塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()
Ethnicity = models.TextChoices(  # type: ignore[call-overload]  # functional API builds the 56 GB 3304 codes
    "Ethnicity", [(f"E{i:02d}", (f"{i:02d}", f"{i:02d} {name}")) for i, name in enumerate(ETHNICITIES, 1)]
)
