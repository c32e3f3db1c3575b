from __future__ import annotations

from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdminMixin

from .models import CaseEvent, TypicalCase


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "step", "comment", "actor", "at")


@admin.register(TypicalCase)
class TypicalCaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: cases are reviewed on the 典型案例 pages (with their history)."""

    list_display = ("title", "org", "kind", "status", "review_step", "review_levels")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    list_select_related = ("org",)
    inlines = [CaseEventInline]
