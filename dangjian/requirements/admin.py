from __future__ import annotations

from django.contrib import admin

from dangjian.core.policy import is_system_admin

from .models import Requirement
from .services import requirement_changed


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    """System admins may adjust a rule; the YAML file stays the source (the next load of it wins)."""

    list_display = ("code", "name", "period", "times", "judged", "source_title", "is_active")
    list_filter = ("period", "judged", "is_active", "source_title")
    search_fields = ("code", "name", "article")
    readonly_fields = ("code", "source_file", "created_at", "updated_at")
    fields = (
        "code",
        "name",
        "action",
        "source_title",
        "article",
        "source_file",
        "applies_to",
        "counts",
        "period",
        "times",
        "deadline",
        "judged",
        "effective_from",
        "effective_to",
        "note",
        "order",
        "is_active",
    )

    def _allowed(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff and is_system_admin(request.user))

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False  # rules come from YAML files (load_requirements)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: results keep their history

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        requirement_changed(requirement=obj, actor=request.user)
