"""Rewrite stored 学历 and 工作岗位 codes from the platform's former lists to the national tables.

The former lists were a GB/T 4658-style 学历 list and the platform's own 15-item 工作岗位 list.
Each old code becomes the national code below; history rows are rewritten too, so a member's
history shows codes the code tables still know. Where one old code covers several national ones,
the unit kind (``Org.sector``) of the member's org picks the closest, and the choice is noted.

学历 (old → national):
    11 博士研究生 → 11 博士研究生            same level
    14 硕士研究生 → 12 硕士研究生            same level, national code differs
    10 研究生     → 12 硕士研究生            ambiguous (no level given); 硕士 is by far the
                                             commonest 研究生 level, 博士 is recorded as 11 already
    21 大学       → 21 大学                  same
    31 大专       → 22 大专                  same level
    40 中专       → 41 中等专科              the old list had no 职业高中 / 技工学校 entries
    61 高中       → 6 普通高中
    71 初中       → 7 初中
    81 小学       → 8 小学
    90 其他       → 9 其他

工作岗位 (old → national):
    01 公务员（参公管理人员） → 011 公务员    the old item merged 公务员 and 参公; 公务员 is the
                                             larger group and 012 cannot be told apart
    02 事业单位管理人员       → 0211 事业单位管理岗位
    03 事业单位专业技术人员   → 0212 事业单位专业技术岗位
    04 企业管理人员           → 0215 in a 非公企业, 0217 in a 社会组织 (民办非企业),
                                 otherwise 0213 公有经济控制企业管理岗位
    05 企业专业技术人员       → 0216 in a 非公企业, 0218 in a 社会组织,
                                 otherwise 0214 公有经济控制企业专业技术岗位
    06 工人                   → 0314 in a 机关, 0315 in a 事业单位 or 学校, 0312 in a 非公企业,
                                 0313 in a 社会组织, otherwise 0311 公有经济控制单位工勤岗位
    11 农牧渔业生产人员       → 11 (same)
    12 学生                   → 313 大学本科其他年级学生: the grade is unknown; student members
                                 are mostly undergraduates, and "其他年级" claims no grade
    13 解放军、武警           → 2 解放军、武警
    14 离退休人员             → 502 退休人员: 离休 (501) is only for those who joined the
                                 revolution before 1949-10 and was recorded apart in practice
    15 新就业群体             → 612 其他从业人员: couriers, riders and platform drivers have no
                                 national item of their own
    16 自由职业人员           → 605 自由职业人员
    17 社会组织从业人员       → 0218 民办非企业专业技术岗位: the national table files social
                                 organisations' posts under 民办非企业; most staff are not managers
    19 其他职业人员           → 612 其他从业人员
    20 无固定职业             → 613 其他无业人员

No national code is also an old code that is rewritten, so the updates cannot chain. Going back
maps each national code to the old item that covers it.
"""

from __future__ import annotations

from django.db import migrations

EDUCATION = {
    "14": "12",
    "10": "12",
    "31": "22",
    "40": "41",
    "61": "6",
    "71": "7",
    "81": "8",
    "90": "9",
}

# old code → (default, {sector: code})
OCCUPATION: dict[str, tuple[str, dict[str, str]]] = {
    "01": ("011", {}),
    "02": ("0211", {}),
    "03": ("0212", {}),
    "04": ("0213", {"private_enterprise": "0215", "social_org": "0217"}),
    "05": ("0214", {"private_enterprise": "0216", "social_org": "0218"}),
    "06": (
        "0311",
        {
            "organ": "0314",
            "institution": "0315",
            "school": "0315",
            "private_enterprise": "0312",
            "social_org": "0313",
        },
    ),
    "12": ("313", {}),
    "13": ("2", {}),
    "14": ("502", {}),
    "15": ("612", {}),
    "16": ("605", {}),
    "17": ("0218", {}),
    "19": ("612", {}),
    "20": ("613", {}),
}

EDUCATION_BACK = {
    "12": "14",
    "13": "14",
    "1A": "14",
    "1B": "14",
    "23": "21",
    "24": "21",
    "2A": "21",
    "2B": "21",
    "22": "31",
    "2C": "31",
    "2D": "31",
    "41": "40",
    "44": "40",
    "47": "40",
    "6": "61",
    "7": "71",
    "8": "81",
    "9": "90",
}


def _occupation_back(code: str) -> str:
    fixed = {"605": "16", "606": "20", "609": "20", "613": "20", "2": "13", "0211": "02", "0212": "03"}
    if code in fixed:
        return fixed[code]
    for prefixes, old in (
        (("011", "012"), "01"),
        (("0213", "0215", "0217"), "04"),
        (("0214", "0216", "0218"), "05"),
        (("03",), "06"),
        (("1",), "11"),
        (("3",), "12"),
        (("5",), "14"),
    ):
        if code.startswith(prefixes):
            return old
    return "19"


def _models(apps):
    return apps.get_model("orgs", "Member"), apps.get_model("orgs", "HistoricalMember")


def forward(apps, schema_editor):
    for model in _models(apps):
        rows = model._base_manager
        for old, new in EDUCATION.items():
            rows.filter(education=old).update(education=new)
        for old, (default, by_sector) in OCCUPATION.items():
            for sector, new in by_sector.items():
                rows.filter(occupation=old, org__sector=sector).update(occupation=new)
            rows.filter(occupation=old).update(occupation=default)


def backward(apps, schema_editor):
    for model in _models(apps):
        rows = model._base_manager
        for new, old in EDUCATION_BACK.items():
            rows.filter(education=new).update(education=old)
        codes = set(rows.exclude(occupation="").values_list("occupation", flat=True).distinct())
        for code in codes:
            rows.filter(occupation=code).update(occupation=_occupation_back(code))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0006_member_national_code_tables")]

    operations = [migrations.RunPython(forward, backward)]
