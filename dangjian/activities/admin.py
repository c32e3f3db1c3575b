"""Back-office view of activity records for system administrators (read-mostly: records are
written through the pages and the API so that counts, kind entries and the audit trail stay right)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, ActivityKindEntry, Attachment, Attendance


class KindInline(admin.TabularInline):
    model = ActivityKindEntry
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "org", "org_path", "held_on", "is_active")


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    can_delete = False
    readonly_fields = ("member", "status", "reason")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    readonly_fields = ("original_name", "content_type", "size", "file")


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ("topic", "org", "held_on", "expected_count", "present_count", "deleted_at")
    list_filter = ("held_on",)
    search_fields = ("topic", "org__name")
    date_hierarchy = "held_on"
    raw_id_fields = ("org", "host", "recorder", "lecturer")
    list_select_related = ("org",)
    readonly_fields = (
        "org",
        "org_path",
        "held_on",
        "starts_at",
        "ends_at",
        "expected_count",
        "present_count",
        "deleted_at",
        "deleted_reason",
    )
    inlines = (KindInline, AttendanceInline, AttachmentInline)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
