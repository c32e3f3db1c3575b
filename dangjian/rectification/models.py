"""检视问题 and 整改: the rectification ledger as a workflow.

A Problem is owned by an org (``org_path`` copied for scoped reads), names its 挂钩包案 leader
(``patron_leader``) and a quantified target, and carries measures (Measure), each with its owner
and due date. Its ``status`` moves 待整改 → 整改中 → 申请销号 → 已销号, or from 申请销号 back to
已退回 (a reopened item that is worked on again). Every move is a ProblemEvent with who and when;
长期坚持 items also take periodic progress notes as events. 销号 (``verify``) is signed off by a
reviewer at the level above the owner org.

The 形式主义 detector's findings are stored per item as ItemWarning rows, refreshed by the
services on every create and edit: they are shown and filterable, and never block anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dangjian.activities.models import Activity
from dangjian.core.models import SoftDeleteModel, TimestampedModel
from dangjian.orgs.models import Org


class ProblemSource(models.TextChoices):
    RESEARCH = "research", "调研"
    OPINION = "opinion", "意见征集"
    SUPERVISION = "supervision", "督导反馈"
    INSPECTION = "inspection", "巡视巡察"
    AUDIT = "audit", "审计"
    SELF = "self", "自查"
    LIFE_MEETING = "life_meeting", "民主生活会/组织生活会"


class DeadlineType(models.TextChoices):
    IMMEDIATE = "immediate", "立行立改"
    DEADLINE = "deadline", "限期"
    LONG_TERM = "long_term", "长期坚持"


class ProblemStatus(models.TextChoices):
    PENDING = "pending", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    REQUESTED = "requested", "申请销号"
    CLOSED = "closed", "已销号"
    RETURNED = "returned", "已退回"


# States in which the item is still being worked on (counted by the overdue lists).
OPEN_STATUSES = (ProblemStatus.PENDING, ProblemStatus.IN_PROGRESS, ProblemStatus.RETURNED)


class Problem(SoftDeleteModel):
    """One 检视问题 of an org with its target, deadline and state."""

    org = models.ForeignKey(Org, verbose_name="责任单位", on_delete=models.PROTECT, related_name="problems")
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    source = models.CharField("问题来源", max_length=16, choices=ProblemSource.choices)
    description = models.TextField("问题", max_length=1000)
    manifestation = models.TextField("具体表现", max_length=2000, blank=True)
    cause = models.TextField("原因剖析", max_length=2000, blank=True)
    category = models.CharField("类别", max_length=50, blank=True)
    patron_leader = models.CharField("挂钩包案领导", max_length=50, blank=True)
    responsible_leader = models.CharField("责任领导", max_length=50, blank=True)
    target = models.TextField("整改目标（量化）", max_length=1000, blank=True)
    deadline_type = models.CharField("整改时限类型", max_length=16, choices=DeadlineType.choices)
    due_on = models.DateField("整改时限", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.PENDING, db_index=True
    )
    close_note = models.TextField("销号申请说明", max_length=2000, blank=True)
    progress = models.TextField("完成情况", max_length=2000, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # One bit per detector code (WARNING_BITS) the problem's ItemWarning rows carry, kept by the
    # detector: the list filters on it from the scope index instead of joining the warnings.
    warning_mask = models.PositiveSmallIntegerField("提示（位）", default=0, editable=False)
    activity = models.ForeignKey(
        Activity,
        verbose_name="查摆问题的民主生活会/组织生活会",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )

    class Meta:
        verbose_name = "检视问题"
        verbose_name_plural = "检视问题"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Covers, without reading rows: the scoped count, the counts per state, a page's order
            # (ids newest first) and the open items with no 挂钩包案 leader (a seek, not a scan).
            models.Index(
                fields=["deleted_at", "status", "patron_leader", "org_path", "created_at", "warning_mask"],
                name="problem_scope_idx",
            ),
            # Covers the overdue and soon-due lists and their counts (state, date, then the scope).
            models.Index(
                fields=["status", "due_on", "deleted_at", "org_path", "created_at"], name="problem_due_idx"
            ),
            # The 长期坚持 items due a progress note.
            models.Index(
                fields=["deadline_type", "deleted_at", "org_path", "created_at"],
                name="problem_deadline_type_idx",
            ),
            # The near-duplicate index catches up on rows changed since it was built.
            models.Index(fields=["updated_at"], name="problem_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(deadline_type=DeadlineType.DEADLINE) | Q(due_on__isnull=False),
                name="problem_deadline_has_date",
                violation_error_message="限期整改的问题必须填写整改时限",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.CLOSED) | Q(closed_at__isnull=False),
                name="problem_closed_has_time",
                violation_error_message="已销号的问题必须有销号时间",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_on is not None and self.due_on < timezone.localdate()


class Measure(TimestampedModel):
    """整改措施: one step of a problem's rectification with its owner (责任人) and due date."""

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="measures"
    )
    text = models.TextField("整改措施", max_length=1000)
    owner = models.CharField("责任人", max_length=50, blank=True)
    due_on = models.DateField("完成时限", null=True, blank=True)
    done_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "整改措施"
        verbose_name_plural = "整改措施"
        ordering = ["pk"]
        # The measures' near-duplicate index catches up on rows changed since it was built.
        indexes = [models.Index(fields=["updated_at"], name="measure_updated_idx")]

    def __str__(self) -> str:
        return self.text[:40]


