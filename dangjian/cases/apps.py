from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "dangjian.cases"
    verbose_name = "典型案例"

    def ready(self) -> None:
        from dangjian.core.counters import register_counter

        from .selectors import approved_counts_by_org

        register_counter(
            "typical_cases",
            label="典型案例（审核通过）",
            keys={"positive": "正面典型", "negative": "反面典型"},
            count=approved_counts_by_org,
        )
