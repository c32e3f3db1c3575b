"""典型案例: positive and negative cases submitted by a team and reviewed level by level.

A case is written as a draft, submitted, and reviewed by the 整改整治组 of each level above in
turn (``review_step`` counts up to ``review_levels``): each may approve (to the next level, or
approved at the last) or return it with comments (the team edits and submits again). Every
step is a CaseEvent, so the history stays whole. Only approved cases count toward a campaign's
"1 positive + 1 negative per team".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dangjian.core.models import SoftDeleteModel
from dangjian.orgs.models import Org


class CaseKind(models.TextChoices):
    POSITIVE = "positive", "正面典型"
    NEGATIVE = "negative", "反面典型"


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "审核中"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核通过"


class TypicalCase(SoftDeleteModel):
    """One 典型案例 of an org: the event, its nature, harm, causes, lessons and measures."""

    org = models.ForeignKey(
        Org, verbose_name="报送单位", on_delete=models.PROTECT, related_name="typical_cases"
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    kind = models.CharField("类型", max_length=16, choices=CaseKind.choices)
    title = models.CharField("案例名称", max_length=200)
    event = models.TextField("基本事实", max_length=5000)
    nature = models.TextField("性质", max_length=2000, blank=True)
    harm = models.TextField("危害", max_length=2000, blank=True)
    cause = models.TextField("原因", max_length=2000, blank=True)
    lesson = models.TextField("教训/经验", max_length=2000, blank=True)
    measures = models.TextField("整改或推广措施", max_length=3000, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT, db_index=True
    )
    review_levels = models.PositiveSmallIntegerField("审核层级数", default=1)
    review_step = models.PositiveSmallIntegerField("当前审核层级", default=0, help_text="0：未在审核中")

    class Meta:
        verbose_name = "典型案例"
        verbose_name_plural = "典型案例"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["org_path", "status"])]

    def __str__(self) -> str:
        return self.title


class CaseEventKind(models.TextChoices):
    CREATE = "create", "起草"
    EDIT = "edit", "修改"
    SUBMIT = "submit", "报送"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回"


class CaseEvent(models.Model):
    """One step of a case's history: who, when, at which review level, with what comment."""

    case = models.ForeignKey(
        TypicalCase, verbose_name="案例", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("事件", max_length=16, choices=CaseEventKind.choices)
    step = models.PositiveSmallIntegerField("审核层级", default=0)
    comment = models.TextField("意见", max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "案例审核记录"
        verbose_name_plural = "案例审核记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