class Evidence(TimestampedModel):
    """佐证材料 attached to a 销号 request; ``created_by`` is who uploaded it (self_verified)."""

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField("文件", upload_to="rectification/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATE = "create", "登记"
    EDIT = "edit", "修改"
    START = "start", "开始整改"
    REQUEST = "request", "申请销号"
    VERIFY = "verify", "销号"
    RETURN = "return", "退回"
    PROGRESS = "progress", "进展"


class ProblemEvent(models.Model):
    """One transition (or progress note) of a problem: who, when, from which state to which."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事件", max_length=16, choices=EventKind.choices)
    from_status = models.CharField("原状态", max_length=16, choices=ProblemStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=ProblemStatus.choices, blank=True)
    note = models.TextField("说明", max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "问题事件"
        verbose_name_plural = "问题事件"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


# The detector's codes, one bit each in Problem.warning_mask (append only: stored masks use them).
WARNING_BITS = {
    code: 1 << n
    for n, code in enumerate(
        ("unquantified", "generic", "restates_problem", "no_owner_or_date", "near_duplicate", "self_verified")
    )
}


def warning_mask(codes) -> int:
    mask = 0
    for code in codes:
        mask |= WARNING_BITS.get(code, 0)
    return mask


class WarningField(models.TextChoices):
    PROBLEM = "problem", "问题"
    MEASURE = "measure", "整改措施"
    TARGET = "target", "整改目标"
    CLOSE = "close", "销号"


class ItemWarning(models.Model):
    """One 形式主义 detector finding on a problem, its target, one of its measures or its 销号.

    Rewritten by the services whenever the item changes; ``org_path`` lets reviewers filter
    warnings within their scope without joining."""

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="warnings"
    )
    measure = models.ForeignKey(
        Measure, verbose_name="措施", null=True, blank=True, on_delete=models.CASCADE, related_name="warnings"
    )
    field = models.CharField("对象", max_length=16, choices=WarningField.choices)
    code = models.CharField("提示", max_length=32, db_index=True)
    detail = models.CharField("说明", max_length=300, blank=True)
    org_path = models.CharField("组织路径", max_length=255, editable=False)

    class Meta:
        verbose_name = "形式主义提示"
        verbose_name_plural = "形式主义提示"
        ordering = ["pk"]
        indexes = [models.Index(fields=["org_path", "code"])]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.code}"
