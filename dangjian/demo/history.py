"""A deployment's history over the generated tree, so the figures look like a real one:

- the platform has kept records for about a year (纪实起始日期 on the root: periods ending
  before it show 无记录);
- a few branches were founded during that year, a few were removed (their members transferred
  to a sibling branch on the day, their posts ended), and some branches grew past 7 正式党员
  (the 7th member's 转正 falls inside the year and the 支部委员会 was elected on that day).

Deterministic for a seed and a day; runs right after the tree and members are written.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.orgs.choices import BRANCH_KINDS, COMMITTEE_TITLES, MemberStatus, OrgKind, PositionTitle
from dangjian.orgs.models import Member, Org, Position, Transfer
from dangjian.orgs.services import org_recount

FOUNDED_SHARE = 0.03
REMOVED_SHARE = 0.01
GROWN_SHARE = 0.5  # of the branches with exactly 7 正式党员


@dataclass
class HistoryStats:
    records_from: dt.date | None = None
    founded: int = 0
    removed: int = 0
    grown: int = 0


def records_start(today: dt.date) -> dt.date:
    """The first day of the month eleven months before this one (about a year of records)."""
    y, m = today.year, today.month - 11
    while m < 1:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1)


@transaction.atomic
def apply_history(*, seed: int, today: dt.date) -> HistoryStats:
    rng = random.Random(f"dangjian-demo-history:{seed}")
    stats = HistoryStats(records_from=records_start(today))
    start = stats.records_from
    assert start is not None
    span = (today - start).days
    Org.objects.filter(depth=1).update(records_from=start)
    branches = list(
        Org.objects.filter(kind__in=BRANCH_KINDS, deleted_at__isnull=True)
        .order_by("path")
        .values_list("pk", "path", "full_count", "probationary_count")
    )
    size = {b[0]: b[2] + b[3] for b in branches}
    branches = [b[:3] for b in branches]
    # Branches founded during the year: posts start on the day.
    founded = [b for b in branches if rng.random() < FOUNDED_SHARE] or branches[-1:]
    for pk, _path, _full in founded:
        day = start + dt.timedelta(days=rng.randint(20, max(21, span - 20)))
        Org.objects.filter(pk=pk).update(founded_on=day, term_start=day)
        Org.objects.filter(path__startswith=_path, kind=OrgKind.GROUP).update(founded_on=day)
        Position.objects.filter(org_id=pk, started_on__lt=day).update(started_on=day)
    stats.founded = len(founded)
    taken = {b[0] for b in founded}
    # Branches that grew past 7: the 7th 正式党员 became full during the year.
    sevens = [b for b in branches if b[2] == 7 and b[0] not in taken]
    sevens = [b for b in sevens if rng.random() < GROWN_SHARE] or sevens[:1]
    for pk, _path, _full in sevens:
        member = (
            Member.objects.filter(org_id=pk, status=MemberStatus.FULL, deleted_at__isnull=True)
            .order_by("-joined_on", "pk")
            .first()
        )
        if member is None:
            continue
        day = start + dt.timedelta(days=rng.randint(10, max(11, span - 40)))
        # 转正 is the day the one-year 预备期 ends (no extension here).
        joined = (
            day.replace(year=day.year - 1)
            if (day.month, day.day) != (2, 29)
            else day.replace(year=day.year - 1, day=28)
        )
        if joined <= member.birth_date.replace(year=member.birth_date.year + 18):
            continue
        if joined.replace(year=joined.year + 1) != day:
            continue  # a 29 February: keep the demo simple
        Member.objects.filter(pk=member.pk).update(
            joined_on=joined, full_member_on=day, probation_extension_months=None
        )
        # The 支部委员会 was elected on that day (the 书记 served before it).
        Position.objects.filter(org_id=pk, title__in=COMMITTEE_TITLES).exclude(
            title=PositionTitle.SECRETARY
        ).update(started_on=day)
        stats.grown += 1
        taken.add(pk)
    # Branches removed during the year: members go to a sibling branch.
    by_parent: dict[str, list[int]] = {}
    for pk, path, _full in branches:
        by_parent.setdefault(path[: -Org.steplen], []).append(pk)
    now = timezone.now()
    for pk, path, _full in branches:
        siblings = [
            s
            for s in by_parent[path[: -Org.steplen]]
            if s != pk and s not in taken and size[s] + size[pk] <= 50
        ]
        if pk in taken or not siblings or (stats.removed and rng.random() >= REMOVED_SHARE):
            continue
        target = Org.objects.get(pk=rng.choice(siblings))
        day = start + dt.timedelta(days=rng.randint(40, max(41, span - 10)))
        members = list(Member.objects.filter(org_id=pk, deleted_at__isnull=True))
        if any(m.joined_on > day for m in members):
            continue
        Transfer.objects.bulk_create(
            [
                Transfer(member=m, from_org_id=pk, to_org=target, on=day, reason="支部撤并", created_at=now)
                for m in members
            ]
        )
        Member.objects.filter(pk__in=[m.pk for m in members]).update(
            org=target, org_path=target.path, party_group=None
        )
        Position.objects.filter(Q(org_path__startswith=path), started_on__gt=day).update(started_on=day)
        Position.objects.filter(Q(org_path__startswith=path), ended_on__isnull=True).update(ended_on=day)
        for org in Org.objects.filter(path__startswith=path):
            founded_on = org.founded_on if org.founded_on and org.founded_on <= day else None
            Org.objects.filter(pk=org.pk).update(
                deleted_at=now, removed_on=day, removed_reason="支部撤并", founded_on=founded_on
            )
        taken |= {pk, target.pk}
        stats.removed += 1
    org_recount()
    return stats
