"""Print the demo accounts: 角色 / 用户名 / 密码 / 范围."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dangjian.demo.accounts import demo_logins_text


class Command(BaseCommand):
    help = "列出演示账号（角色、用户名、密码、范围）"

    def handle(self, *args, **options):
        self.stdout.write(demo_logins_text())
