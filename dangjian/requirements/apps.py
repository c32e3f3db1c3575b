from django.apps import AppConfig


class RequirementsConfig(AppConfig):
    name = "dangjian.requirements"
    verbose_name = "要求与达标"

    def ready(self) -> None:
        from dangjian.activities.selectors import register_kind_advisor
        from dangjian.core.events import subscribe

        from . import selectors, services

        register_kind_advisor(selectors.kinds_asked_of)
        subscribe("members_changed", services.compliance_on_members_changed)
        subscribe("org_tree_changed", services.compliance_on_org_tree_changed)
        subscribe("activities_changed", services.compliance_on_activities_changed)
