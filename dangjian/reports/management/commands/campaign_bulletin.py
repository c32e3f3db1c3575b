"""``manage.py campaign_bulletin ID --org ORG_ID --on YYYY-MM-DD OUT.docx``: the 通报 of a campaign
for a subtree and a day (the operator sees every org)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from dangjian.campaigns import selectors
from dangjian.campaigns.models import Campaign
from dangjian.reports.builders.bulletin import BulletinError, Operator, bulletin_context, bulletin_render


class Command(BaseCommand):
    help = "生成主题教育进展通报（.docx）"

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int, help="主题教育编号")
        parser.add_argument("--org", type=int, required=True, help="组织编号（含下级）")
        parser.add_argument("--on", required=True, help="截至日期 YYYY-MM-DD")
        parser.add_argument("out", help="输出文件 .docx")

    def handle(self, *args, **options):
        try:
            on = dt.date.fromisoformat(options["on"])
        except ValueError:
            raise CommandError(f"日期 {options['on']} 无效，格式应为 YYYY-MM-DD") from None
        user = Operator()
        campaign = Campaign.objects.filter(pk=options["campaign"]).select_related("root").first()
        if campaign is None:
            raise CommandError(f"没有编号为 {options['campaign']} 的主题教育")
        try:
            org = selectors.campaign_org(user=user, campaign=campaign, org_id=options["org"])
        except Http404 as exc:
            raise CommandError(f"组织 {options['org']} 不存在或不在该主题教育之内") from exc
        try:
            context = bulletin_context(user=user, campaign=campaign, org=org, on=on)
        except BulletinError as exc:
            raise CommandError(str(exc)) from exc
        Path(options["out"]).write_bytes(bulletin_render(context))
        self.stdout.write(f"已生成通报：{options['out']}（完成率 {context['overall_rate']}）")
