from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "dangjian.feedback"
    verbose_name = "投诉建议"
