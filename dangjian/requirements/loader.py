"""Reading and validating requirement YAML files.

A file names its source and lists requirements::

    source:
      title: 中国共产党支部工作条例（试行）
    requirements:
      - code: ZB-GENERAL-MEETING
        name: 支部党员大会
        article: 第十一条
        action: 召开
        applies_to: {kinds: [branch, joint_branch, temporary_branch]}
        counts: [general_meeting]
        period: quarter        # month / quarter / half_year / year / once (with deadline)
        times: 1
        judged: org            # or member: every member must attend ``times`` activities
        # What counts (optional):
        counts_from_groups: true          # records of its 党小组 count for the branch
        quorum: committee_majority        # more than half of the 委员 in post attended
        lecturer: secretary               # given by the org's 书记 in post that day, anywhere
        combines_with: [party_lecture]    # other kinds a counted record may carry (absent: any)
        pass_share: 0.9                   # per-member rules: share of members needed (default 1)

``parse_files`` validates every file first and raises ``RequirementFileError`` with one Chinese
message per problem ("文件 第 N 行，字段 …：原因"); nothing is written unless all files are good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dangjian.activities.models import ActivityKind
from dangjian.orgs.choices import OrgKind, Sector

from .models import Judged, PeriodKind

DATA_DIR = Path(__file__).resolve().parent / "data"

FIELD_LABELS = {
    "source": "来源",
    "title": "依据名称",
    "requirements": "要求列表",
    "code": "编码",
    "name": "名称",
    "action": "动词",
    "article": "条款",
    "applies_to": "适用范围",
    "kinds": "组织类别",
    "has_committee": "设支部委员会",
    "full_members_gte": "正式党员不少于",
    "positions_gte": "在任委员不少于",
    "required": "是否要求",
    "has_groups": "设党小组",
    "sectors": "单位类别",
    "leadership_team": "县处级以上领导班子",
    "within_orgs": "限于这些组织及其下级",
    "counts": "计入的活动类型",
    "period": "周期",
    "times": "每期次数",
    "deadline": "截止日期",
    "judged": "评判对象",
    "effective_from": "起始日期",
    "effective_to": "终止日期",
    "note": "说明",
    "counts_from_groups": "计入所属党小组的记录",
    "quorum": "到会要求",
    "lecturer": "授课人要求",
    "combines_with": "可同时计入的类型",
    "pass_share": "达标线（党员比例）",
}

QUORUM_HELP = "committee_majority（半数以上在任委员到会）"
LECTURER_HELP = "secretary（授课人当天是本组织书记）"
COUNTING_KEYS = ("counts_from_groups", "quorum", "lecturer", "combines_with", "pass_share")

PERIOD_HELP = "month（每月）、quarter（每季度）、half_year（每半年）、year（每年）、once（限期完成）"


class RequirementFileError(Exception):
    """One or more files failed validation; ``messages`` holds one Chinese line per problem."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HasCommittee(_Strict):
    """设支部委员会: at least ``full_members_gte`` 正式党员 or ``positions_gte`` current 委员."""

    full_members_gte: int = Field(ge=1)
    positions_gte: int = Field(ge=1)
    required: bool = True


class AppliesTo(_Strict):
    kinds: list[str] = Field(min_length=1)
    has_committee: HasCommittee | None = None
    full_members_gte: int | None = Field(default=None, ge=0)
    has_groups: bool | None = None
    sectors: list[str] | None = None
    leadership_team: bool | None = None
    # Only the subtrees of these orgs (a campaign batch's orgs; set by the campaign, by id).
    within_orgs: list[int] | None = None

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in OrgKind.values]
        if bad:
            raise ValueError(
                f"未知的组织类别：{'、'.join(map(str, bad))}（可用：{'、'.join(OrgKind.values)}）"
            )
        return value

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, value: list[str] | None) -> list[str] | None:
        bad = [v for v in value or () if v not in Sector.values]
        if bad:
            raise ValueError(
                f"未知的单位类别：{'、'.join(map(str, bad))}（可用：{'、'.join(Sector.values)}）"
            )
        return value


