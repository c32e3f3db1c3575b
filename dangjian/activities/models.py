"""Activity records (组织生活纪实) and attendance.

One Activity is one event that happened; it may be several kinds at once (a 主题党日 with a 党课
counts for both), listed in ActivityKindEntry. ``org_path`` and ``held_on`` are copied onto the
kind entries so the requirements engine counts per (org, kind, period) without touching the
larger activity table.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from dangjian.core.models import SoftDeleteModel
from dangjian.orgs.models import Member, Org


class ActivityKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", "支部党员大会"
    COMMITTEE_MEETING = "committee_meeting", "支部委员会会议"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    SPECIAL_LECTURE = "special_lecture", "专题党课"
    THEME_DAY = "theme_day", "主题党日"
    ORG_LIFE_MEETING = "org_life_meeting", "组织生活会"
    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", "民主生活会"
    MEMBER_APPRAISAL = "member_appraisal", "民主评议党员"
    HEART_TO_HEART_TALK = "heart_to_heart_talk", "谈心谈话"
    CENTRAL_GROUP_STUDY = "central_group_study", "理论学习中心组学习"
    READING_CLASS = "reading_class", "读书班"
    GROUP_STUDY = "group_study", "集中学习"
    SEMINAR = "seminar", "交流研讨"
    RESEARCH_EXCHANGE = "research_exchange", "调研成果交流暨典型案例剖析会"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"
    ELSEWHERE = "elsewhere", "异地参加"


class Activity(SoftDeleteModel):
    """One 组织生活 event held by an org, with its minutes.

    ``expected_count`` / ``present_count`` (应到 / 实到) are derived from the attendance rows by
    the activity services, never typed: 应到 = every attendance row, 实到 = 出席 + 异地参加.
    A 党小组会 is recorded on the 党小组 org itself (``org.kind == GROUP``).
    """

    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="activities")
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    topic = models.CharField("议题/主题", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间", null=True, blank=True)
    held_on = models.DateField("日期", editable=False)
    place = models.CharField("地点", max_length=200, blank=True)
    host = models.ForeignKey(
        Member, verbose_name="主持人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        Member, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lecturer = models.ForeignKey(
        Member, verbose_name="授课人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lecturer_name = models.CharField("授课人（非本组织）", max_length=50, blank=True)
    content = models.TextField("内容/纪要", blank=True)
    resolutions = models.TextField("决议事项", blank=True)
    observers = models.CharField("列席人员", max_length=200, blank=True)
    expected_count = models.PositiveIntegerField("应到", default=0, editable=False)
    present_count = models.PositiveIntegerField("实到", default=0, editable=False)
    deleted_reason = models.CharField("删除原因", max_length=200, blank=True, editable=False)

    # 应到/实到 are kept in the history: an attendance change shows as a change of the counts
    # (the rows before and after are in the audit event of the change).
    history = HistoricalRecords(excluded_fields=["org_path", "held_on"])

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["org_path", "held_on"]),
            models.Index(fields=["org", "held_on"]),
            # The list's order, newest first: walked for scopes too large to sort (see
            # activities.selectors.activity_page). It carries the path and the date so that the
            # scope and window tests, and the capped count, are answered from the index alone (SQLite counts an
            # index as covering only when it holds every column the query names).
            models.Index(
                fields=["starts_at", "id", "org_path", "held_on", "deleted_at"],
                condition=Q(deleted_at__isnull=True),
                name="activity_alive_order_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="activity_end_after_start",
                violation_error_message="结束时间不能早于开始时间",
            ),
            models.CheckConstraint(
                condition=Q(present_count__lte=F("expected_count")),
                name="activity_present_le_expected",
                violation_error_message="实到人数不能多于应到人数",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.org} {self.topic}"


class ActivityKindEntry(models.Model):
    """One kind an activity counts as. Carries org, path and date for the compliance engine."""

    activity = models.ForeignKey(
        Activity, verbose_name="记录", on_delete=models.CASCADE, related_name="kinds"
    )
    kind = models.CharField("类型", max_length=32, choices=ActivityKind.choices)
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("组织路径", max_length=255)
    held_on = models.DateField("日期")
    is_active = models.BooleanField("有效", default=True, help_text="记录被删除时置为否")

    class Meta:
        verbose_name = "记录类型"
        verbose_name_plural = "记录类型"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "kind"], name="activity_kind_unique", violation_error_message="类型重复"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "org", "held_on"]),
            models.Index(fields=["org_path", "kind", "held_on"]),
            # Covers the compliance engine's counting (kind, org, period → activities) without
            # touching the table.
            models.Index(
                fields=["kind", "org", "held_on", "is_active", "activity"], name="kind_entry_count_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class Attendance(models.Model):
    """考勤: one expected attendee of an activity and whether they came."""

    activity = models.ForeignKey(
        Activity, verbose_name="记录", on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField("出勤", max_length=16, choices=AttendanceStatus.choices)
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                name="attendance_unique",
                violation_error_message="同一党员在一次记录中只能有一条考勤",
            )
        ]
        indexes = [models.Index(fields=["member", "activity"])]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


class Attachment(SoftDeleteModel):
    """A file attached to an activity (photo, PDF, Word). Optional unless a rule says why.

    Removing one from a record only marks it deleted: the row and the file stay, and the audit
    event of the edit names it."""

    activity = models.ForeignKey(
        Activity, verbose_name="记录", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="activities/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name
