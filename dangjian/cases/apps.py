from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "dangjian.cases"
    verbose_name = "典型案例"
