"""Users and their role grants (system administrators only, see ``dangjian.core.admin``).

Accounts and API tokens are never deleted here: an account is deactivated (which also revokes its
tokens) and a token is revoked, so audit events and history keep pointing at real rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from dangjian.core import policy
from dangjian.core.admin import ReadOnlyAdminMixin, SystemAdminMixin

from . import services
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
    inlines = [RoleGrantInline]
    actions = ["deactivate"]
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

    @admin.action(description="停用所选账号（同时吊销其令牌）")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset:
            try:
                services.user_deactivate(user=user, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{user.username}：{'；'.join(exc.messages)}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"已停用 {done} 个账号。")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = ["revoke"]
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    search_fields = ("prefix", "user__username", "name")
    exclude = ("key_hash",)

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            services.token_revoke(token=token, actor=request.user)
        self.message_user(request, f"已吊销 {queryset.count()} 个令牌。")
