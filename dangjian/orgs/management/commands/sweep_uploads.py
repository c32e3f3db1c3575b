"""Delete uploaded workbooks that were never confirmed or cancelled (run from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dangjian.orgs.excel.uploads import max_age_seconds, upload_sweep


class Command(BaseCommand):
    help = "删除超过保留时间、未确认也未取消的上传文件（其中有完整的个人信息）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=float, default=None, help="保留小时数，默认取 IMPORT_UPLOAD_MAX_AGE_HOURS"
        )

    def handle(self, *args, hours: float | None = None, **options):
        max_age = int(hours * 3600) if hours is not None else max_age_seconds()
        removed = upload_sweep(max_age=max_age)
        self.stdout.write(f"已删除 {removed} 个过期的上传文件")
