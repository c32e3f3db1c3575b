from django.contrib import admin

from .models import Batch, Campaign, Phase, RequiredAction


class BatchInline(admin.TabularInline):
    model = Batch
    extra = 0
    fields = ("name", "order", "starts_on", "ends_on")
    readonly_fields = fields
    can_delete = False
    show_change_link = False


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class RequiredActionInline(admin.TabularInline):
    model = RequiredAction
    extra = 0
    fields = ("order", "code", "name", "phase", "period", "times", "deadline", "judged", "manual")
    readonly_fields = fields
    can_delete = False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Read-only view: campaigns are started and their batches edited through the services."""

    list_display = ("name", "template", "root", "starts_on", "ends_on")
    readonly_fields = ("name", "template", "general_requirement", "root", "starts_on", "ends_on")
    inlines = [PhaseInline, BatchInline, RequiredActionInline]

    def has_add_permission(self, request):
        return False
