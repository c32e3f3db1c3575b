from __future__ import annotations

from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdminMixin

from .models import ConversionItem, ResearchTopic


@admin.register(ResearchTopic)
class ResearchTopicAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: topics move through their states on the 调研 pages."""

    list_display = ("title", "org", "lead_leader", "status", "report_due")
    list_filter = ("status",)
    search_fields = ("title",)
    list_select_related = ("org",)


@admin.register(ConversionItem)
class ConversionItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("text", "kind", "report", "problem", "measure")
    list_filter = ("kind",)
