from django.apps import AppConfig


class RequirementsConfig(AppConfig):
    name = "dangjian.requirements"
    verbose_name = "要求与达标"
