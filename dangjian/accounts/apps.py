from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    verbose_name = "账号与授权"
