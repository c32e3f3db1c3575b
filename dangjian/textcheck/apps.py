from django.apps import AppConfig


class TextcheckConfig(AppConfig):
    """形式主义提示：纯函数，无模型、无数据库；台账应用调用它。"""

    name = "dangjian.textcheck"
    verbose_name = "形式主义提示"
