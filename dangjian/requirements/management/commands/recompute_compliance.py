"""manage.py recompute_compliance: rebuild every compliance result and roll-up from the records.

Run it daily after midnight (cron): periods that ended yesterday turn from 未到期 to 未达标.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from dangjian.requirements.services import compliance_recompute


class Command(BaseCommand):
    help = "按活动记录全量重算达标结果和各级汇总（窗口：settings.COMPLIANCE_HISTORY_YEARS 年，默认 2）"

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = compliance_recompute()
        self.stdout.write(
            f"重算完成：{report.requirements} 项要求，{report.orgs} 个组织，"
            f"{report.results} 条结果，{report.rollups} 条汇总，用时 {time.perf_counter() - started:.1f} 秒"
        )
