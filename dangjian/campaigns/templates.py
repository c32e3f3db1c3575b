"""Campaign templates: YAML files under ``templates_data/``, validated like requirement files.

A template names the campaign, its batches (with dates), its phases and its required actions::

    template:
      code: xjp-thought-2023
      name: 学习贯彻习近平新时代中国特色社会主义思想主题教育
      general_requirement: 学思想、强党性、重实践、建新功
    batches:
      - {name: 第二批, starts_on: 2023-09-01, ends_on: 2024-01-31}
    phases: [理论学习, 调查研究]
    actions:
      - code: READING-CLASS
        name: 读书班
        phase: 理论学习
        batches: [第二批]           # default: every batch
        applies_to: {kinds: [committee], leadership_team: true}
        counts: [reading_class]
        period: once               # or month / quarter (a cadence inside the batch)
        deadline: 2023-11-30       # inside every batch the action belongs to
        judged: org                # or member

Unknown fields, a deadline outside its batches, unknown phases or batches and overlapping
batches are reported in Chinese with the file, line and field; ``TemplateError`` carries them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dangjian.core.counters import counter_names, get_counter
from dangjian.requirements.loader import (
    FIELD_LABELS,
    RequirementSpec,
    _Strict,
    line_for,
    read_yaml,
    validation_messages,
)
from dangjian.requirements.models import PeriodKind

DATA_DIR = Path(__file__).resolve().parent / "templates_data"

LABELS = {
    **FIELD_LABELS,
    "template": "模板",
    "batches": "批次",
    "phases": "环节",
    "actions": "规定动作",
    "general_requirement": "总要求",
    "starts_on": "开始日期",
    "ends_on": "结束日期",
    "phase": "环节",
    "manual": "人工确认",
    "summary_on": "总结日期",
    "ledger": "按台账计数",
}


class TemplateError(Exception):
    """A template failed validation; ``messages`` holds one Chinese line per problem."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class TemplateHead(_Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: str = Field(min_length=1, max_length=100)
    general_requirement: str = Field(default="", max_length=100)
    summary_on: dt.date | None = None
    note: str = ""


class BatchSpec(_Strict):
    name: str = Field(min_length=1, max_length=20)
    starts_on: dt.date
    ends_on: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> BatchSpec:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on（结束日期）不能早于 starts_on（开始日期）")
        return self


class LedgerSpec(BaseModel):
    """An action judged from a ledger app's rows (``core.counters``): ``source`` names the
    counter, every other key the least count of that key per org, e.g.
    ``{source: typical_cases, positive: 1, negative: 1}``."""

    model_config = ConfigDict(extra="allow")

    source: str

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: Any) -> str:
        names = counter_names()
        if get_counter(str(value)) is None:
            raise ValueError(f"未知的台账来源 {value!r}（可用：{'、'.join(names) or '无'}）")
        return str(value)

    @model_validator(mode="after")
    def _keys(self) -> LedgerSpec:
        counter = get_counter(self.source)
        assert counter is not None
        extra = dict(self.model_extra or {})
        if not extra:
            raise ValueError(
                f"请写明 {self.source} 计数的要求（可用：{'、'.join(f'{k}（{v}）' for k, v in counter.keys.items())}）"
            )
        for key, value in extra.items():
            if key not in counter.keys:
                raise ValueError(
                    f"{self.source} 没有计数项 {key}（可用：{'、'.join(f'{k}（{v}）' for k, v in counter.keys.items())}）"
                )
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
                raise ValueError(f"{key} 应为 1 至 100 的整数，而不是 {value!r}")
        return self

    def stored(self) -> dict[str, Any]:
        return {"source": self.source, **(self.model_extra or {})}


class ActionSpec(RequirementSpec):
    """A required action: a requirement rule plus its phase and batches; its effective dates
    are its batch's, so ``effective_from``/``effective_to`` are not accepted here."""

    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_.-]{1,39}$")
    counts: list[str] = Field(default_factory=list)  # type: ignore[assignment]  # manual actions count none
    phase: str | None = None
    batches: list[str] | None = None
    manual: bool = False
    ledger: LedgerSpec | None = None

    @model_validator(mode="after")
    def _dates(self) -> ActionSpec:  # replaces the requirement file's check of the same name
        if self.effective_from is not None or self.effective_to is not None:
            raise ValueError("规定动作的起止日期即其批次的日期，不能填写 effective_from / effective_to")
        if self.period != PeriodKind.ONCE and self.deadline is not None:
            raise ValueError("只有 period 为 once（限期完成）时才能填写 deadline（截止日期）")
        if self.ledger is not None and self.counts:
            raise ValueError("ledger（按台账计数）与 counts（计入的活动类型）不能同时填写")
        if self.ledger is not None and self.judged != "org":
            raise ValueError("ledger（按台账计数）的动作只能按组织评判（judged: org）")
        if not self.manual and not self.counts and self.ledger is None:
            raise ValueError(
                "counts（计入的活动类型）不能为空；由台账计数的动作请写 ledger，无法由记录评判的动作请写 manual: true"
            )
        if self.pass_share is not None and self.judged != "member":
            raise ValueError("只有 judged 为 member（按党员）时才能填写 pass_share（达标线）")
        return self


class TemplateSpec(_Strict):
    template: TemplateHead
    batches: list[BatchSpec] = Field(min_length=1)
    phases: list[str] = Field(default_factory=list)
    actions: list[ActionSpec] = Field(min_length=1)


