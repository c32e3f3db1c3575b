"""投诉建议: what users tell the system administrators about the platform and about what is
asked of them through it (DESIGN decision 7: the platform must not add to 基层负担)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.models import TimestampedModel


class FeedbackCategory(models.TextChoices):
    BURDEN = "burden", "基层负担（重复填报、过度留痕、打卡等）"
    PROBLEM = "problem", "使用中的问题"
    SUGGESTION = "suggestion", "功能建议"
    OTHER = "other", "其他"


class FeedbackStatus(models.TextChoices):
    OPEN = "open", "待答复"
    ANSWERED = "answered", "已答复"


class Feedback(TimestampedModel):
    """One complaint or suggestion, seen by its author and by the system administrators, who
    answer it. ``created_by`` is the author; the answer is kept with who gave it and when."""

    category = models.CharField("类别", max_length=16, choices=FeedbackCategory.choices)
    subject = models.CharField("标题", max_length=100)
    text = models.TextField("内容", max_length=2000)
    page_url = models.CharField("涉及的页面", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN, db_index=True
    )
    reply = models.TextField("答复", max_length=2000, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "投诉建议"
        verbose_name_plural = "投诉建议"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=FeedbackStatus.OPEN) | (~Q(reply="") & Q(replied_at__isnull=False)),
                name="feedback_answered_has_reply",
                violation_error_message="已答复的投诉建议必须有答复内容和答复时间",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
