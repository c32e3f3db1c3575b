"""Requirements as data and the compliance figures derived from activity records.

A Requirement is loaded from a YAML file under ``requirements/data/`` (the source of truth; the
admin site may edit a row, the next ``load_requirements`` of its file puts the file's values back).
The engine (``engine.py``) evaluates every requirement for every org it applies to and every
period, and stores one ComplianceResult per (requirement, org, period) plus ComplianceRollup
rows that sum an org's subtree by relative depth. Both carry ``org_path`` so subtree reads are
one prefix range and org moves rewrite them in the same transaction.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dangjian.core.models import TimestampedModel
from dangjian.orgs.models import Org


class PeriodKind(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    HALF_YEAR = "half_year", "每半年"
    YEAR = "year", "每年"
    ONCE = "once", "限期完成"


class Judged(models.TextChoices):
    ORG = "org", "按组织"
    MEMBER = "member", "按党员"


class Status(models.TextChoices):
    MET = "met", "达标"
    NOT_MET = "not_met", "未达标"
    NOT_DUE = "not_due", "未到期"
    NOT_APPLICABLE = "not_applicable", "不适用"
    NO_RECORDS = "no_records", "无记录"


class Requirement(TimestampedModel):
    """One rule, e.g. "支部委员会会议 每月 1 次", loaded from a YAML file (``source_file``).

    ``applies_to`` holds the org kinds and conditions (see ``loader.AppliesTo``); ``counts`` the
    activity kinds that count toward it; ``times`` how many are required per period (per member
    when ``judged`` is member). A one-off rule has ``period`` once and a ``deadline``.
    """

    code = models.CharField("编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    action = models.CharField("动词", max_length=10, default="开展", help_text="用于说明，如“召开”“开展”")
    source_title = models.CharField("依据", max_length=200)
    article = models.CharField("条款", max_length=100, blank=True)
    source_file = models.CharField("来源文件", max_length=200, editable=False)
    applies_to = models.JSONField("适用范围", default=dict)
    counts = models.JSONField("计入的活动类型", default=list)
    period = models.CharField("周期", max_length=16, choices=PeriodKind.choices)
    times = models.PositiveSmallIntegerField("每期次数", default=1)
    deadline = models.DateField("截止日期", null=True, blank=True)
    judged = models.CharField("评判对象", max_length=8, choices=Judged.choices, default=Judged.ORG)
    counting = models.JSONField(
        "计入规则",
        default=dict,
        blank=True,
        help_text="哪些记录计入：党小组的记录是否计入所在支部、到会人数要求、授课人要求、可同时计入的类型、按党员评判的达标线",
    )
    effective_from = models.DateField("起始日期", null=True, blank=True)
    effective_to = models.DateField("终止日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "要求"
        verbose_name_plural = "要求"
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(period="once") | Q(deadline__isnull=False),
                name="requirement_once_has_deadline",
                violation_error_message="限期完成的要求必须填写截止日期",
            ),
            models.CheckConstraint(
                condition=Q(times__gte=1),
                name="requirement_times_positive",
                violation_error_message="每期次数至少为 1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


MAX_RECORD_IDS = 50

# Why a record of the right kind did not count (codes stored in ``ComplianceResult.rejected_ids``).
REJECT_REASONS = {
    "q": "到会委员未过半数",
    "l": "授课人当天不是本组织书记",
    "c": "同一记录同时标记的类型不能合并计入",
}


def pass_share(counting: dict | None) -> float:
    """The share of members a per-member rule needs (1.0: every member)."""
    return float((counting or {}).get("pass_share", 1.0))


def members_needed(share: float, total: int) -> int:
    """Members who must have taken part for ``share`` of ``total`` (rounded up)."""
    return -(-int(round(share * 1000)) * total // 1000)


def explain(
    *,
    action: str,
    name: str,
    per_member: bool,
    times: int,
    key: str,
    count: int,
    required: int,
    status: str,
    share: float = 1.0,
    rejected: str = "",
) -> str:
    """The reason of a status, in words ("2024年第二季度 未召开支部党员大会（要求 1 次）").

    Derived when read from the stored figures, so the rows stay small and a renamed
    requirement reads right at once. Records of the right kind that did not count are named
    with the reason.
    """
    from .engine import span_label  # the period names live with the periods

    label = span_label(key)
    if status == Status.NO_RECORDS:
        return f"{label} 早于纪实起始日期，平台无记录，不作评判"
    if per_member:
        line = "全部党员" if share >= 1 else f"{share:.0%}，即 {members_needed(share, required)} 名"
        head = (
            f"{label} {required} 名党员中 {count} 名已参加{name}（要求每人至少 {times} 次，达标线：{line}）"
        )
        if status == Status.MET:
            text = head + "，已达标"
        elif status == Status.NOT_DUE:
            text = head + "，期末前完成"
        else:
            text = head + f"，{required - count} 名未参加，未达标"
    else:
        what = f"{action}{name}"
        if status == Status.MET:
            text = f"{label} 已{what} {count} 次，要求 {required} 次，已达标"
        elif status == Status.NOT_DUE:
            text = f"{label} 已{what} {count} 次，要求 {required} 次，期末前完成"
        elif count == 0:
            text = f"{label} 未{what}（要求 {required} 次）"
        else:
            text = f"{label} {what}仅 {count} 次，少于要求的 {required} 次"
    notes = rejected_notes(rejected)
    return text + (f"；未计入：{'；'.join(notes)}" if notes else "")


def rejected_notes(rejected: str, limit: int = 5) -> list[str]:
    """ "记录 #12：到会委员未过半数" for each record that did not count (the first ``limit``)."""
    pairs = sorted({tuple(x.split(":", 1)) for x in (rejected or "").split(",") if ":" in x})
    pairs.sort(key=lambda p: int(p[0]) if p[0].isdigit() else 0)
    notes = [f"记录 #{pk}：{REJECT_REASONS.get(code, code)}" for pk, code in pairs[:limit]]
    if len(pairs) > limit:
        notes.append(f"另有 {len(pairs) - limit} 条")
    return notes


class ComplianceResult(models.Model):
    """Whether one org met one requirement in one period, with the records that counted.

    Only orgs the requirement applies to (on the period's first day) have rows; a missing row
    reads as NOT_APPLICABLE. Periods that ended before the org's 纪实起始日期 are NO_RECORDS.
    ``count``/``required`` are activities held / required, or members who met the rule / all
    members for a per-member requirement. ``explanation`` and ``record_ids`` are derived from
    the stored figures when read.

    The table is derived data, rebuilt in bulk by the engine: its foreign keys carry no
    database constraint or index of their own (the unique key leads with the org, the
    secondary index with the requirement; deletes cascade through Django).
    """

    requirement = models.ForeignKey(
        Requirement,
        verbose_name="要求",
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    org = models.ForeignKey(
        Org,
        verbose_name="组织",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    org_path = models.CharField("组织路径", max_length=255)
    period_key = models.CharField("期间", max_length=16)
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    count = models.PositiveIntegerField("完成数")
    required = models.PositiveIntegerField("要求数")
    activity_ids = models.TextField("计入的记录", blank=True, default="", help_text="记录编号，逗号分隔")
    rejected_ids = models.TextField(
        "未计入的记录", blank=True, default="", help_text="类型相符但未计入的记录：编号:原因代码，逗号分隔"
    )

    class Meta:
        verbose_name = "达标结果"
        verbose_name_plural = "达标结果"
        ordering = ["requirement", "org_path", "period_start"]
        constraints = [
            # Leads with org: the incremental path reads an org's rows through it.
            models.UniqueConstraint(
                fields=["org", "requirement", "period_key"],
                name="compliance_result_unique",
                violation_error_message="同一要求、组织和期间只能有一条结果",
            )
        ]
        # Few indexes on purpose: the full rebuild writes ~600k rows at yanbian scale. The
        # requirement index serves the lagging list (one requirement and period over a subtree, in
        # path order); the path index serves the result list of a scope in its order (org path
        # first), so a page reads an index range instead of sorting the scope.
        indexes = [
            models.Index(fields=["requirement", "period_key", "org_path"], name="compliance_result_req_idx"),
            models.Index(fields=["org_path", "period_start"], name="compliance_result_path_idx"),
        ]

    def __str__(self) -> str:
        return self.explanation

    @property
    def record_ids(self) -> list[int]:
        """The activities that counted (at most ``MAX_RECORD_IDS``, lowest ids first)."""
        return sorted({int(x) for x in self.activity_ids.split(",") if x})[:MAX_RECORD_IDS]

    @property
    def explanation(self) -> str:
        req = self.requirement
        return explain(
            action=req.action or "开展",
            name=req.name,
            per_member=req.judged == Judged.MEMBER,
            times=req.times,
            key=self.period_key,
            count=self.count,
            required=self.required,
            status=self.status,
            share=pass_share(req.counting),
            rejected=self.rejected_ids,
        )


class ComplianceRollup(models.Model):
    """Counts of the results of ``org``'s descendants at ``rel_depth`` levels below it.

    The org's own result is not included (rel_depth starts at 1); subtree totals are the org's
    result plus the sum over rel_depth, and the by-depth chart reads these rows directly.
    """

    requirement = models.ForeignKey(
        Requirement,
        verbose_name="要求",
        on_delete=models.CASCADE,
        related_name="rollups",
        db_index=False,
        db_constraint=False,
    )
    org = models.ForeignKey(
        Org,
        verbose_name="组织",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    org_path = models.CharField("组织路径", max_length=255)
    period_key = models.CharField("期间", max_length=16)
    period_start = models.DateField("期间开始")
    rel_depth = models.PositiveSmallIntegerField("相对层级")
    met = models.PositiveIntegerField("达标", default=0)
    not_met = models.PositiveIntegerField("未达标", default=0)
    not_due = models.PositiveIntegerField("未到期", default=0)

    class Meta:
        verbose_name = "达标汇总"
        verbose_name_plural = "达标汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["org", "requirement", "period_key", "rel_depth"],
                name="compliance_rollup_unique",
                violation_error_message="汇总行重复",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.requirement_id} {self.period_key} +{self.rel_depth}"

    @property
    def applicable(self) -> int:
        return self.met + self.not_met + self.not_due


class TrackedOrg(models.Model):
    """Where the engine last saw each org in the tree, so a move knows the old ancestors.

    The field is deliberately not called ``org_path``: org moves rewrite every ``org_path``
    column, and this one must keep the old value until the engine has read it.
    """

    org = models.OneToOneField(Org, verbose_name="组织", on_delete=models.CASCADE, primary_key=True)
    path = models.CharField("上次计算时的路径", max_length=255, db_index=True)

    class Meta:
        verbose_name = "组织位置快照"
        verbose_name_plural = "组织位置快照"

    def __str__(self) -> str:
        return self.path
