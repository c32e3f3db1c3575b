"""Per-member rules: who is expected where, what attendance counts, and the pass line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase

from dangjian.activities.models import ActivityKind as K
from dangjian.activities.models import Attendance, AttendanceStatus
from dangjian.orgs import services as org_services
from dangjian.orgs.choices import MemberStatus, OrgKind, Standing
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements import engine
from dangjian.requirements.services import compliance_on_activity_change

from .factories import last_period, load_shipped, record, result, snapshot

D = dt.date
RULE = "JY-ORG-LIFE-EACH-MEMBER"  # pass line 90 %


@pytest.fixture
def world(db):
    load_shipped()
    county = make_org(name="县委", kind=OrgKind.COMMITTEE)
    a = make_org(county, name="甲支部", kind=OrgKind.BRANCH)
    b = make_org(county, name="乙支部", kind=OrgKind.BRANCH)
    group = make_org(a, name="甲支部第一党小组", kind=OrgKind.GROUP)
    host = make_org(county, name="流入地支部", kind=OrgKind.BRANCH)
    a_members = [make_member(a, recount=False, birth=D(1970, 1, 1), joined=D(2000, 7, 1)) for _ in range(4)]
    b_members = [make_member(b, recount=False, birth=D(1970, 1, 1), joined=D(2000, 7, 1)) for _ in range(4)]
    make_member(host, recount=False, birth=D(1970, 1, 1), joined=D(2000, 7, 1))
    org_services.org_recount()
    engine.recompute_all()
    return {"a": a, "b": b, "group": group, "host": host, "a_members": a_members, "b_members": b_members}


def same_as_full() -> None:
    incremental = snapshot()
    engine.recompute_all()
    assert snapshot() == incremental


def figures(code: str, org, key: str) -> tuple:
    cell = result(code, org, key)
    return (cell.status, cell.count, cell.required)


def test_member_transferred_in_december_counts_where_they_are_with_attendance_from_before(world):
    a, b, am, bm = world["a"], world["b"], world["a_members"], world["b_members"]
    year = last_period("year")
    record(a, D(year.start.year, 10, 15), K.ORG_LIFE_MEETING, present=am)
    record(b, D(year.start.year, 11, 20), K.ORG_LIFE_MEETING, present=bm)
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.member_transfer(
            member=am[0], to_org=b, on=D(year.start.year, 12, 10), reason="工作调动", actor=None
        )
    # Judged where they belonged on 31 December; their October attendance at 甲 counts.
    assert figures(RULE, b, year.key) == ("met", 5, 5)
    assert figures(RULE, a, year.key) == ("met", 3, 3)
    same_as_full()


def test_attendance_at_the_group_and_at_the_host_org_counts(world):
    a, group, host, am = world["a"], world["group"], world["host"], world["a_members"]
    year = last_period("year")
    record(a, D(year.start.year, 9, 1), K.ORG_LIFE_MEETING, present=am[:2], absent=am[2:])
    assert figures(RULE, a, year.key) == ("not_met", 2, 4)
    record(group, D(year.start.year, 9, 8), K.GROUP_MEETING, K.ORG_LIFE_MEETING, present=am[2:3])
    assert figures(RULE, a, year.key) == ("not_met", 3, 4)
    away = record(host, D(year.start.year, 9, 20), K.ORG_LIFE_MEETING, notify=False)
    Attendance.objects.create(activity=away, member=am[3], status=AttendanceStatus.ELSEWHERE)
    compliance_on_activity_change(org_id=host.pk, dates=[away.held_on])
    assert figures(RULE, a, year.key) == ("met", 4, 4)
    same_as_full()


def test_members_not_expected(world):
    a, am = world["a"], world["a_members"]
    year = last_period("year")
    meeting = D(year.start.year, 6, 30)
    record(a, meeting, K.ORG_LIFE_MEETING, present=am[:2], absent=am[2:])
    assert figures(RULE, a, year.key) == ("not_met", 2, 4)
    suspended, lost = am[2], am[3]
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.member_update(member=suspended, actor=None, standing=Standing.SUSPENDED)
        org_services.member_update(member=lost, actor=None, lost_contact=True, lost_contact_on=D(2020, 3, 1))
    assert figures(RULE, a, year.key) == ("met", 2, 2)
    # Admitted after the year's only meeting: not expected at it.
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.member_create(
            org=a,
            actor=None,
            **_member(
                joined_on=D(year.start.year, 8, 1), status=MemberStatus.PROBATIONARY, full_member_on=None
            ),
        )
    assert figures(RULE, a, year.key) == ("met", 2, 2)
    same_as_full()


def test_pass_line_is_a_share_of_members(world):
    a, am = world["a"], world["a_members"]
    extra = [make_member(a, recount=False, birth=D(1970, 1, 1), joined=D(2000, 7, 1)) for _ in range(6)]
    engine.sync_orgs([a.pk])
    everyone = am + extra
    year = last_period("year")
    record(a, D(year.start.year, 12, 1), K.ORG_LIFE_MEETING, present=everyone[:8], absent=everyone[8:])
    cell = result(RULE, a, year.key)
    assert (cell.status, cell.count, cell.required) == ("not_met", 8, 10)
    assert "10 名党员中 8 名已参加" in cell.explanation and "达标线：90%，即 9 名" in cell.explanation
    record(a, D(year.start.year, 12, 2), K.ORG_LIFE_MEETING, present=everyone[8:9])
    assert figures(RULE, a, year.key) == ("met", 9, 10)  # one absentee in ten passes
    same_as_full()


def test_heart_to_heart_talks_are_judged_per_member(world):
    b, bm = world["b"], world["b_members"]
    year = last_period("year")
    record(b, D(year.start.year, 5, 5), K.HEART_TO_HEART_TALK, present=bm[:2])
    cell = result("ZB-HEART-TO-HEART", b, year.key)
    assert (cell.status, cell.count, cell.required) == ("not_met", 2, 4)
    assert "4 名党员中 2 名已参加谈心谈话" in cell.explanation
    record(b, D(year.start.year, 6, 5), K.HEART_TO_HEART_TALK, present=bm[2:])
    assert figures("ZB-HEART-TO-HEART", b, year.key) == ("met", 4, 4)
    same_as_full()


def test_past_year_is_judged_by_its_own_members(world):
    b, bm = world["b"], world["b_members"]
    year = last_period("year")
    record(b, D(year.start.year, 3, 3), K.ORG_LIFE_MEETING, present=bm)
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.member_create(org=b, actor=None, **_member(joined_on=year.end + dt.timedelta(days=20)))
    assert figures(RULE, b, year.key) == ("met", 4, 4)
    same_as_full()


def _member(**overrides):
    from dangjian.orgs.tests.factories import member_data

    joined = overrides["joined_on"]
    data = member_data(birth=D(1990, 1, 1), joined=joined)
    data["full_member_on"] = joined + dt.timedelta(days=366)
    data.update(overrides)
    if data.get("full_member_on") and data["full_member_on"] > dt.date.today():
        data["full_member_on"] = None
        data["status"] = MemberStatus.PROBATIONARY
    return data
