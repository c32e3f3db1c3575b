from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from dangjian.activities.models import ActivityKind as K
from dangjian.orgs import services as org_services
from dangjian.orgs.choices import MemberStatus, OrgKind, PositionTitle
from dangjian.orgs.models import Position
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements import engine
from dangjian.requirements.engine import parse_span, span_label, span_of, spans_overlapping
from dangjian.requirements.models import ComplianceRollup, Status

from .factories import delete, last_period, load_shipped, move, record, result, snapshot

D = dt.date


# ---------------------------------------------------------------- periods


def test_periods_and_labels():
    assert span_of("month", D(2024, 2, 10)) == engine.Span("2024-02", D(2024, 2, 1), D(2024, 2, 29))
    assert span_of("quarter", D(2024, 5, 31)) == engine.Span("2024Q2", D(2024, 4, 1), D(2024, 6, 30))
    assert span_of("half_year", D(2024, 7, 1)) == engine.Span("2024H2", D(2024, 7, 1), D(2024, 12, 31))
    assert span_of("year", D(2024, 7, 1)).key == "2024"
    assert [s.key for s in spans_overlapping("quarter", D(2024, 2, 1), D(2024, 7, 1))] == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
    ]
    assert span_label("2024Q2") == "2024年第二季度"
    assert span_label("2024-05") == "2024年5月"
    assert span_label("2024H1") == "2024年上半年"
    assert span_label("D2023-11-30") == "截至2023年11月30日"
    assert parse_span("2024q2") == span_of("quarter", D(2024, 4, 1))
    assert parse_span("2024-13") is None
    assert parse_span("abc") is None


def test_window_follows_setting(settings):
    settings.COMPLIANCE_HISTORY_YEARS = 3
    assert engine.window_start(D(2026, 11, 23)) == D(2024, 1, 1)


# ---------------------------------------------------------------- evaluation


@pytest.fixture
def world(db):
    load_shipped()
    city = make_org(name="市委", kind=OrgKind.COMMITTEE, leadership_team=True)
    county = make_org(city, name="县委", kind=OrgKind.COMMITTEE)
    big = make_org(county, name="大支部", kind=OrgKind.BRANCH)
    small = make_org(county, name="小支部", kind=OrgKind.BRANCH)
    group = make_org(big, name="第一党小组", kind=OrgKind.GROUP)
    members = [make_member(big, recount=False) for _ in range(7)]
    small_members = [make_member(small, recount=False) for _ in range(3)]
    org_services.org_recount()
    for o in (city, county, big, small, group):
        o.refresh_from_db()
    engine.recompute_all()
    return {"city": city, "county": county, "big": big, "small": small, "group": group,
            "members": members, "small_members": small_members}  # fmt: skip


def test_quarterly_meeting_met_not_met_and_explained(world):
    big, small = world["big"], world["small"]
    q = last_period("quarter")
    act = record(big, q.start + dt.timedelta(days=3), K.GENERAL_MEETING)
    met = result("ZB-GENERAL-MEETING", big, q.key)
    assert met.status == Status.MET
    assert (met.count, met.required, met.record_ids) == (1, 1, [act.pk])
    assert met.explanation == f"{q.label} 已召开支部党员大会 1 次，要求 1 次，已达标"
    missing = result("ZB-GENERAL-MEETING", small, q.key)
    assert missing.status == Status.NOT_MET
    assert missing.explanation == f"{q.label} 未召开支部党员大会（要求 1 次）"


def test_current_period_is_not_due_until_met(world):
    big = world["big"]
    today = timezone.localdate()
    month = span_of("month", today)
    cell = result("JY-THEME-DAY", big, month.key)
    assert cell.status == Status.NOT_DUE
    assert "期末前完成" in cell.explanation
    record(big, today, K.THEME_DAY)
    assert result("JY-THEME-DAY", big, month.key).status == Status.MET


def test_one_record_counts_for_several_requirements_but_once_each(world):
    big = world["big"]
    q = last_period("quarter")
    act = record(big, q.start, K.THEME_DAY, K.PARTY_LECTURE, K.SPECIAL_LECTURE)
    lecture = result("ZB-PARTY-LECTURE", big, q.key)
    assert lecture.status == Status.MET and lecture.count == 1 and lecture.record_ids == [act.pk]
    month = span_of("month", q.start)
    assert result("JY-THEME-DAY", big, month.key).status == Status.MET


