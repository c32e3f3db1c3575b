from __future__ import annotations

from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdminMixin

from .models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: answers are given on the 投诉建议 page (with their audit event)."""

    list_display = ("subject", "category", "status", "created_by", "created_at", "replied_at")
    list_filter = ("status", "category")
    search_fields = ("subject", "text")
    list_select_related = ("created_by",)
    readonly_fields = (
        "category",
        "subject",
        "text",
        "page_url",
        "status",
        "reply",
        "replied_at",
        "replied_by",
        "created_by",
        "created_at",
    )
    fields = readonly_fields
