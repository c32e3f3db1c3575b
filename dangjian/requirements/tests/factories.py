"""Test helpers: activity records written directly (as the activity services store them) and
the compliance engine told about them, plus snapshots for comparing incremental and full runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from django.utils import timezone

from dangjian.activities.models import Activity, ActivityKindEntry, Attendance, AttendanceStatus
from dangjian.orgs.models import Member, Org
from dangjian.requirements.engine import span_of
from dangjian.requirements.loader import default_files
from dangjian.requirements.models import ComplianceResult, ComplianceRollup, Requirement
from dangjian.requirements.services import compliance_on_activity_change, requirements_load

_SHIPPED: list[dict] = []
# Dated rules the engine tests judge (a campaign's local rules in the requirement-file form; the
# shipped campaign requirements live in the campaign templates instead).
TEST_DATA = sorted((Path(__file__).resolve().parent / "data").glob("*.yaml"))


def load_shipped() -> None:
    """The shipped requirement files and the engine tests' dated rules; parsed once per test run,
    then bulk-created (fast)."""
    if Requirement.objects.exists():
        requirements_load(paths=[*default_files(), *TEST_DATA], recompute=False)
        return
    if not _SHIPPED:
        requirements_load(paths=[*default_files(), *TEST_DATA], recompute=False)
        _SHIPPED.extend(
            {k: v for k, v in row.items() if k not in {"id", "created_at", "updated_at", "created_by_id"}}
            for row in Requirement.objects.values()
        )
        return
    Requirement.objects.bulk_create([Requirement(**row) for row in _SHIPPED])


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def record(
    org: Org,
    day: dt.date,
    *kinds: str,
    present: Iterable[Member] = (),
    absent: Iterable[Member] = (),
    notify: bool = True,
) -> Activity:
    """An activity of ``org`` on ``day`` counting as ``kinds``, with attendance."""
    org.refresh_from_db()
    activity = Activity.objects.create(
        org=org, org_path=org.path, topic="测试", starts_at=at(day), held_on=day
    )
    ActivityKindEntry.objects.bulk_create(
        [ActivityKindEntry(activity=activity, kind=k, org=org, org_path=org.path, held_on=day) for k in kinds]
    )
    rows = [Attendance(activity=activity, member=m, status=AttendanceStatus.PRESENT) for m in present]
    rows += [
        Attendance(activity=activity, member=m, status=AttendanceStatus.ABSENT, reason="事假") for m in absent
    ]
    Attendance.objects.bulk_create(rows)
    if notify:
        compliance_on_activity_change(org_id=org.pk, dates=[day])
    return activity


def move(activity: Activity, day: dt.date, kinds: Iterable[str] | None = None) -> None:
    """Edit date (and kinds) the way the activity services do, then notify both dates."""
    old = activity.held_on
    activity.held_on = day
    activity.starts_at = at(day)
    activity.save(update_fields=["held_on", "starts_at"])
    if kinds is not None:
        ActivityKindEntry.objects.filter(activity=activity).delete()
        ActivityKindEntry.objects.bulk_create(
            [
                ActivityKindEntry(
                    activity=activity, kind=k, org_id=activity.org_id, org_path=activity.org_path, held_on=day
                )
                for k in kinds
            ]
        )
    else:
        ActivityKindEntry.objects.filter(activity=activity).update(held_on=day)
    compliance_on_activity_change(org_id=activity.org_id, dates=[old, day])


def delete(activity: Activity) -> None:
    activity.deleted_at = timezone.now()
    activity.save(update_fields=["deleted_at"])
    ActivityKindEntry.objects.filter(activity=activity).update(is_active=False)
    compliance_on_activity_change(org_id=activity.org_id, dates=[activity.held_on])


def last_period(kind: str, on: dt.date | None = None):
    on = on or timezone.localdate()
    return span_of(kind, span_of(kind, on).start - dt.timedelta(days=1))


def result(code: str, org: Org, key: str) -> ComplianceResult | None:
    return ComplianceResult.objects.filter(requirement__code=code, org=org, period_key=key).first()


def snapshot() -> tuple[set, set]:
    results = {
        (r.requirement_id, r.org_id, r.period_key, r.org_path, r.period_start, r.period_end, r.status,
         r.count, r.required, r.explanation, tuple(r.record_ids))
        for r in ComplianceResult.objects.select_related("requirement")
    }  # fmt: skip
    rollups = {
        (r.requirement_id, r.org_id, r.org_path, r.period_key, r.period_start, r.rel_depth, r.met,
         r.not_met, r.not_due)
        for r in ComplianceRollup.objects.all()
    }  # fmt: skip
    return results, rollups
