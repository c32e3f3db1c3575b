from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "dangjian.rectification"
    verbose_name = "检视整改"
