"""Users, their role grants on org subtrees, and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dangjian.core.permissions import Role


class User(AbstractUser):
    """A login. A user who is a Party member is linked to their Member record."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    member = models.OneToOneField(
        "orgs.Member",
        verbose_name="对应党员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleGrant(models.Model):
    """One role on one org (and its subtree when ``include_descendants``).

    A 督导组 member holds one SUPERVISOR grant per org in the group's set. Only a SYSTEM_ADMIN
    grant may have no org, meaning everywhere.
    """

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="grants")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    org = models.ForeignKey(
        "orgs.Org", verbose_name="组织", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    include_descendants = models.BooleanField("含下级组织", default=True)
    created_at = models.DateTimeField("授权时间", default=timezone.now)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.CheckConstraint(
                condition=Q(org__isnull=False) | Q(role=Role.SYSTEM_ADMIN),
                name="grant_org_required_unless_system_admin",
                violation_error_message="除系统管理员外，授权必须指定组织",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.MEMBER, include_descendants=True),
                name="grant_member_own_org_only",
                violation_error_message="党员角色只能查看本人所在组织，不能包含下级组织",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "org"],
                name="grant_unique",
                violation_error_message="该用户在此组织已有相同角色",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org or '全部'}"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a hash of the secret is stored."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
