"""Set-up helpers for the activity tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.activities import services
from dangjian.activities.models import Activity, ActivityKind
from dangjian.orgs.models import Member, Org, Position


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


def past(days: int = 1, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def present_all(members: list[Member]) -> list[dict[str, Any]]:
    return [{"member_id": m.pk, "status": "present", "reason": ""} for m in members]


def record(
    org: Org,
    *,
    kinds: list[str] | None = None,
    starts_at: dt.datetime | None = None,
    attendance: list[dict[str, Any]] | None = None,
    actor: Any = None,
    **data: Any,
) -> Activity:
    return services.activity_create(
        org=org,
        kinds=kinds or [ActivityKind.THEME_DAY],
        actor=actor,
        attendance=attendance or [],
        topic=data.pop("topic", "学习党章"),
        starts_at=starts_at or past(),
        **data,
    )


def committee(
    org: Org, members: list[Member], titles: tuple[str, ...] = ("secretary", "organization")
) -> None:
    for member, title in zip(members, titles, strict=False):
        Position.objects.create(
            member=member, org=org, org_path=org.path, title=title, started_on=dt.date(2024, 1, 1)
        )