class RequirementSpec(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_.-]{1,63}$")
    name: str = Field(min_length=1, max_length=100)
    action: str = Field(default="开展", min_length=1, max_length=10)
    article: str = ""
    applies_to: AppliesTo
    counts: list[str] = Field(min_length=1)
    period: str
    times: int = Field(default=1, ge=1, le=1000)
    deadline: dt.date | None = None
    judged: str = Judged.ORG
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    note: str = ""
    counts_from_groups: bool = False
    quorum: str | None = None
    lecturer: str | None = None
    combines_with: list[str] | None = None
    pass_share: float | None = Field(default=None, gt=0, le=1)

    def counting(self) -> dict[str, Any]:
        """What counts, as stored on the requirement (only the keys given)."""
        out: dict[str, Any] = {}
        for key in COUNTING_KEYS:
            value = getattr(self, key)
            if value not in (None, False):
                out[key] = value
        return out

    @field_validator("quorum", mode="before")
    @classmethod
    def _quorum(cls, value: Any) -> str | None:
        if value is not None and value != "committee_majority":
            raise ValueError(f"到会要求应为 {QUORUM_HELP}，而不是 {value!r}")
        return value

    @field_validator("lecturer", mode="before")
    @classmethod
    def _lecturer(cls, value: Any) -> str | None:
        if value is not None and value != "secretary":
            raise ValueError(f"授课人要求应为 {LECTURER_HELP}，而不是 {value!r}")
        return value

    @field_validator("counts_from_groups", mode="before")
    @classmethod
    def _from_groups(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"应为 true 或 false，而不是 {value!r}")
        return value

    @field_validator("combines_with")
    @classmethod
    def _combines(cls, value: list[str] | None) -> list[str] | None:
        bad = [v for v in value or () if v not in ActivityKind.values]
        if bad:
            raise ValueError(
                f"未知的活动类型：{'、'.join(map(str, bad))}（可用：{'、'.join(ActivityKind.values)}）"
            )
        return value

    @field_validator("counts")
    @classmethod
    def _counts(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in ActivityKind.values]
        if bad:
            raise ValueError(
                f"未知的活动类型：{'、'.join(map(str, bad))}（可用：{'、'.join(ActivityKind.values)}）"
            )
        if len(set(value)) != len(value):
            raise ValueError("活动类型重复")
        return value

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> str:
        if value not in PeriodKind.values:
            raise ValueError(f"周期格式错误：{value!r}，应为 {PERIOD_HELP} 之一")
        return value

    @field_validator("judged", mode="before")
    @classmethod
    def _judged(cls, value: Any) -> str:
        if value not in Judged.values:
            raise ValueError(f"评判对象应为 org（按组织）或 member（按党员），而不是 {value!r}")
        return value

    @model_validator(mode="after")
    def _dates(self) -> RequirementSpec:
        if self.period == PeriodKind.ONCE and self.deadline is None:
            raise ValueError("period 为 once（限期完成）时必须填写 deadline（截止日期）")
        if self.period != PeriodKind.ONCE and self.deadline is not None:
            raise ValueError("只有 period 为 once（限期完成）时才能填写 deadline（截止日期）")
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to（终止日期）不能早于 effective_from（起始日期）")
        if self.deadline and self.effective_from and self.deadline < self.effective_from:
            raise ValueError("deadline（截止日期）不能早于 effective_from（起始日期）")
        if self.pass_share is not None and self.judged != Judged.MEMBER:
            raise ValueError("只有 judged 为 member（按党员）时才能填写 pass_share（达标线）")
        return self


class SourceSpec(_Strict):
    title: str = Field(min_length=1, max_length=200)
    year: int | None = None
    order: int = Field(default=0, ge=0, le=300)  # where this file's rules come in lists
    note: str = ""


class FileSpec(_Strict):
    source: SourceSpec
    requirements: list[RequirementSpec] = Field(min_length=1)


@dataclass
class ParsedFile:
    path: Path
    source_file: str
    spec: FileSpec
    lines: dict[str, int] = field(default_factory=dict)  # code -> line of its entry


# ---------------------------------------------------------------- YAML with line numbers


def _line_map(node: yaml.Node, loc: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    out = {} if out is None else out
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*loc, key)] = key_node.start_mark.line + 1
            _line_map(value_node, (*loc, key), out)
            out[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*loc, i), out)
    return out


