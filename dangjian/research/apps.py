from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "dangjian.research"
    verbose_name = "调查研究"

    def ready(self) -> None:
        from dangjian.core.counters import register_counter

        from .selectors import topic_report_counts_by_org

        register_counter(
            "research",
            label="调查研究台账",
            keys={"topics": "调研选题", "reports": "调研报告"},
            count=topic_report_counts_by_org,
        )
