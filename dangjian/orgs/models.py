"""The org tree and the members who belong to it.

Org is a treebeard materialized-path node: a subtree is every row whose ``path`` starts with the
root's path. Tables that grow large (members, activities …) copy their org's path into
``org_path`` so subtree filters need no join and stay shard-friendly; the services that move an
org or a member keep those copies in step.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from dangjian.core.models import SoftDeleteModel, TimestampedModel
from dangjian.core.pii import mask_id_number, mask_phone

from .choices import (
    BRANCH_KINDS,
    EDUCATION_CHOICES,
    NO_TERM_KINDS,
    OCCUPATION_CHOICES,
    Ethnicity,
    Gender,
    MemberStatus,
    Mobility,
    OrgKind,
    PositionTitle,
    Sector,
    Standing,
)


class OrgQuerySet(MP_NodeQuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class OrgManager(MP_NodeManager.from_queryset(OrgQuerySet)):  # type: ignore[misc]  # treebeard manager
    def get_queryset(self) -> OrgQuerySet:
        # Treebeard's manager builds a plain MP_NodeQuerySet; keep its path ordering, add ``alive()``.
        return OrgQuerySet(self.model, using=self._db).order_by("path")


class Org(MP_Node, SoftDeleteModel):
    """A 党组织: a node of the tree (党委 → 总支 → 支部 → 党小组).

    ``full_count`` and ``probationary_count`` are the members whose 组织关系 is in this org
    itself (not its subtree); the member services recount them after every change, and
    ``recount_members`` rebuilds them. Subtree totals are sums over the subtree's orgs.
    """

    steplen = 4
    node_order_by = None

    name = models.CharField("组织名称", max_length=120)
    kind = models.CharField("组织类别", max_length=32, choices=OrgKind.choices)
    unit_name = models.CharField("所在单位", max_length=120, blank=True)
    sector = models.CharField("单位类别", max_length=32, choices=Sector.choices, blank=True)
    leadership_team = models.BooleanField("县处级以上领导班子", default=False)
    code = models.CharField("组织代码", max_length=40, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    term_start = models.DateField("本届任期开始（实际换届时间）", null=True, blank=True)
    term_years = models.PositiveSmallIntegerField("任期（年）", null=True, blank=True)
    term_due = models.DateField("应换届时间", null=True, blank=True, db_index=True)
    removed_on = models.DateField("撤销日期", null=True, blank=True)
    removed_reason = models.CharField("撤销原因", max_length=200, blank=True)
    records_from = models.DateField(
        "纪实起始日期",
        null=True,
        blank=True,
        help_text="本组织及下级从此日起在平台纪实；此前结束的期间显示为“无记录”。不填则沿用上级或全平台设置",
    )
    full_count = models.PositiveIntegerField("正式党员数", default=0, editable=False)
    probationary_count = models.PositiveIntegerField("预备党员数", default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["full_count", "probationary_count", "numchild"])
    objects = OrgManager()  # type: ignore[misc]  # treebeard's manager in place of SoftDeleteModel's

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["kind", "path"]),
            # Subtree totals (the tree, the member list's count) summed from the index alone.
            # Not partial: the member list counts the members of removed orgs too.
            models.Index(
                fields=["path", "depth", "deleted_at", "full_count", "probationary_count"],
                name="org_path_totals",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_years__isnull=True) | Q(term_years__gte=1, term_years__lte=5),
                name="org_term_years_range",
                violation_error_message="任期应为 1 至 5 年",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(NO_TERM_KINDS))
                | Q(term_start__isnull=True, term_years__isnull=True, term_due__isnull=True),
                name="org_no_term_unless_elected",
                violation_error_message="党组、党工委、临时党支部和党小组不实行换届，不填写任期和换届时间",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True)
                | Q(founded_on__isnull=True)
                | Q(removed_on__gte=F("founded_on")),
                name="org_removed_after_founded",
                violation_error_message="撤销日期不能早于成立日期",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS

    @property
    def member_count(self) -> int:
        return self.full_count + self.probationary_count

    def term_overdue(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()  # noqa: DTZ011 - calendar date
        return self.term_due is not None and self.term_due < today


# 延长预备期: at least 6 months, at most one year (发展党员工作细则).
PROBATION_EXTENSION_MIN = 6
PROBATION_EXTENSION_MAX = 12


def default_term_years(kind: str, sector: str) -> int:
    """Term length from settings (DOMAIN: 支部/总支 3 years, 基层党委 and all 村/社区 orgs 5)."""
    by_sector = getattr(settings, "TERM_YEARS_BY_SECTOR", {})
    if sector in by_sector:
        return by_sector[sector]
    return getattr(settings, "TERM_YEARS_BY_KIND", {}).get(kind, 3)


class OrgStateChange(models.Model):
    """A dated change of an org's kind, 单位类别 or 县处级以上领导班子 flag.

    The row keeps the values the org had *before* ``changed_on``; the org row holds the values
    since the latest change. So the facts of any past day are the org row, or the earliest
    change after that day. The compliance engine judges a past period by them (a branch that
    became a 总支 keeps its branch history).
    """

    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.CASCADE, related_name="state_changes")
    changed_on = models.DateField("变更日期")
    kind = models.CharField("变更前组织类别", max_length=32, choices=OrgKind.choices)
    sector = models.CharField("变更前单位类别", max_length=32, choices=Sector.choices, blank=True)
    leadership_team = models.BooleanField("变更前是否县处级以上领导班子", default=False)

    class Meta:
        verbose_name = "组织类别变更"
        verbose_name_plural = "组织类别变更"
        ordering = ["org", "changed_on", "id"]
        indexes = [models.Index(fields=["org", "changed_on"])]

    def __str__(self) -> str:
        return f"{self.org_id} {self.changed_on} {self.kind}"


class Member(SoftDeleteModel):
    """A 党员. 组织关系 is held by ``org``; ``org_path`` mirrors ``org.path``.

    身份证号 and 手机号 are stored encrypted with a keyed hash for lookups and a masked copy for
    lists (see ``dangjian.core.pii``); never read ``id_number_encrypted`` outside the selectors.
    """

    # No single-column indexes on org and org_path: (org, status) and (org_path, status) lead with
    # them, and every index is paid for on each insert (a 176k-row roster import).
    org = models.ForeignKey(
        Org, verbose_name="所在党组织", on_delete=models.PROTECT, related_name="members", db_index=False
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    party_group = models.ForeignKey(
        Org,
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
        limit_choices_to={"kind": OrgKind.GROUP},
    )
    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField("姓名拼音首字母", max_length=50, db_index=True, editable=False)
    name_pinyin = models.CharField("姓名拼音", max_length=200, editable=False)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=2, choices=Ethnicity.choices, default="01")
    birth_date = models.DateField("出生日期")
    id_number_hash = models.CharField("身份证号摘要", max_length=64, unique=True, editable=False)
    id_number_encrypted = models.TextField("身份证号（加密）", editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    phone_encrypted = models.TextField("手机号（加密）", blank=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=20, blank=True, editable=False)
    landline = models.CharField("固定电话", max_length=30, blank=True)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    education = models.CharField("学历", max_length=2, choices=EDUCATION_CHOICES, blank=True)
    status = models.CharField("人员类别", max_length=16, choices=MemberStatus.choices)
    joined_on = models.DateField("加入党组织日期")
    full_member_on = models.DateField("转为正式党员日期", null=True, blank=True)
    probation_extension_months = models.PositiveSmallIntegerField(
        "延长预备期（月）",
        null=True,
        blank=True,
        help_text="支部大会决定延长预备期的，填 6 至 12 个月；转正日期随之推后",
    )
    occupation = models.CharField("工作岗位", max_length=4, choices=OCCUPATION_CHOICES, blank=True)
    standing = models.CharField("党籍状态", max_length=16, choices=Standing.choices, default=Standing.NORMAL)
    lost_contact = models.BooleanField("失联党员", default=False)
    lost_contact_on = models.DateField("失去联系日期", null=True, blank=True)
    leading_cadre = models.BooleanField("县处级以上领导干部", default=False)
    note = models.CharField("备注", max_length=200, blank=True)

    history = HistoricalRecords(
        excluded_fields=["org_path", "name_initials", "name_pinyin"],
        # History is read per member (by id) and by date; other indexes would only slow imports.
        no_db_index=["org", "party_group", "created_by", "id_number_hash"],
    )

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["org_path", "name"]
        indexes = [
            models.Index(fields=["org_path", "status"]),
            models.Index(fields=["org", "status"]),
            models.Index(fields=["name"]),
            # The member list: a subtree's live members in name order, read as an index range.
            models.Index(
                fields=["org_path", "name", "id"],
                condition=Q(deleted_at__isnull=True),
                name="member_alive_path_name",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(full_member_on__isnull=True) | Q(full_member_on__gte=F("joined_on")),
                name="member_full_after_joined",
                violation_error_message="转为正式党员日期不能早于加入党组织日期",
            ),
            models.CheckConstraint(
                condition=Q(status=MemberStatus.PROBATIONARY) | Q(full_member_on__isnull=False),
                name="member_full_has_date",
                violation_error_message="正式党员必须填写转为正式党员日期",
            ),
            models.CheckConstraint(
                condition=Q(probation_extension_months__isnull=True)
                | Q(probation_extension_months__gte=PROBATION_EXTENSION_MIN)
                & Q(probation_extension_months__lte=PROBATION_EXTENSION_MAX),
                name="member_probation_extension_range",
                violation_error_message="延长预备期应为 6 至 12 个月",
            ),
            models.CheckConstraint(
                condition=Q(joined_on__gt=F("birth_date")),
                name="member_joined_after_birth",
                violation_error_message="加入党组织日期必须晚于出生日期",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def masks(id_number: str, phone: str) -> tuple[str, str]:
        return mask_id_number(id_number), mask_phone(phone)


class Position(TimestampedModel):
    """A 职务 held by a member in an org (书记, 组织委员 …) with its dates."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="positions"
    )
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.CASCADE, related_name="positions")
    org_path = models.CharField("组织路径", max_length=255, db_index=True, editable=False)
    title = models.CharField("职务", max_length=32, choices=PositionTitle.choices)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("免职日期", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        ordering = ["org_path", "title", "-started_on"]
        indexes = [models.Index(fields=["org", "ended_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="position_end_after_start",
                violation_error_message="免职日期不能早于任职日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.get_title_display()} {self.member}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class MobilityRecord(TimestampedModel):
    """A period as 流动党员: 流出 (away from the branch holding the 组织关系) or 流入 (hosted here)."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="mobility_records"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True, editable=False)
    direction = models.CharField("流动方向", max_length=8, choices=Mobility.choices)
    place = models.CharField("外出流向/流入地", max_length=200)
    host_org = models.ForeignKey(
        Org,
        verbose_name="流入地党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_mobility",
    )
    host_org_name = models.CharField("流入地党组织名称", max_length=120, blank=True)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "流动党员登记"
        verbose_name_plural = "流动党员登记"
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["member", "ended_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="mobility_end_after_start",
                violation_error_message="结束日期不能早于开始日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_direction_display()} {self.place}"


class Transfer(TimestampedModel):
    """A 组织关系转接 of a member from one org to another. Never edited; each move is a new row."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="transfers"
    )
    from_org = models.ForeignKey(
        Org, verbose_name="转出组织", on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_org = models.ForeignKey(
        Org, verbose_name="转入组织", on_delete=models.PROTECT, related_name="transfers_in"
    )
    on = models.DateField("转接日期")
    reason = models.CharField("转接原因", max_length=200)

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_org=F("to_org")),
                name="transfer_changes_org",
                violation_error_message="转入组织不能与转出组织相同",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_org} → {self.to_org} ({self.on})"
