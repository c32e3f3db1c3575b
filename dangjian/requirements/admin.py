from __future__ import annotations

from django import forms
from django.contrib import admin
from pydantic import ValidationError as PydanticError

from dangjian.core.policy import is_system_admin

from .loader import FIELD_LABELS, RequirementSpec, _reason
from .models import Requirement
from .services import requirement_changed


class RequirementForm(forms.ModelForm):
    """Validates an edit with the same schema as the YAML loader."""

    class Meta:
        model = Requirement
        fields = (
            "name", "action", "source_title", "article", "applies_to", "counts", "period", "times", "deadline",
            "judged", "effective_from", "effective_to", "note", "order", "is_active",
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        spec = {
            k: data.get(k)
            for k in (
                "code",
                "name",
                "action",
                "article",
                "applies_to",
                "counts",
                "period",
                "times",
                "deadline",
                "judged",
                "effective_from",
                "effective_to",
                "note",
            )
        }
        spec["code"] = self.instance.code
        spec = {k: v for k, v in spec.items() if v not in (None, "")}
        try:
            RequirementSpec.model_validate(spec)
        except PydanticError as exc:
            errors = []
            for error in exc.errors():
                loc = ".".join(str(p) for p in error["loc"]) or "要求"
                label = FIELD_LABELS.get(str(error["loc"][-1]), "") if error["loc"] else ""
                errors.append(f"{loc}{f'（{label}）' if label else ''}：{_reason(error)}")
            raise forms.ValidationError(errors) from None
        return data


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    """System admins may adjust a rule; the YAML file stays the source (the next load of it wins)."""

    form = RequirementForm
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
