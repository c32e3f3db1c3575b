"""The shipped templates and the checks of a template file."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from dangjian.campaigns.templates import TemplateError, load_templates, parse_template

GOOD = """\
template:
  code: test-campaign
  name: 测试主题教育
batches:
  - {name: 第一批, starts_on: 2023-04-01, ends_on: 2023-08-31}
  - {name: 第二批, starts_on: 2023-09-01, ends_on: 2024-01-31}
phases: [理论学习]
actions:
  - code: READING-CLASS
    name: 读书班
    phase: 理论学习
    batches: [第二批]
    applies_to: {kinds: [committee], leadership_team: true}
    counts: [reading_class]
    period: once
    deadline: 2023-11-30
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(TemplateError) as info:
        parse_template(write(tmp_path, text))
    return info.value.messages


def test_shipped_templates_are_the_three_campaigns():
    templates = load_templates()
    assert {t.name for t in templates.values()} == {
        "党的群众路线教育实践活动",
        "不忘初心、牢记使命主题教育",
        "学习贯彻习近平新时代中国特色社会主义思想主题教育",
    }
    qzlx = templates["qzlx-2013"].spec
    assert [p for p in qzlx.phases] == ["学习教育、听取意见", "查摆问题、开展批评", "整改落实、建章立制"]
    assert qzlx.batches[0].starts_on == dt.date(2013, 6, 18)
    bwcx = templates["bwcx-2019"].spec
    assert [(b.name, b.starts_on.month, b.ends_on.month) for b in bwcx.batches] == [
        ("第一批", 6, 8),
        ("第二批", 9, 11),
    ]


def test_2023_template_carries_the_citys_figures():
    spec = load_templates()["xjp-thought-2023"].spec
    by_code = {a.code: a for a in spec.actions}
    reading = by_code["READING-CLASS"]
    assert (reading.deadline, reading.applies_to.leadership_team, reading.batches) == (
        dt.date(2023, 11, 30),
        True,
        ["第二批"],
    )
    central = by_code["CENTRAL-GROUP-STUDY"]
    assert (central.period, central.times, central.counts) == ("month", 1, ["central_group_study"])
    assert by_code["LEADER-LECTURE"].lecturer == "secretary"
    assert by_code["SECRETARY-LECTURE"].lecturer == "secretary"
    assert "branch" in by_code["SECRETARY-LECTURE"].applies_to.kinds
    assert (by_code["GROUP-STUDY"].period, by_code["GROUP-STUDY"].times) == ("month", 1)
    seminar = by_code["SEMINAR-EACH-MEMBER"]
    assert (seminar.judged, seminar.counts) == ("member", ["seminar"])
    # Counted from the ledgers; the research action keeps a manual confirmation as its fallback.
    research, cases = by_code["RESEARCH-TOPIC"], by_code["TYPICAL-CASES"]
    assert research.ledger.stored() == {"source": "research", "topics": 1, "reports": 1}
    assert research.manual
    assert cases.ledger.stored() == {"source": "typical_cases", "positive": 1, "negative": 1}
    assert not cases.manual
    exchange = by_code["RESEARCH-EXCHANGE"]
    assert (exchange.counts, exchange.deadline) == (["research_exchange"], dt.date(2023, 11, 30))
    assert by_code["ORG-LIFE-MEETING"].counts == ["org_life_meeting"]


def test_a_good_file_parses(tmp_path):
    template = parse_template(write(tmp_path, GOOD))
    assert template.code == "test-campaign"
    assert [b.name for b in template.action_batches(template.spec.actions[0])] == ["第二批"]


def test_unknown_field_is_named_in_chinese(tmp_path):
    messages = problems(
        tmp_path, GOOD.replace("    period: once\n", "    period: once\n    deadlnie: 2023-11-01\n")
    )
    assert len(messages) == 1
    assert "actions[0].deadlnie" in messages[0] and "未知字段" in messages[0]
    assert "第 16 行" in messages[0]


def test_unknown_field_in_head(tmp_path):
    messages = problems(
        tmp_path, GOOD.replace("  name: 测试主题教育\n", "  name: 测试主题教育\n  leader: 张三\n")
    )
    assert messages == ["t.yaml 第 4 行，字段 template.leader：未知字段（请检查拼写）"]


def test_deadline_outside_its_batch(tmp_path):
    messages = problems(tmp_path, GOOD.replace("deadline: 2023-11-30", "deadline: 2024-03-01"))
    assert messages == [
        "t.yaml 第 16 行，字段 actions[0].deadline（截止日期）：截止日期 2024-03-01 不在批次 第二批"
        "（2023-09-01 至 2024-01-31）之内"
    ]


def test_deadline_must_fit_every_batch_of_the_action(tmp_path):
    messages = problems(tmp_path, GOOD.replace("    batches: [第二批]\n", ""))
    assert len(messages) == 1 and "第一批（2023-04-01 至 2023-08-31）" in messages[0]


def test_overlapping_batches(tmp_path):
    messages = problems(tmp_path, GOOD.replace("starts_on: 2023-09-01", "starts_on: 2023-08-15"))
    assert len(messages) == 1
    assert "第一批（2023-04-01 至 2023-08-31）与 第二批（2023-08-15 至 2024-01-31）日期重叠" in messages[0]


def test_unknown_phase_and_batch(tmp_path):
    text = GOOD.replace("phase: 理论学习", "phase: 理论武装").replace(
        "batches: [第二批]", "batches: [第三批]"
    )
    messages = problems(tmp_path, text)
    assert any("未知的环节 理论武装（可用：理论学习）" in m for m in messages)
    assert any("未知的批次 第三批（可用：第一批、第二批）" in m for m in messages)


def test_action_dates_come_from_the_batch(tmp_path):
    messages = problems(
        tmp_path, GOOD.replace("    period: once\n", "    period: once\n    effective_to: 2023-12-01\n")
    )
    assert "不能填写 effective_from / effective_to" in messages[0]


def test_a_judged_action_needs_counts(tmp_path):
    messages = problems(tmp_path, GOOD.replace("    counts: [reading_class]\n", ""))
    assert "manual: true" in messages[0]


LEDGER = GOOD.replace(
    "    counts: [reading_class]\n",
    "    ledger: {source: typical_cases, positive: 1, negative: 1}\n",
)


def test_an_action_may_be_counted_from_a_ledger(tmp_path):
    action = parse_template(write(tmp_path, LEDGER)).spec.actions[0]
    assert action.ledger.stored() == {"source": "typical_cases", "positive": 1, "negative": 1}


def test_an_unknown_ledger_source_is_refused_in_chinese(tmp_path):
    messages = problems(tmp_path, LEDGER.replace("source: typical_cases", "source: case_book"))
    assert len(messages) == 1
    assert "actions[0].ledger.source（来源）" in messages[0]
    assert "未知的台账来源 'case_book'" in messages[0] and "typical_cases" in messages[0]


def test_an_unknown_ledger_count_is_refused(tmp_path):
    messages = problems(tmp_path, LEDGER.replace("negative: 1", "neutral: 1"))
    assert "typical_cases 没有计数项 neutral" in messages[0]
    messages = problems(tmp_path, LEDGER.replace("negative: 1", "negative: 0"))
    assert "negative 应为 1 至 100 的整数" in messages[0]


def test_ledger_and_counts_do_not_mix(tmp_path):
    text = LEDGER.replace("    period: once\n", "    counts: [reading_class]\n    period: once\n")
    assert "不能同时填写" in problems(tmp_path, text)[0]
