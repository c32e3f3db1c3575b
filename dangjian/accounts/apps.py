from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    verbose_name = "账号与授权"

    def ready(self) -> None:
        from dangjian.core.policy import register_grant_provider

        from .grants import grant_rows

        register_grant_provider(grant_rows)
