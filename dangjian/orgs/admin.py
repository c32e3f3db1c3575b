"""Admin pages for orgs and members (system administrators only, see ``dangjian.core.admin``).

Changes made here go through the same services as the pages (audit events, member counts and
``org_path`` copies stay right): the org admin creates, edits and moves orgs with
``services.org_*``; members, posts, 流动 records and transfers are read-only here and are
maintained on the member pages. Lists show only masked 身份证号/手机号; history deltas leave
the PII columns out.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin

from dangjian.core.admin import ReadOnlyAdminMixin, SystemAdminMixin

from . import services
from .models import Member, MobilityRecord, Org, Position, Transfer

PII_FIELDS = [
    "id_number_hash",
    "id_number_encrypted",
    "id_number_masked",
    "phone_encrypted",
    "phone_masked",
]


class _HistoryMixin:
    """simple-history without revert (a revert would bypass the services) and without PII deltas."""

    history_excluded_fields: list[str] = []

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=self.history_excluded_fields,
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


class OrgAdminForm(forms.ModelForm):
    parent_id = forms.IntegerField(
        label="上级组织 ID",
        required=False,
        help_text="新建时填写上级组织的编号（留空为顶层组织）；修改时忽略，调整隶属请用组织页面或拖动",
    )

    class Meta:
        model = Org
        fields = list(services.ORG_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        parent = None
        if self.instance.pk:
            parent = Org.objects.get_parent(self.instance)
        elif cleaned.get("parent_id"):
            parent = Org.objects.filter(pk=cleaned["parent_id"], deleted_at__isnull=True).first()
            if parent is None:
                self.add_error("parent_id", "上级组织不存在")
        cleaned["parent"] = parent
        for field, message in services.org_check(cleaned, parent=parent).items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(Org)
class OrgAdmin(SystemAdminMixin, _HistoryMixin, SimpleHistoryAdmin, TreeAdmin):
    form = OrgAdminForm
    list_display = ("name", "kind", "sector", "unit_name", "full_count", "probationary_count", "term_due")
    list_filter = ("kind", "sector", "leadership_team")
    search_fields = ("name", "unit_name", "code")
    readonly_fields = ("full_count", "probationary_count", "deleted_at")

    def save_model(self, request: HttpRequest, obj: Org, form: OrgAdminForm, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in services.ORG_FIELDS if f in form.cleaned_data}
        if change:
            current = Org.objects.get(pk=obj.pk)
            changed = {f: data[f] for f in form.changed_data if f in data}
            org = services.org_update(org=current, actor=request.user, **changed)
        else:
            org = services.org_create(parent=form.cleaned_data.get("parent"), actor=request.user, **data)
        obj.__dict__.update(org.__dict__)

    def move_node(self, request: HttpRequest) -> HttpResponse:
        """Drag-and-drop in the tree list: a move under a new parent, through ``services.org_move``."""
        if not self.has_change_permission(request):
            return HttpResponseBadRequest("无权操作")
        try:
            node = Org.objects.get(pk=int(request.POST.get("node", "")))
            target = Org.objects.get(pk=int(request.POST.get("target", "")))
        except (Org.DoesNotExist, ValueError):
            messages.error(request, "要移动的组织不存在")
            return HttpResponseBadRequest("组织不存在")
        new_parent = target if request.POST.get("relation") == "child" else Org.objects.get_parent(target)
        if new_parent is None:
            messages.error(request, "不能把组织移为顶层组织")
            return HttpResponseBadRequest("不能移为顶层组织")
        current_parent = Org.objects.get_parent(node)
        if current_parent is not None and current_parent.pk == new_parent.pk:
            messages.info(request, "同级组织的先后顺序不影响任何统计，未做调整")
            return HttpResponse("OK")
        try:
            services.org_move(org=node, new_parent=new_parent, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return HttpResponseBadRequest("移动失败")
        messages.success(request, f"已将“{node.name}”移到“{new_parent.name}”下")
        return HttpResponse("OK")


class DeletedFilter(admin.SimpleListFilter):
    title = "是否已删除"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "已删除"), ("no", "未删除")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


@admin.register(Member)
class MemberAdmin(ReadOnlyAdminMixin, _HistoryMixin, SimpleHistoryAdmin):
    """Read-only: maintained on the member pages. Only masked PII is ever shown."""

    history_excluded_fields = PII_FIELDS
    list_display = ("name", "org", "status", "id_number_masked", "phone_masked", "joined_on", "deleted_at")
    list_filter = ("status", "standing", "gender", "leading_cadre", "lost_contact", DeletedFilter)
    search_fields = ("name", "=name_initials")
    actions = ["restore"]
    list_select_related = ("org",)
    show_full_result_count = False
    fields = (
        "name",
        "org",
        "party_group",
        "gender",
        "ethnicity",
        "birth_date",
        "id_number_masked",
        "phone_masked",
        "landline",
        "education",
        "status",
        "joined_on",
        "full_member_on",
        "probation_extension_months",
        "occupation",
        "standing",
        "lost_contact",
        "lost_contact_on",
        "leading_cadre",
        "note",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    readonly_fields = fields

    @admin.action(description="恢复所选的已删除党员记录")
    def restore(self, request: HttpRequest, queryset: Any) -> None:
        restored, refused = 0, []
        for member in queryset.select_related("org"):
            try:
                services.member_restore(member=member, actor=request.user)
            except ValidationError as exc:
                refused.append(f"{member.name}：{'；'.join(exc.messages)}")
            else:
                restored += 1
        if restored:
            messages.success(request, f"已恢复 {restored} 名党员的记录")
        for line in refused:
            messages.error(request, line)


@admin.register(Position)
class PositionAdmin(ReadOnlyAdminMixin, _HistoryMixin, SimpleHistoryAdmin):
    list_display = ("member", "org", "title", "started_on", "ended_on")
    list_filter = ("title",)
    search_fields = ("member__name", "org__name")
    list_select_related = ("member", "org")


@admin.register(MobilityRecord)
class MobilityRecordAdmin(ReadOnlyAdminMixin, _HistoryMixin, SimpleHistoryAdmin):
    list_display = ("member", "direction", "place", "host_org_name", "started_on", "ended_on")
    list_filter = ("direction",)
    search_fields = ("member__name", "place", "host_org_name")
    list_select_related = ("member",)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("member", "from_org", "to_org", "on", "reason")
    search_fields = ("member__name", "from_org__name", "to_org__name", "reason")
    list_select_related = ("member", "from_org", "to_org")
    date_hierarchy = "on"
