"""manage.py load_requirements [FILE ...]: validate and upsert requirement YAML files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.requirements.loader import RequirementFileError, default_files
from dangjian.requirements.services import requirements_load


class Command(BaseCommand):
    help = "校验并载入要求 YAML 文件（默认 dangjian/requirements/data/*.yaml）；任一文件有误则不做任何修改"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="YAML 文件；省略时载入全部内置文件")
        parser.add_argument("--no-recompute", action="store_true", help="载入后不重算有变化的要求")

    def handle(self, *args, **options):
        paths = [Path(f) for f in options["files"]] or default_files()
        try:
            report = requirements_load(paths=paths, recompute=not options["no_recompute"])
        except RequirementFileError as exc:
            for line in exc.messages:
                self.stderr.write(line)
            raise CommandError(f"要求文件有 {len(exc.messages)} 处错误，未做任何修改") from None
        self.stdout.write(
            f"载入 {len(paths)} 个文件：新增 {len(report.created)}，更新 {len(report.updated)}，"
            f"未变 {len(report.unchanged)}，停用 {len(report.deactivated)}"
        )
