"""Plausible campaign activity for demos (``start_campaign --seed-progress``): recorded through
the activity services, so the engine counts it as it counts any record."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from dangjian.activities.models import ActivityKind, AttendanceStatus
from dangjian.activities.services import activity_create, org_member_ids
from dangjian.core import policy
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import Org

from . import judging
from .confirmations import confirmation_create
from .models import Campaign, PublicityLevel, SelfStudyKind
from .publicity import publicity_create
from .selfstudy import eligible_members, material_send, self_study_record

MAX_ORGS = 200  # a demo, not a load generator
MAX_SELF_STUDY = 30


def seed_progress(*, campaign: Campaign, seed: int = 2023) -> int:
    """For about two thirds of the branches of each batch: one 集中学习 in each month of the
    batch so far, and one 交流研讨 attended by every member; then 宣传报道, confirmations and
    self-study (``seed_records``). Returns activity records made."""
    rng = random.Random(seed)
    today = timezone.localdate()
    made = 0
    for batch in campaign.batches.prefetch_related("orgs"):
        end = min(batch.ends_on, today)
        if end < batch.starts_on:
            continue
        branches: list[Org] = []
        for root in batch.orgs.all():
            branches += list(
                Org.objects.alive().filter(path__startswith=root.path, kind__in=BRANCH_KINDS).order_by("path")
            )
        for org in branches[:MAX_ORGS]:
            if rng.random() > 0.67:
                continue
            members = org_member_ids(org=org)
            attendance = [{"member_id": m, "status": AttendanceStatus.PRESENT} for m in members]
            day = batch.starts_on.replace(day=min(batch.starts_on.day + 9, 28))
            while day <= end:
                starts = timezone.make_aware(dt.datetime.combine(day, dt.time(15)))
                activity_create(
                    org=org,
                    kinds=[ActivityKind.GROUP_STUDY],
                    actor=None,
                    attendance=attendance,
                    topic=f"{campaign.name}集中学习",
                    starts_at=starts,
                )
                made += 1
                day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=10)
            if members:
                seminar_day = min(batch.starts_on + dt.timedelta(days=20), end)
                activity_create(
                    org=org,
                    kinds=[ActivityKind.SEMINAR],
                    actor=None,
                    attendance=attendance,
                    topic=f"{campaign.name}交流研讨",
                    starts_at=timezone.make_aware(dt.datetime.combine(seminar_day, dt.time(9))),
                )
                made += 1
    return made + seed_records(campaign=campaign, rng=rng)


PUBLICITY = [
    ("人民日报", PublicityLevel.CENTRAL, "{org}：以学促干推动主题教育走深走实"),
    ("新华社", PublicityLevel.CENTRAL, "{org}把调查研究成果转化为解决问题的实招"),
    ("吉林日报", PublicityLevel.PROVINCE, "{org}读书班聚焦“学思想、强党性”"),
    ("吉林电视台", PublicityLevel.PROVINCE, "{org}：一周一计划、一周一调度"),
    ("延边日报", PublicityLevel.CITY, "{org}开展专题党课进基层"),
    ("县融媒体中心", PublicityLevel.COUNTY, "{org}组织流动党员线上学习"),
]


def seed_records(*, campaign: Campaign, rng: random.Random) -> int:
    """宣传报道 of the lead org and the levels below it, 人工确认 of about half the manual
    cells, and one 党性分析 from each of a few 流动党员 / 三新 members (study materials sent
    first). Returns the activity records the self-study made (each a one-person 交流研讨)."""
    today = timezone.localdate()
    last = min(campaign.ends_on, today)
    if last < campaign.starts_on:
        return 0
    span = (last - campaign.starts_on).days
    root = campaign.root
    units = list(
        Org.objects.alive()
        .filter(path__startswith=root.path, depth__lte=root.depth + 2)
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")[:40]
    )
    for i, org in enumerate(units[:24]):
        media, level, title = PUBLICITY[(i + rng.randrange(len(PUBLICITY))) % len(PUBLICITY)]
        publicity_create(
            campaign=campaign,
            org=org,
            actor=None,
            media=media,
            level=level,
            title=title.format(org=org.name)[:200],
            published_on=campaign.starts_on + dt.timedelta(days=rng.randint(0, span)),
            link=f"https://news.example.cn/ztjy/{campaign.pk}/{i + 1}.html",
        )
    for cell in judging.cells(campaign=campaign, on=last, scope=policy.subtree_q("path", root.path)):
        if cell.action.manual and cell.status != "met" and rng.random() < 0.5:
            confirmation_create(
                action=cell.action,
                org=cell.org,
                actor=None,
                done_on=max(cell.batch.starts_on, last - dt.timedelta(days=rng.randint(0, 20))),
                note="班子成员均已确定调研选题并形成调研报告，材料已归档。",
            )
    made = 0
    branches = Org.objects.alive().filter(path__startswith=root.path, kind__in=BRANCH_KINDS).order_by("path")
    for org in branches[:MAX_ORGS]:
        if made >= MAX_SELF_STUDY:
            break
        eligible = [m for m, _ in eligible_members(org=org, on=last)][:2]
        if not eligible:
            continue
        material_send(
            campaign=campaign,
            members=eligible,
            actor=None,
            title="《习近平新时代中国特色社会主义思想专题摘编》",
            channel="线上推送",
            sent_on=max(campaign.starts_on, last - dt.timedelta(days=10)),
        )
        for member in eligible:
            self_study_record(
                campaign=campaign,
                member=member,
                actor=None,
                kind=SelfStudyKind.ANALYSIS,
                studied_on=max(campaign.starts_on, last - dt.timedelta(days=3)),
                content="对照党章党规和先进典型，从理论学习、政治素质、担当作为等方面查找差距，明确努力方向。",
            )
            made += 1
    return made
