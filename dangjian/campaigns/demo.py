"""Plausible campaign activity for demos (``start_campaign --seed-progress``): recorded through
the activity services, so the engine counts it as it counts any record."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from dangjian.activities.models import ActivityKind, AttendanceStatus
from dangjian.activities.services import activity_create, org_member_ids
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Org

from .models import Campaign

MAX_ORGS = 200  # a demo, not a load generator


def seed_progress(*, campaign: Campaign, seed: int = 2023) -> int:
    """For about two thirds of the branches of each batch: one 集中学习 in each month of the
    batch so far, and one 交流研讨 attended by every member. Returns records made."""
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
    return made
