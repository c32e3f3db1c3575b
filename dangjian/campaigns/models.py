"""Campaigns (主题教育): started from a template, in batches and phases, with required actions.

A Campaign is started from a template (``templates_data/*.yaml``) for a root org. Each Batch
names the orgs it covers (their subtrees) and its dates; each RequiredAction (规定动作) is a rule
in the requirement engine's form. For every batch and every action judged by the engine the
campaign writes one ``requirements.Requirement`` restricted to the batch's orgs
(``applies_to.within_orgs``) and dated inside the batch; ``BatchRule`` keeps that link, so the
compliance figures of a campaign are the engine's, kept while the campaign exists.
"""

from __future__ import annotations

from django.conf import settings
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
    # Bumped by every change the dashboard's figures read (``figures.figures_changed``): its
    # cached figures and stored ``OversightFigures`` rows of another version are out of date.
    figures_version = models.PositiveIntegerField("看板数据版本", default=0, editable=False)

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
    deadlines = models.JSONField(
        "本批次的截止日期",
        default=dict,
        blank=True,
        help_text="规定动作编码 → 日期（YYYY-MM-DD），覆盖模板日期",
    )

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
    ledger = models.JSONField(
        "按台账计数",
        default=dict,
        blank=True,
        help_text="如 {source: typical_cases, positive: 1, negative: 1}",
    )
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


class PublicityLevel(models.TextChoices):
    CENTRAL = "central", "中央"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Publicity(TimestampedModel):
    """宣传报道: one report about a unit's campaign work in the media, recorded by the unit."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="publicity"
    )
    org = models.ForeignKey(Org, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    media = models.CharField("媒体名称", max_length=100)
    level = models.CharField("媒体级别", max_length=16, choices=PublicityLevel.choices)
    title = models.CharField("标题", max_length=200)
    published_on = models.DateField("刊发日期")
    link = models.URLField("链接", max_length=500, blank=True)

    class Meta:
        verbose_name = "宣传报道"
        verbose_name_plural = "宣传报道"
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["campaign", "org_path"], name="publicity_campaign_path")]

    def __str__(self) -> str:
        return self.title


class ActionConfirmation(TimestampedModel):
    """人工确认: an org (or the level above) confirms a ``manual`` required action as done.

    ``created_by``/``created_at`` say who confirmed and when; a withdrawal keeps the row and
    fills ``withdrawn_*`` (only a current confirmation counts; at most one per action and org)."""

    action = models.ForeignKey(
        RequiredAction, verbose_name="规定动作", on_delete=models.CASCADE, related_name="confirmations"
    )
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    done_on = models.DateField("完成日期")
    note = models.TextField("说明", max_length=1000)
    attachment = models.FileField("佐证材料", upload_to="campaigns/%Y/%m/", blank=True)
    attachment_name = models.CharField("附件文件名", max_length=200, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdraw_note = models.CharField("撤回原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "规定动作人工确认"
        verbose_name_plural = "规定动作人工确认"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "org"],
                condition=Q(withdrawn_at__isnull=True),
                name="confirmation_current_unique",
                violation_error_message="该组织已确认过此规定动作",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.action}"


class StudyMaterial(TimestampedModel):
    """学习资料送达: the branch sends campaign study materials to one 流动党员 or 三新 member."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="materials"
    )
    member = models.ForeignKey("orgs.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    title = models.CharField("学习资料", max_length=200)
    channel = models.CharField("送达方式", max_length=20)
    sent_on = models.DateField("送达日期")

    class Meta:
        verbose_name = "学习资料送达"
        verbose_name_plural = "学习资料送达"
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["campaign", "member"], name="material_campaign_member")]

    def __str__(self) -> str:
        return f"{self.member} {self.title}"


class SelfStudyKind(models.TextChoices):
    STUDY = "study", "自学"
    ANALYSIS = "analysis", "党性分析"


class SelfStudy(TimestampedModel):
    """自学 / 党性分析 recorded by a 流动党员 or 三新 member; ``activity`` is the one-person
    交流研讨 record through which it counts toward the per-member actions (record once)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="self_studies"
    )
    member = models.ForeignKey("orgs.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    kind = models.CharField("类型", max_length=16, choices=SelfStudyKind.choices)
    studied_on = models.DateField("日期")
    content = models.TextField("学习内容和体会", max_length=3000)
    material = models.ForeignKey(
        StudyMaterial,
        verbose_name="学习资料",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name="计入的记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "自学和党性分析"
        verbose_name_plural = "自学和党性分析"
        ordering = ["-studied_on", "-pk"]
        indexes = [models.Index(fields=["campaign", "member"], name="selfstudy_campaign_member")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()}"


class OversightFigures(models.Model):
    """The dashboard's slower figures (units without campaign activity, 上下一般粗 copies) of
    one org on one day, stored once for every server process (``oversight.dashboard_counts``).

    Derived data: ``version`` is the campaign's ``figures_version`` it was computed at."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="主题教育", on_delete=models.CASCADE, related_name="+"
    )
    org = models.ForeignKey(
        Org, verbose_name="组织", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    subtree = models.BooleanField("含下级")
    on = models.DateField("截至日期")
    version = models.PositiveIntegerField("数据版本")
    computed_at = models.DateTimeField("计算时间")
    data = models.JSONField("数字", default=dict)

    class Meta:
        verbose_name = "看板督导数字"
        verbose_name_plural = "看板督导数字"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "subtree", "on"],
                name="oversight_figures_unique",
                violation_error_message="看板督导数字重复",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.org_id} {self.on}"
