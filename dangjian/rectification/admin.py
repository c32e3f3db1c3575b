from __future__ import annotations

from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdminMixin

from .models import ItemWarning, Problem, ProblemEvent


class EventInline(admin.TabularInline):
    model = ProblemEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "from_status", "to_status", "note", "actor", "at")


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: problems move through their states on the ledger pages (with their events)."""

    list_display = ("description", "org", "source", "status", "deadline_type", "due_on")
    list_filter = ("status", "source", "deadline_type")
    search_fields = ("description",)
    list_select_related = ("org",)
    inlines = [EventInline]


@admin.register(ItemWarning)
class ItemWarningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("problem", "field", "code", "detail")
    list_filter = ("code", "field")
