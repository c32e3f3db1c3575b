"""Campaigns (主题教育): started from a template, in batches and phases, with required actions.

A Campaign is started from a template (``templates_data/*.yaml``) for a root org. Each Batch
names the orgs it covers (their subtrees) and its dates; each RequiredAction (规定动作) is a rule
in the requirement engine's form. For every batch and every action judged by the engine the
campaign writes one ``requirements.Requirement`` restricted to the batch's orgs
(``applies_to.within_orgs``) and dated inside the batch; ``BatchRule`` keeps that link, so the
compliance figures of a campaign are the engine's, kept while the campaign exists.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from dangjian.core.models import TimestampedModel
from dangjian.orgs.models import Org
from dangjian.requirements.models import Judged, PeriodKind, Requirement


class Campaign(TimestampedModel):
    """One campaign for the subtree of ``root``, e.g. the city's 2023 主题教育."""

    name = models.CharField("名称", max_length=100)
    template = models.CharField("模板", max_length=64, help_text="模板编码，如 xjp-thought-2023")
    general_requirement = models.CharField("总要求", max_length=100, blank=True)
    root = models.ForeignKey(Org, verbose_name="牵头党组织", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")

    class Meta:
        verbose_name = "主题教育"
        verbose_name_plural = "主题教育"
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="campaign_dates_ordered",
                violation_error_message="结束日期不能早于开始日期",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Batch(models.Model):
    """批次: which orgs (each with its subtree) take part, from when to when."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="batches"
    )
    name = models.CharField("名称", max_length=20)
    order = models.PositiveSmallIntegerField("顺序", default=1)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    orgs = models.ManyToManyField(Org, verbose_name="参加的党组织（含下级）", related_name="+")

    class Meta:
        verbose_name = "批次"
        verbose_name_plural = "批次"
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="batch_name_unique", violation_error_message="批次名称重复"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="batch_dates_ordered",
                violation_error_message="批次结束日期不能早于开始日期",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """环节 (or a measure that runs throughout), in order; dates are optional guidance."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="phases"
    )
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField("顺序", default=1)

    class Meta:
        verbose_name = "环节"
        verbose_name_plural = "环节"
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="phase_name_unique", violation_error_message="环节名称重复"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RequiredAction(models.Model):
    """规定动作: a rule of the campaign in the requirement engine's form.

    ``deadline`` is in the template's dates; a batch moved to other dates moves the deadline by
    as many days (``BatchRule.requirement.deadline`` holds the day that applies). ``manual``
    actions (e.g. 典型案例 before its ledger exists) are confirmed by hand, not judged.
    """

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="actions"
    )
    phase = models.ForeignKey(
        Phase, verbose_name="环节", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    code = models.CharField("编码", max_length=40)
    name = models.CharField("名称", max_length=100)
    action = models.CharField("动词", max_length=10, default="开展")
    applies_to = models.JSONField("适用范围", default=dict)
    counts = models.JSONField("计入的活动类型", default=list, blank=True)
    period = models.CharField("周期", max_length=16, choices=PeriodKind.choices)
    times = models.PositiveSmallIntegerField("每期次数", default=1)
    deadline = models.DateField("截止日期（模板日期）", null=True, blank=True)
    judged = models.CharField("评判对象", max_length=8, choices=Judged.choices, default=Judged.ORG)
    counting = models.JSONField("计入规则", default=dict, blank=True)
    batch_names = models.JSONField("适用批次", default=list, blank=True, help_text="空：全部批次")
    manual = models.BooleanField("人工确认", default=False)
    note = models.TextField("说明", blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "规定动作"
        verbose_name_plural = "规定动作"
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="required_action_code_unique",
                violation_error_message="规定动作编码重复",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BatchRule(models.Model):
    """The engine rule of one required action in one batch (its scope and dates)."""

    batch = models.ForeignKey(Batch, verbose_name="批次", on_delete=models.CASCADE, related_name="rules")
    action = models.ForeignKey(
        RequiredAction, verbose_name="规定动作", on_delete=models.CASCADE, related_name="rules"
    )
    requirement = models.OneToOneField(
        Requirement, verbose_name="要求", on_delete=models.CASCADE, related_name="campaign_rule"
    )

    class Meta:
        verbose_name = "批次规则"
        verbose_name_plural = "批次规则"
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "action"],
                name="batch_rule_unique",
                violation_error_message="同一批次的规定动作重复",
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.action}"


class WeeklyUnit(models.Model):
    """A unit the campaign office names to file a weekly plan (一周一计划)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="weekly_units"
    )
    org = models.ForeignKey(Org, verbose_name="单位", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "一周一计划单位"
        verbose_name_plural = "一周一计划单位"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org"],
                name="weekly_unit_unique",
                violation_error_message="该单位已在名单中",
            )
        ]

    def __str__(self) -> str:
        return str(self.org)


class WeeklyPlan(TimestampedModel):
    """一周一计划: one unit's plan for one ISO week (``week_start`` is its Monday).

    Filed before or during the week; closed at its end, when every item is marked done or not
    done (``closed_at``). The level above reads the 调度表 generated from these rows."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="plans"
    )
    org = models.ForeignKey(Org, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("组织路径", max_length=255)
    week_start = models.DateField("周一")
    closed_at = models.DateTimeField("调度时间", null=True, blank=True)

    class Meta:
        verbose_name = "一周一计划"
        verbose_name_plural = "一周一计划"
        ordering = ["campaign", "-week_start", "org_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "week_start"],
                name="weekly_plan_unique",
                violation_error_message="该单位本周已有计划",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.week_start}"


class WeeklyPlanItem(models.Model):
    """One item of a weekly plan: what, who, by which day; done or not at the week's end."""

    plan = models.ForeignKey(WeeklyPlan, verbose_name="计划", on_delete=models.CASCADE, related_name="items")
    text = models.CharField("事项", max_length=200)
    owner = models.CharField("责任人", max_length=50)
    due_on = models.DateField("完成日期")
    action = models.ForeignKey(
        RequiredAction,
        verbose_name="对应规定动作",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done = models.BooleanField("已完成", null=True, blank=True, help_text="空：尚未调度")
    note = models.CharField("说明", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "计划事项"
        verbose_name_plural = "计划事项"
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return self.text
