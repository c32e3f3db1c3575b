from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db.models import Count, F
from django.utils import timezone

from dangjian.activities.models import Activity, ActivityKind, ActivityKindEntry, Attendance
from dangjian.activities.tests.helpers import committee
from dangjian.demo.activities import generate_activities
from dangjian.orgs.tests.factories import make_member


def _snapshot():
    return list(
        Activity.objects.order_by("pk").values_list(
            "org_id", "topic", "starts_at", "expected_count", "present_count"
        )
    ), list(Attendance.objects.order_by("pk").values_list("activity_id", "member_id", "status"))


@pytest.mark.django_db
def test_demo_records_are_consistent_and_deterministic(tree):
    a1, group = tree["branch_a1"], tree["group_a1"]
    members = [make_member(a1, recount=False) for _ in range(9)]
    for m in members[:4]:
        m.party_group = group
        m.save(update_fields=["party_group"])
    make_member(tree["branch_b1"], recount=False)
    committee(a1, members[:3], ("secretary", "organization", "propaganda"))
    out = io.StringIO()
    count = generate_activities(seed=7, shape="small", stdout=out)
    assert count == Activity.objects.count() > 50
    assert "条组织生活记录" in out.getvalue()
    today = timezone.localdate()
    first = Activity.objects.order_by("held_on").first().held_on
    assert (
        today - dt.timedelta(days=731) <= first and Activity.objects.filter(held_on__gte=today).count() == 0
    )
    # Kind entries mirror their records; counts are consistent.
    assert not ActivityKindEntry.objects.exclude(org_path=F("activity__org_path")).exists()
    assert not ActivityKindEntry.objects.exclude(held_on=F("activity__held_on")).exists()
    assert not Activity.objects.filter(present_count__gt=F("expected_count")).exists()
    with_rows = Activity.objects.annotate(n=Count("attendances")).filter(n__gt=0)
    assert with_rows.exists() and not with_rows.exclude(expected_count=F("n")).exists()
    kinds = set(ActivityKindEntry.objects.values_list("kind", flat=True))
    assert {ActivityKind.COMMITTEE_MEETING, ActivityKind.THEME_DAY, ActivityKind.GROUP_MEETING} <= kinds
    assert not ActivityKindEntry.objects.filter(kind=ActivityKind.GROUP_MEETING).exclude(org=group).exists()
    # Combined records exist (a 主题党日 that is also a 党课).
    assert Activity.objects.annotate(k=Count("kinds")).filter(k__gte=2).exists()
    before = _snapshot()
    Attendance.objects.all().delete()
    ActivityKindEntry.objects.all().delete()
    Activity.objects.all().delete()
    generate_activities(seed=7, shape="small", stdout=io.StringIO())
    after = _snapshot()
    assert [r[1:] for r in after[0]] == [r[1:] for r in before[0]]
    assert [r[1:] for r in after[1]] == [r[1:] for r in before[1]]