def test_conditions(world):
    big, small, group, city, county = (world[k] for k in ("big", "small", "group", "city", "county"))
    month = last_period("month").key
    # 支委会: 7 正式党员 → applies; 3 members and no committee → not applicable.
    assert result("ZB-COMMITTEE-MEETING", big, month) is not None
    assert result("ZB-COMMITTEE-MEETING", small, month) is None
    # 党小组会 applies to the 党小组 only.
    assert result("ZB-GROUP-MEETING", group, month).status == Status.NOT_MET
    assert result("ZB-GROUP-MEETING", big, month) is None
    # 民主生活会: leadership teams only.
    year = last_period("year").key
    assert result("MSH-ANNUAL", city, year) is not None
    assert result("MSH-ANNUAL", county, year) is None
    # Three 委员 in post give the small branch a committee.
    for m, title in zip(
        world["small_members"],
        (PositionTitle.SECRETARY, PositionTitle.ORGANIZATION, PositionTitle.PROPAGANDA),
        strict=True,
    ):
        Position.objects.create(
            member=m, org=small, org_path=small.path, title=title, started_on=D(2020, 1, 1)
        )
    engine.sync_orgs([small.pk])
    assert result("ZB-COMMITTEE-MEETING", small, month).status == Status.NOT_MET


def test_campaign_rule_only_within_effective_dates(world):
    assert not world["big"].pk or result("ZTJY23-GROUP-STUDY", world["big"], last_period("month").key) is None


def test_per_member_rule_counts_members(world):
    big, members = world["big"], world["members"]
    year = last_period("year")
    cell = result("JY-ORG-LIFE-EACH-MEMBER", big, year.key)
    assert (cell.status, cell.count, cell.required) == (Status.NOT_MET, 0, 7)
    act = record(
        big, year.start + dt.timedelta(days=300), K.ORG_LIFE_MEETING, present=members[:5], absent=members[5:]
    )
    cell = result("JY-ORG-LIFE-EACH-MEMBER", big, year.key)
    assert (cell.status, cell.count, cell.required, cell.record_ids) == (Status.NOT_MET, 5, 7, [act.pk])
    assert (
        cell.explanation
        == f"{year.label} 7 名党员中 5 名已参加党员参加组织生活会（要求每人至少 1 次，达标线：90%，即 7 名），2 名未参加，未达标"
    )
    record(big, year.start + dt.timedelta(days=310), K.ORG_LIFE_MEETING, present=members[5:])
    assert result("JY-ORG-LIFE-EACH-MEMBER", big, year.key).status == Status.MET


def test_edit_and_delete_move_the_cells_and_rollups(world):
    big, county, city = world["big"], world["county"], world["city"]
    q = last_period("quarter")
    before = q.start - dt.timedelta(days=10)
    act = record(big, q.start, K.GENERAL_MEETING)
    rollup = ComplianceRollup.objects.get(
        org=city, requirement__code="ZB-GENERAL-MEETING", period_key=q.key, rel_depth=2
    )
    assert (rollup.met, rollup.not_met) == (1, 1)
    move(act, before)
    assert result("ZB-GENERAL-MEETING", big, q.key).status == Status.NOT_MET
    assert result("ZB-GENERAL-MEETING", big, span_of("quarter", before).key).status == Status.MET
    rollup.refresh_from_db()
    assert (rollup.met, rollup.not_met) == (0, 2)
    delete(act)
    assert result("ZB-GENERAL-MEETING", big, span_of("quarter", before).key).status == Status.NOT_MET
    county_roll = ComplianceRollup.objects.get(
        org=county, requirement__code="ZB-GENERAL-MEETING", period_key=q.key, rel_depth=1
    )
    assert county_roll.applicable == 2
    assert snapshot() == (engine.recompute_all() and snapshot())


def test_events_members_and_moves_keep_figures_equal_to_full(world):
    small, county, city = world["small"], world["county"], world["city"]
    month = last_period("month").key
    with TestCase.captureOnCommitCallbacks(execute=True):
        for _ in range(4):
            from dangjian.orgs.tests.factories import member_data

            org_services.member_create(org=small, actor=None, **member_data(status=MemberStatus.FULL))
    assert result("ZB-COMMITTEE-MEETING", small, month) is not None  # 7 正式党员 now
    with TestCase.captureOnCommitCallbacks(execute=True):
        other = org_services.org_create(parent=city, actor=None, name="新县委", kind=OrgKind.COMMITTEE)
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.org_move(org=small, new_parent=other, actor=None)
    roll = ComplianceRollup.objects.filter(org=county, requirement__code="ZB-GENERAL-MEETING").values_list(
        "met", "not_met", "not_due"
    )
    assert all(sum(r) == 1 for r in roll)  # only the big branch is left under the county
    incremental = snapshot()
    engine.recompute_all()
    assert snapshot() == incremental


def test_incremental_update_is_a_few_queries(world, django_assert_max_num_queries):
    big = world["big"]
    q = last_period("quarter")
    act = record(big, q.start, K.GENERAL_MEETING, notify=False)
    from dangjian.requirements.services import compliance_on_activity_change

    with django_assert_max_num_queries(18):
        compliance_on_activity_change(org_id=big.pk, dates=[act.held_on])
    assert result("ZB-GENERAL-MEETING", big, q.key).status == Status.MET
