from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dangjian.core.models import AuditEvent
from dangjian.requirements.loader import RequirementFileError, default_files, parse_files
from dangjian.requirements.models import Requirement
from dangjian.requirements.services import requirements_load

GOOD = """\
source:
  title: 测试条例
requirements:
  - code: T-MEETING
    name: 支部党员大会
    applies_to:
      kinds: [branch]
    counts: [general_meeting]
    period: quarter
    times: 1
  - code: T-COMMITTEE
    name: 支部委员会会议
    applies_to:
      kinds: [branch]
      has_committee: {full_members_gte: 7, positions_gte: 3}
    counts: [committee_meeting]
    period: month
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_files_are_valid():
    parsed = parse_files(default_files())
    codes = {r.code for pf in parsed for r in pf.spec.requirements}
    for code in (
        "ZB-GENERAL-MEETING",
        "ZB-COMMITTEE-MEETING",
        "ZB-GROUP-MEETING",
        "ZB-PARTY-LECTURE",
        "JY-THEME-DAY",
        "ZB-ORG-LIFE-MEETING",
        "ZB-MEMBER-APPRAISAL",
        "ZB-HEART-TO-HEART",
    ):
        assert code in codes
    # Campaign requirements live in the campaign templates only (never twice).
    assert not any(code.startswith(("ZTJY23-", "ZXZ-")) for code in codes)


@pytest.mark.django_db
def test_load_is_idempotent_and_records_source(tmp_path):
    path = write(tmp_path, "t.yaml", GOOD)
    first = requirements_load(paths=[path], recompute=False)
    assert sorted(first.created) == ["T-COMMITTEE", "T-MEETING"]
    req = Requirement.objects.get(code="T-COMMITTEE")
    assert req.source_title == "测试条例"
    assert req.source_file.endswith("t.yaml")
    assert req.applies_to["has_committee"] == {"full_members_gte": 7, "positions_gte": 3, "required": True}
    assert req.period == "month" and req.times == 1 and req.judged == "org"
    events = AuditEvent.objects.count()
    second = requirements_load(paths=[path], recompute=False)
    assert second.created == [] and second.updated == []
    assert sorted(second.unchanged) == ["T-COMMITTEE", "T-MEETING"]
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_edit_and_removal(tmp_path):
    path = write(tmp_path, "t.yaml", GOOD)
    requirements_load(paths=[path], recompute=False)
    edited = GOOD.replace("period: quarter\n    times: 1", "period: quarter\n    times: 2")
    edited = edited[: edited.index("  - code: T-COMMITTEE")]
    write(tmp_path, "t.yaml", edited)
    report = requirements_load(paths=[path], recompute=False)
    assert report.updated == ["T-MEETING"]
    assert report.deactivated == ["T-COMMITTEE"]
    assert Requirement.objects.get(code="T-MEETING").times == 2
    assert not Requirement.objects.get(code="T-COMMITTEE").is_active


BAD_CASES = [
    (
        "counts: [general_meeting]",
        "counts: [general_meting]",
        "第 8 行，字段 requirements[0].counts（计入的活动类型）：未知的活动类型：general_meting",
    ),
    (
        "period: quarter",
        "period: quaterly",
        "第 9 行，字段 requirements[0].period（周期）：周期格式错误：'quaterly'",
    ),
    ("    name: 支部党员大会\n", "", "第 4 行，字段 requirements[0].name（名称）：缺少必填字段"),
    (
        "    times: 1\n  - code: T-COMMITTEE",
        "    times: 一次\n  - code: T-COMMITTEE",
        "第 10 行，字段 requirements[0].times（每期次数）：应为整数",
    ),
    (
        "kinds: [branch]\n    counts: [general",
        "kinds: [brunch]\n    counts: [general",
        "第 7 行，字段 requirements[0].applies_to.kinds（组织类别）：未知的组织类别：brunch",
    ),
    (
        "period: quarter",
        "period: once",
        "第 4 行，字段 requirements[0]：period 为 once（限期完成）时必须填写 deadline",
    ),
    (
        "    times: 1\n  - code",
        "    times: 1\n    colour: red\n  - code",
        "第 11 行，字段 requirements[0].colour：未知字段",
    ),
    (
        "code: T-COMMITTEE",
        "code: T-MEETING",
        "第 11 行，字段 requirements[1].code（编码）：编码 T-MEETING 重复（第 4 行已使用）",
    ),
    ("    counts: [general_meeting]", "    counts: [general_meeting\n", "YAML 格式错误"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new", "message"), BAD_CASES)
def test_bad_file_names_file_line_and_field_and_changes_nothing(tmp_path, old, new, message, capsys):
    good = write(tmp_path, "a_good.yaml", GOOD.replace("T-", "G-"))
    assert old in GOOD
    bad = write(tmp_path, "b_bad.yaml", GOOD.replace(old, new, 1))
    with pytest.raises(RequirementFileError) as exc:
        requirements_load(paths=[good, bad], recompute=False)
    text = "\n".join(exc.value.messages)
    assert "b_bad.yaml" in text
    assert message in text, text
    assert not Requirement.objects.exists()
    with pytest.raises(CommandError, match="未做任何修改"):
        call_command("load_requirements", str(good), str(bad))
    assert message in capsys.readouterr().err
    assert not Requirement.objects.exists()


@pytest.mark.django_db
def test_code_owned_by_another_file_is_refused(tmp_path):
    requirements_load(paths=[write(tmp_path, "a.yaml", GOOD)], recompute=False)
    before = list(Requirement.objects.values_list("code", "source_file", "times"))
    other = write(tmp_path, "b.yaml", GOOD.replace("times: 1", "times: 3"))
    with pytest.raises(RequirementFileError, match="已由 .*a.yaml 定义"):
        requirements_load(paths=[other], recompute=False)
    assert list(Requirement.objects.values_list("code", "source_file", "times")) == before


@pytest.mark.django_db
def test_command_loads_shipped_files(capsys):
    call_command("load_requirements", "--no-recompute")
    out = capsys.readouterr().out
    assert "新增" in out
    assert Requirement.objects.filter(code="ZB-COMMITTEE-MEETING", period="month").exists()


def test_missing_file_and_not_a_mapping(tmp_path):
    with pytest.raises(RequirementFileError, match="nope.yaml：文件不存在"):
        parse_files([tmp_path / "nope.yaml"])
    with pytest.raises(RequirementFileError, match="第 1 行：文件应为映射"):
        parse_files([write(tmp_path, "list.yaml", "- 1\n- 2\n")])
