"""Shared body of the ``import_roster`` and ``import_orgs`` commands: same validation as the pages."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dangjian.orgs.excel.service import ImportRejected, import_apply, import_validate


class ExcelImportCommand(BaseCommand):
    kind = "roster"
    noun = "党员"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--user", help="以该用户的权限范围导入（默认：系统，全部组织）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = None
        if options.get("user"):
            try:
                user = get_user_model().objects.get(username=options["user"], is_active=True)
            except get_user_model().DoesNotExist:
                raise CommandError(f"找不到用户：{options['user']}") from None
        plan = import_validate(kind=self.kind, path=path, user=user, file_name=path.name)
        for warning in plan.warnings:
            self.stderr.write(f"提示：{warning}")
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(plan.errors)} 处错误，未写入任何数据")
        summary = plan.summary()
        line = f"有效行 {summary['rows']}：将新增 {summary['create']}，更新 {summary['update']}，无变化 {summary['unchanged']}"
        if self.kind == "roster":
            line += f"，组织关系转接 {summary['transfer']}"
        self.stdout.write(line)
        for person in summary.get("people", {}).get("transfer", []):
            self.stdout.write(f"组织关系转接：{person['name']} {person['from_org']} → {person['org']}")
        if options["dry_run"]:
            self.stdout.write("试运行（--dry-run），未写入任何数据")
            return
        try:
            result = import_apply(kind=self.kind, plan=plan, actor=user)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError("导入被撤销，未写入任何数据") from exc
        shown = {k: v for k, v in result.items() if k != "warnings"}
        self.stdout.write("导入完成：" + "，".join(f"{k}={v}" for k, v in shown.items()))
