"""调查研究: topics (选题) answered down the tree (同题调研), visits, the report and its 成果转化.

A ResearchTopic is owned by an org and may answer an upper-level topic (``parent_topic``): the
office sees which upper topics nobody below has taken up. Its ``status`` moves 选题 → 调研中 (the
first visit) → 报告已交 (the report) → 成果已转化 (the first ConversionItem). Each problem found
becomes a rectification Problem and each suggestion a Measure with owner and due date, both
linked back to the report through ConversionItem (调研成果转化运用清单).
"""

from __future__ import annotations

from django.db import models

from dangjian.core.models import SoftDeleteModel, TimestampedModel
from dangjian.orgs.models import Org
from dangjian.rectification.models import Measure, Problem


class TopicStatus(models.TextChoices):
    SELECTED = "selected", "选题"
    IN_PROGRESS = "in_progress", "调研中"
    REPORTED = "reported", "报告已交"
    CONVERTED = "converted", "成果已转化"


class VisitMethod(models.TextChoices):
    FORUM = "forum", "座谈"
    VISIT = "visit", "走访"
    SURVEY = "survey", "问卷"
    STAY = "stay", "蹲点"
    UNANNOUNCED = "unannounced", "四不两直"


class ResearchTopic(SoftDeleteModel):
    """One 调研选题 of an org, with its leading leader, team and planned visits."""

    org = models.ForeignKey(
        Org, verbose_name="组织", on_delete=models.PROTECT, related_name="research_topics"
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    title = models.CharField("课题", max_length=200)
    lead_leader = models.CharField("牵头领导", max_length=50)
    team = models.CharField("参与部门/人员", max_length=300, blank=True)
    campaign = models.CharField("所属主题教育", max_length=100, blank=True)
    parent_topic = models.ForeignKey(
        "self",
        verbose_name="上级课题（同题调研）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answers",
    )
    planned_visits = models.TextField("调研计划（地点、时间、方式）", max_length=2000, blank=True)
    report_due = models.DateField("报告应交日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=TopicStatus.choices, default=TopicStatus.SELECTED, db_index=True
    )

    class Meta:
        verbose_name = "调研选题"
        verbose_name_plural = "调研选题"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["org_path", "status"])]

    def __str__(self) -> str:
        return self.title


class ResearchVisit(TimestampedModel):
    """One visit: date, place, method, people met and what was found."""

    topic = models.ForeignKey(
        ResearchTopic, verbose_name="课题", on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField("日期")
    place = models.CharField("地点", max_length=200)
    method = models.CharField("方式", max_length=16, choices=VisitMethod.choices)
    people_met = models.CharField("接触对象", max_length=300, blank=True)
    findings = models.TextField("发现的问题和情况", max_length=3000)

    class Meta:
        verbose_name = "调研走访"
        verbose_name_plural = "调研走访"
        ordering = ["visited_on", "pk"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.place}"


class ResearchReport(TimestampedModel):
    """The topic's 调研报告 (.docx or .pdf) with a summary; ``created_by`` submitted it."""

    topic = models.OneToOneField(
        ResearchTopic, verbose_name="课题", on_delete=models.CASCADE, related_name="report"
    )
    file = models.FileField("报告文件", upload_to="research/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    summary = models.TextField("报告摘要", max_length=3000)

    class Meta:
        verbose_name = "调研报告"
        verbose_name_plural = "调研报告"

    def __str__(self) -> str:
        return self.original_name


class ConversionKind(models.TextChoices):
    PROBLEM = "problem", "发现的问题"
    SUGGESTION = "suggestion", "对策建议"


class ConversionItem(TimestampedModel):
    """One line of the 调研成果转化运用清单: a problem found (→ Problem) or a suggestion
    (→ Measure of one of those problems, with owner and due date)."""

    report = models.ForeignKey(
        ResearchReport, verbose_name="调研报告", on_delete=models.CASCADE, related_name="conversions"
    )
    kind = models.CharField("类别", max_length=16, choices=ConversionKind.choices)
    text = models.TextField("内容", max_length=1000)
    problem = models.ForeignKey(
        Problem, verbose_name="整改问题", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    measure = models.ForeignKey(
        Measure, verbose_name="整改措施", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "成果转化"
        verbose_name_plural = "成果转化运用清单"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:40]
