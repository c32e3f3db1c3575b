"""manage.py export_roster FILE.xlsx [--org ID]: the roster in the layout import_roster reads."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.orgs.excel.common import alive_orgs
from dangjian.orgs.excel.export import roster_export
from dangjian.orgs.models import Member


class Command(BaseCommand):
    help = "导出党员名册（可重新导入的《党员基本信息汇总表》格式）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="输出 .xlsx 文件")
        parser.add_argument("--org", type=int, help="只导出该组织（含下级）的党员")

    def handle(self, *args, **options):
        members = Member.objects.alive()
        org_name = ""
        filters = {}
        if options.get("org"):
            org = alive_orgs().filter(pk=options["org"]).first()
            if org is None:
                raise CommandError(f"找不到组织：{options['org']}")
            members = members.filter(org_path__startswith=org.path)
            org_name = org.name
            filters["org"] = org.name
        members = members.order_by("org_path", "name", "pk")
        result = roster_export(
            members=members,
            user=None,
            target=options["file"],
            filters=filters,
            org_name=org_name,
            on=timezone.localdate(),
        )
        self.stdout.write(f"已导出 {result.rows} 名党员到 {options['file']}")
