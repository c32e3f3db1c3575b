"""Users and their role grants (system administrators only, see ``dangjian.core.admin``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from dangjian.core import policy
from dangjian.core.admin import ReadOnlyAdminMixin, SystemAdminMixin

from .models import ApiToken, RoleGrant, User


class RoleGrantInline(SystemAdminMixin, admin.TabularInline):
    model = RoleGrant
    extra = 1
    raw_id_fields = ("org",)
    fields = ("role", "org", "include_descendants", "created_at")
    readonly_fields = ("created_at",)
    allow_delete = True


@admin.register(User)
class UserAdmin(SystemAdminMixin, DjangoUserAdmin):
    allow_delete = True
    inlines = [RoleGrantInline]
    raw_id_fields = ("member",)
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "display_name")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("党员", {"fields": ("display_name", "member")}),
    )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        policy.clear_cache(form.instance)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    allow_delete = True
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    search_fields = ("prefix", "user__username", "name")
    exclude = ("key_hash",)