def line_for(lines: dict[tuple, int], loc: tuple) -> int:
    loc = tuple(loc)
    while loc not in lines and loc:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _reason(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    reasons = {
        "missing": "缺少必填字段",
        "extra_forbidden": "未知字段（请检查拼写）",
        "string_type": "应为文本",
        "string_too_short": "不能为空",
        "string_too_long": f"不能超过 {ctx.get('max_length', '')} 个字",
        "string_pattern_mismatch": "格式不正确：编码只能由大写字母、数字和 - _ . 组成，2 至 64 位",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "date_type": "应为日期，格式 YYYY-MM-DD",
        "date_parsing": "不是有效日期，格式应为 YYYY-MM-DD",
        "date_from_datetime_parsing": "不是有效日期，格式应为 YYYY-MM-DD",
        "date_from_datetime_inexact": "应为日期，不能带时间",
        "list_type": "应为列表",
        "too_short": "不能为空列表",
        "dict_type": "应为映射（键: 值）",
        "model_type": "应为映射（键: 值）",
        "model_attributes_type": "应为映射（键: 值）",
        "greater_than_equal": f"不能小于 {ctx.get('ge', '')}",
        "less_than_equal": f"不能大于 {ctx.get('le', '')}",
    }
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    if kind in reasons:
        text = reasons[kind]
        if (
            kind not in {"missing", "extra_forbidden"}
            and value is not None
            and not isinstance(value, dict | list)
        ):
            text += f"（当前值：{value!r}）"
        return text
    return f"取值无效（{error.get('msg', '')}）"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path.resolve())


def read_yaml(path: Path, *, expect: str) -> tuple[Any, dict[tuple, int], list[str]]:
    """(data, line of each location, []) or (None, {}, messages) for a YAML mapping file.

    ``expect`` names the top-level keys for the message when the file is not a mapping."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, {}, [f"{name}：文件不存在（{path}）"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, {}, [f"{name}：无法读取（{exc}），文件应为 UTF-8 编码的 YAML"]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, {}, [f"{name} 第 {line} 行：YAML 格式错误（{problem}）"]
    if node is None or not isinstance(data, dict):
        return None, {}, [f"{name} 第 1 行：文件应为映射，包含 {expect}"]
    return data, _line_map(node), []


def validation_messages(
    name: str, lines: dict[tuple, int], exc: ValidationError, labels: Mapping[str, str] = FIELD_LABELS
) -> list[str]:
    """One Chinese line per problem: "文件 第 N 行，字段 a.b（名称）：原因"."""
    messages = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        label = labels.get(loc[-1], "") if loc and isinstance(loc[-1], str) else ""
        where = _dotted(loc) + (f"（{label}）" if label else "") if loc else "文件"
        messages.append(f"{name} 第 {line_for(lines, loc)} 行，字段 {where}：{_reason(error)}")
    return messages


def parse_file(path: Path) -> tuple[ParsedFile | None, list[str]]:
    """Validate one file; returns (parsed, []) or (None, messages)."""
    name = path.name
    data, lines, errors = read_yaml(path, expect="source 和 requirements 两项")
    if errors:
        return None, errors
    try:
        spec = FileSpec.model_validate(data)
    except ValidationError as exc:
        return None, validation_messages(name, lines, exc)
    messages = []
    seen: dict[str, int] = {}
    code_lines = {}
    for i, req in enumerate(spec.requirements):
        line = line_for(lines, ("requirements", i, "code"))
        code_lines[req.code] = line
        if req.code in seen:
            messages.append(
                f"{name} 第 {line} 行，字段 requirements[{i}].code（编码）：编码 {req.code} 重复（第 {seen[req.code]} 行已使用）"
            )
        seen.setdefault(req.code, line)
    if messages:
        return None, messages
    return ParsedFile(path=path, source_file=_relative(path), spec=spec, lines=code_lines), []


def default_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.yaml"))


def parse_files(paths: list[Path]) -> list[ParsedFile]:
    """Validate every file (and codes across files); raise RequirementFileError with all problems."""
    parsed: list[ParsedFile] = []
    messages: list[str] = []
    for path in paths:
        result, errors = parse_file(Path(path))
        messages.extend(errors)
        if result is not None:
            parsed.append(result)
    owner: dict[str, tuple[str, int]] = {}
    for pf in parsed:
        for code, line in pf.lines.items():
            if code in owner and owner[code][0] != pf.path.name:
                messages.append(
                    f"{pf.path.name} 第 {line} 行，字段 code（编码）：编码 {code} 已在 {owner[code][0]} 第 {owner[code][1]} 行使用"
                )
            owner.setdefault(code, (pf.path.name, line))
    if messages:
        raise RequirementFileError(messages)
    return parsed
