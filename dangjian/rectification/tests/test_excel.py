"""Export in the offices' columns; import all-or-nothing with row-level errors."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification.models import Problem, ProblemStatus
from dangjian.rectification.tests.factories import make_problem

pytestmark = pytest.mark.django_db
HEADER = [
    "序号",
    "问题",
    "表现",
    "整改措施",
    "责任领导",
    "责任单位",
    "责任人",
    "整改时限",
    "完成情况",
    "销号情况",
]


@pytest.fixture
def world():
    t = sample_tree()
    t["admin"] = make_user(Role.ORG_ADMIN, t["county_a"], username="x_admin")
    return t


def _xlsx(rows, header=HEADER, title=True):
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append(["检视问题整改台账"])
    sheet.append([h if i != 1 else " 问 题 " for i, h in enumerate(header)])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("台账.xlsx", buffer.getvalue())


GOOD = [
    [
        1,
        "甲县第一支部活动室借阅簿3月起未登记",
        "12本未登记",
        "1. 补登12本\n2. 每月5日核对",
        "李明",
        "甲县第一支部",
        "王芳",
        "2026-06-30",
        "",
        "",
    ],
    [
        2,
        "乙项问题：会议记录缺发言",
        "",
        "（1）每次会议记录发言人",
        "",
        "甲县机关总支",
        "赵强",
        "立行立改",
        "已整改3次会议",
        "已销号",
    ],
]


def test_export_has_the_offices_columns_and_only_the_subtree(client, world):
    make_problem(world["branch_a1"], description="甲问题")
    make_problem(world["branch_b1"], description="乙问题")
    client.force_login(world["admin"])
    response = client.get(reverse("rectification:export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert list(rows[0][:10]) == HEADER
    assert [r[1] for r in rows[1:]] == ["甲问题"]
    assert rows[1][3] == "1. 6月20日前由组织委员逐本核对12张借阅卡并补登"
    assert rows[1][5] == "甲县第一支部" and rows[1][9] == "未销号"


def test_import_checks_then_writes_every_row(client, world):
    client.force_login(world["admin"])
    response = client.post(reverse("rectification:import"), {"file": _xlsx(GOOD)})
    assert response.status_code == 200, response.content.decode()
    assert Problem.objects.count() == 0  # nothing before confirmation
    response = client.post(reverse("rectification:import_confirm"), {"token": response.context["token"]})
    assert response.status_code == 302
    first, second = Problem.objects.order_by("pk")
    assert first.org == world["branch_a1"] and first.due_on.isoformat() == "2026-06-30"
    assert [(m.text, m.owner) for m in first.measures.all()] == [
        ("补登12本", "王芳"),
        ("每月5日核对", "王芳"),
    ]
    assert first.status == ProblemStatus.PENDING and first.responsible_leader == "李明"
    # 销号 is never taken from a file: it waits for the level above
    assert second.status == ProblemStatus.REQUESTED and second.progress == "已整改3次会议"
    assert second.deadline_type == "immediate"


def test_bad_rows_are_named_and_nothing_is_written(client, world):
    bad = [
        GOOD[0],
        [2, "", "", "", "", "甲县第一支部", "", "2026-06-30", "", ""],
        [3, "问题三", "", "", "", "乙县第一支部", "", "下个月", "", "差不多"],
    ]
    client.force_login(world["admin"])
    response = client.post(reverse("rectification:import"), {"file": _xlsx(bad)})
    assert response.status_code == 400
    errors = [str(e) for e in response.context["plan"].errors]
    assert "第 4 行 问题：请填写问题" in errors
    assert "第 5 行 责任单位：“乙县第一支部”不在您的管理范围内" in errors
    assert "第 5 行 整改时限：“下个月”不是日期，也不是“立行立改”“长期坚持”" in errors
    assert "第 5 行 销号情况：“差不多”无法识别，应为“已销号”或“未销号”" in errors
    assert Problem.objects.count() == 0


def test_a_file_that_is_not_xlsx_is_refused(client, world):
    client.force_login(world["admin"])
    fake = SimpleUploadedFile("台账.xlsx", b"name,org\n")
    response = client.post(reverse("rectification:import"), {"file": fake})
    assert response.status_code == 400
    assert "不是有效的 Excel .xlsx 文件" in response.content.decode()


def test_export_round_trips(client, world):
    make_problem(world["branch_a1"], description="导出再导入的问题")
    client.force_login(world["admin"])
    content = client.get(reverse("rectification:export")).content
    upload = SimpleUploadedFile("导出.xlsx", content)
    response = client.post(reverse("rectification:import"), {"file": upload})
    assert response.status_code == 200, [str(e) for e in response.context["plan"].errors]
    row = response.context["plan"].rows[0]
    assert row.org == world["branch_a1"] and row.data["patron_leader"] == "李明"
