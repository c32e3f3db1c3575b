"""Re-encrypt all personal data under the current DANGJIAN_PII_KEY and recompute lookup hashes.

Rotation: set the new key as DANGJIAN_PII_KEY and the old one in DANGJIAN_PII_OLD_KEYS, restart,
run this command, then drop the old key. Every model with ``*_encrypted`` fields is covered
(members and their history). The command refuses to start when any value cannot be read with
the configured keys, so nothing is left half-rotated by a missing key.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from dangjian.core import pii


class Command(BaseCommand):
    help = "用当前的 DANGJIAN_PII_KEY 重新加密全部个人信息，并重算查找摘要"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch: int = 2000, **options):
        models = [m for m in apps.get_models() if pii.encrypted_columns(m)]
        for model in models:  # check first: every value must open with the configured keys
            for column, _ in pii.encrypted_columns(model):
                for pk, token in (
                    model._base_manager.exclude(**{column: ""}).values_list("pk", column).iterator()
                ):
                    try:
                        pii.decrypt(token)
                    except Exception as exc:
                        raise CommandError(
                            f"{model._meta.verbose_name} #{pk} 的 {column} 无法用已配置的密钥解密："
                            "请把写入它的旧密钥加入 DANGJIAN_PII_OLD_KEYS 后重试（未做任何修改）"
                        ) from exc
        current = pii.keyring()[0].kid
        for model in models:
            count = pii.rekey_rows(model, batch=batch)
            self.stdout.write(f"{model._meta.label}: {count} 行已用密钥 {current} 重新加密")
