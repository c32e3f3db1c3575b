"""manage.py create_token USERNAME [--name NAME]: the token alone on the last line of output."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.accounts import selectors, services


class Command(BaseCommand):
    help = "为用户创建 API 令牌；最后一行只输出令牌本身"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="命令行创建", help="令牌用途")

    def handle(self, *args, **options):
        user = selectors.user_by_username(username=options["username"])
        if user is None:
            raise CommandError(f"用户不存在：{options['username']}")
        try:
            token, secret = services.token_create(user=user, name=options["name"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stderr.write(
            f"已为 {user.username} 创建令牌 {token.prefix}…（用途：{token.name}），请妥善保存："
        )
        self.stdout.write(secret)
