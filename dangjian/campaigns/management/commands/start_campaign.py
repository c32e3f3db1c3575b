"""``manage.py start_campaign TEMPLATE --root ORG_ID [--batch NAME:YYYY-MM-DD:YYYY-MM-DD] [--seed-progress]``.

Prints the new campaign's id on its last line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dangjian.campaigns.services import CampaignError, campaign_start, parse_batch_option
from dangjian.campaigns.templates import TemplateError
from dangjian.orgs.models import Org


class Command(BaseCommand):
    help = "按模板启动主题教育，最后一行输出主题教育编号"

    def add_arguments(self, parser):
        parser.add_argument("template", help="模板编码，如 xjp-thought-2023")
        parser.add_argument("--root", type=int, required=True, help="牵头党组织编号")
        parser.add_argument(
            "--batch",
            action="append",
            default=[],
            metavar="NAME:YYYY-MM-DD:YYYY-MM-DD",
            help="要启动的批次及其日期（可重复；缺省为模板的全部批次和日期）",
        )
        parser.add_argument("--seed-progress", action="store_true", help="演示用：生成一些主题教育活动记录")

    def handle(self, *args, **options):
        try:
            batches = [parse_batch_option(text) for text in options["batch"]]
            root = Org.objects.alive().filter(pk=options["root"]).first()
            if root is None:
                raise CampaignError([f"没有编号为 {options['root']} 的党组织"])
            campaign = campaign_start(template=options["template"], root=root, batches=batches)
        except TemplateError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        if options["seed_progress"]:
            from dangjian.campaigns.demo import seed_progress

            made = seed_progress(campaign=campaign)
            self.stdout.write(f"已生成演示活动记录 {made} 条")
        batches_text = "；".join(f"{b.name} {b.starts_on} 至 {b.ends_on}" for b in campaign.batches.all())
        self.stdout.write(f"已启动：{campaign.name}（{batches_text}）")
        self.stdout.write(str(campaign.pk))
