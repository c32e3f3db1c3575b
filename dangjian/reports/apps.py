from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    verbose_name = "报表"
