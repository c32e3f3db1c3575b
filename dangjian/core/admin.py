"""The admin site is for system administrators only: staff users holding a 系统管理员 grant.

``admin.site`` is the default site that ``config/urls.py`` mounts; its ``has_permission`` is
replaced here (this module is loaded by admin autodiscovery before any request), so the index,
every model page and the admin's own views all ask the same question. ``SystemAdminMixin`` gives
model admins the same answer regardless of Django's per-model permissions, which the platform
does not use (its rights are role grants, see ``dangjian.core.permissions``).
"""

from __future__ import annotations

from types import MethodType
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent
from .policy import is_system_admin


def is_admin_site_user(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and is_system_admin(user))


def _has_permission(self: admin.AdminSite, request: HttpRequest) -> bool:
    return is_admin_site_user(request)


admin.site.has_permission = MethodType(_has_permission, admin.site)  # type: ignore[method-assign]
admin.site.site_header = "党建工作平台 后台管理"
admin.site.site_title = "党建工作平台"
admin.site.index_title = "后台管理（仅系统管理员）"


class SystemAdminMixin:
    """Every right on the model for system administrators; hard deletes are off by default."""

    allow_delete = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin_site_user(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_site_user(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_admin_site_user(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_site_user(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and is_admin_site_user(request)


class ReadOnlyAdminMixin(SystemAdminMixin):
    """Viewable only: these rows are written by the services (with their audit events)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor_username", "actor_name", "verb", "target_type", "target_id", "org_path")
    list_filter = ("verb", "target_type")
    search_fields = ("verb", "target_id", "org_path", "actor_username", "actor_name")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "actor",
        "actor_username",
        "actor_name",
        "verb",
        "target_type",
        "target_id",
        "org_path",
        "data",
    )