@dataclass
class Template:
    path: Path
    spec: TemplateSpec
    lines: dict[tuple, int]

    @property
    def code(self) -> str:
        return self.spec.template.code

    @property
    def name(self) -> str:
        return self.spec.template.name

    def batch(self, name: str) -> BatchSpec | None:
        return next((b for b in self.spec.batches if b.name == name), None)

    def action_batches(self, action: ActionSpec) -> list[BatchSpec]:
        names = action.batches or [b.name for b in self.spec.batches]
        return [b for b in self.spec.batches if b.name in names]


def overlap_messages(batches: list[tuple[str, dt.date, dt.date, list[tuple[int, str, str]]]]) -> list[str]:
    """ "第一批与第二批 日期重叠且都包含 X" for each pair of batches sharing an org (one is the other
    or inside its subtree) on a common day. Each batch: (name, starts_on, ends_on, [(id, path, name)])."""
    messages = []
    for i, (name_a, start_a, end_a, orgs_a) in enumerate(batches):
        for name_b, start_b, end_b, orgs_b in batches[i + 1 :]:
            if start_a > end_b or start_b > end_a:
                continue
            for _ia, path_a, org_a in orgs_a:
                for _ib, path_b, org_b in orgs_b:
                    if path_a.startswith(path_b) or path_b.startswith(path_a):
                        inner = org_a if len(path_a) >= len(path_b) else org_b
                        messages.append(
                            f"批次 {name_a}（{start_a} 至 {end_a}）与 {name_b}（{start_b} 至 {end_b}）"
                            f"日期重叠，且都包含 {inner}：同一组织不能同时属于两个批次"
                        )
    return messages


def deadline_messages(name: str, where: str, deadline: dt.date | None, batches: list[BatchSpec]) -> list[str]:
    """A deadline must lie inside every batch its action belongs to."""
    if deadline is None:
        return []
    return [
        f"{name} {where}：截止日期 {deadline} 不在批次 {b.name}（{b.starts_on} 至 {b.ends_on}）之内"
        for b in batches
        if not b.starts_on <= deadline <= b.ends_on
    ]


def parse_template(path: Path) -> Template:
    """Validate one template file; raise TemplateError with every problem."""
    path = Path(path)
    name = path.name
    data, lines, errors = read_yaml(path, expect="template、batches、phases 和 actions")
    if errors:
        raise TemplateError(errors)
    try:
        spec = TemplateSpec.model_validate(data)
    except ValidationError as exc:
        raise TemplateError(validation_messages(name, lines, exc, LABELS)) from exc
    template = Template(path=path, spec=spec, lines=lines)
    messages: list[str] = []
    batch_names = [b.name for b in spec.batches]
    for i, b in enumerate(spec.batches):
        if b.name in batch_names[:i]:
            messages.append(
                f"{name} 第 {line_for(lines, ('batches', i, 'name'))} 行，字段 batches[{i}].name（批次）：批次 {b.name} 重复"
            )
    root = [(0, "", "牵头党组织")]  # every template batch covers the whole root
    messages += [
        f"{name}：{m}"
        for m in overlap_messages([(b.name, b.starts_on, b.ends_on, root) for b in spec.batches])
    ]
    seen: dict[str, int] = {}
    for i, action in enumerate(spec.actions):
        at = ("actions", i)
        line = line_for(lines, (*at, "code"))
        if action.code in seen:
            messages.append(
                f"{name} 第 {line} 行，字段 actions[{i}].code（编码）：编码 {action.code} 重复（第 {seen[action.code]} 行已使用）"
            )
        seen.setdefault(action.code, line)
        if action.phase is not None and action.phase not in spec.phases:
            messages.append(
                f"{name} 第 {line_for(lines, (*at, 'phase'))} 行，字段 actions[{i}].phase（环节）："
                f"未知的环节 {action.phase}（可用：{'、'.join(spec.phases) or '无'}）"
            )
        unknown = [b for b in action.batches or () if b not in batch_names]
        if unknown:
            messages.append(
                f"{name} 第 {line_for(lines, (*at, 'batches'))} 行，字段 actions[{i}].batches（批次）："
                f"未知的批次 {'、'.join(unknown)}（可用：{'、'.join(batch_names)}）"
            )
        messages += deadline_messages(
            name,
            f"第 {line_for(lines, (*at, 'deadline'))} 行，字段 actions[{i}].deadline（截止日期）",
            action.deadline,
            template.action_batches(action),
        )
    if messages:
        raise TemplateError(messages)
    return template


def template_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.yaml"))


def load_templates() -> dict[str, Template]:
    """Every shipped template by code (all validated; the first problem file raises)."""
    out: dict[str, Template] = {}
    for path in template_files():
        t = parse_template(path)
        out[t.code] = t
    return out


def get_template(code: str) -> Template:
    templates = load_templates()
    if code not in templates and code.replace("_", "-") in templates:
        code = code.replace("_", "-")  # the file's name (xjp_thought_2023) names it too
    if code not in templates:
        raise TemplateError([f"没有编码为 {code} 的主题教育模板（可用：{'、'.join(sorted(templates))}）"])
    return templates[code]


def action_requirement_fields(action: ActionSpec) -> dict[str, Any]:
    """The Requirement fields an action gives (scope and dates are the batch's)."""
    return {
        "name": action.name,
        "action": action.action,
        "article": action.article,
        "applies_to": action.applies_to.model_dump(exclude_none=True),
        "counts": list(action.counts),
        "period": action.period,
        "times": action.times,
        "judged": action.judged,
        "counting": action.counting(),
        "note": action.note,
    }
