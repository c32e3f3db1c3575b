"""Shared base model and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimestampedModel(models.Model):
    """Creation and change times plus who created the row."""

    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class SoftDeleteModel(TimestampedModel):
    """Rows that count toward figures are never removed, only marked deleted."""

    deleted_at = models.DateTimeField("删除时间", null=True, blank=True, editable=False)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class AuditEvent(models.Model):
    """One state change or sensitive read, written in the same transaction as the change.

    ``org_path`` is the tree path of the org the event concerns, so audit reads are scoped
    like everything else. Who acted is kept twice: the account (``actor``, which can then never
    be deleted: accounts are deactivated instead) and its username and display name as they were
    at the time, so a later rename does not rewrite the trail.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    verb = models.CharField("动作", max_length=64, db_index=True)
    target_type = models.CharField("对象类型", max_length=64)
    target_id = models.CharField("对象", max_length=64)
    org_path = models.CharField("组织路径", max_length=255, blank=True, db_index=True)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-at"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.target_type}#{self.target_id}"
