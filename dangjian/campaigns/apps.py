from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "dangjian.campaigns"
    verbose_name = "主题教育"

    def ready(self) -> None:
        from dangjian.core.events import subscribe

        from . import figures

        # After the requirements app's subscribers (INSTALLED_APPS order): the engine has
        # recounted by the time the stored dashboard figures are marked out of date.
        subscribe("activities_changed", figures.on_activities_changed)
        subscribe("members_changed", figures.on_members_changed)
        subscribe("org_tree_changed", figures.on_org_tree_changed)
        subscribe("ledger_changed", figures.on_ledger_changed)
