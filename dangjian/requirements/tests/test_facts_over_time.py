"""Each period is judged by the facts of that period (founding, size, kind, removal, records kept)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from dangjian.activities.models import ActivityKind as K
from dangjian.orgs import services as org_services
from dangjian.orgs.choices import MemberStatus, OrgKind, PositionTitle
from dangjian.orgs.models import Org, Position
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements import engine
from dangjian.requirements.models import ComplianceResult, ComplianceRollup, Status

from .factories import last_period, load_shipped, record, result, snapshot

D = dt.date


def months_ago(n: int) -> engine.Span:
    span = engine.span_of("month", timezone.localdate())
    for _ in range(n):
        span = engine.span_of("month", span.start - dt.timedelta(days=1))
    return span


@pytest.fixture
def county(db):
    load_shipped()
    city = make_org(name="市委", kind=OrgKind.COMMITTEE)
    return make_org(city, name="县委", kind=OrgKind.COMMITTEE)


def keys(code: str, org: Org) -> set[str]:
    return set(
        ComplianceResult.objects.filter(requirement__code=code, org=org).values_list("period_key", flat=True)
    )


def test_org_founded_mid_period_is_first_judged_in_the_next(county):
    q = last_period("quarter")
    founded = q.start + dt.timedelta(days=40)  # in the quarter's second month
    branch = make_org(county, name="新支部", kind=OrgKind.BRANCH, founded_on=founded)
    for _ in range(3):
        make_member(branch, recount=False)
    engine.recompute_all()
    assert result("ZB-GENERAL-MEETING", branch, q.key) is None
    current = engine.span_of("quarter", timezone.localdate())
    assert result("ZB-GENERAL-MEETING", branch, current.key).status == Status.NOT_DUE
    before = engine.span_of("month", founded)
    assert result("JY-THEME-DAY", branch, before.key) is None
    after = engine.span_of("month", before.end + dt.timedelta(days=1))
    assert result("JY-THEME-DAY", branch, after.key) is not None


def test_branch_reaching_seven_full_members_is_judged_for_committee_from_next_month(county):
    reached = months_ago(2)
    branch = make_org(county, name="壮大的支部", kind=OrgKind.BRANCH)
    for _ in range(6):
        make_member(branch, recount=False)
    make_member(
        branch,
        joined=reached.start - dt.timedelta(days=365 + 9),
        full_member_on=reached.start + dt.timedelta(days=9),  # the 10th
    )
    engine.recompute_all()
    judged = keys("ZB-COMMITTEE-MEETING", branch)
    assert reached.key not in judged
    assert months_ago(3).key not in judged
    assert months_ago(1).key in judged
    assert result("ZB-COMMITTEE-MEETING", branch, months_ago(1).key).status == Status.NOT_MET


def test_branch_that_shrinks_keeps_its_met_history(county):
    held, moved = months_ago(3), months_ago(2)
    branch = make_org(county, name="缩小的支部", kind=OrgKind.BRANCH)
    other = make_org(county, name="另一支部", kind=OrgKind.BRANCH)
    members = [
        make_member(branch, recount=False, birth=D(1970, 1, 1), joined=D(2000, 7, 1)) for _ in range(7)
    ]
    org_services.org_recount()
    for m, title in zip(members[1:3], (PositionTitle.SECRETARY, PositionTitle.ORGANIZATION), strict=True):
        Position.objects.create(
            member=m, org=branch, org_path=branch.path, title=title, started_on=D(2020, 1, 1)
        )
    engine.recompute_all()
    record(branch, held.start + dt.timedelta(days=3), K.COMMITTEE_MEETING, present=members[1:3])
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.member_transfer(
            member=members[0],
            to_org=other,
            on=moved.start + dt.timedelta(days=4),
            reason="工作调动",
            actor=None,
        )
    # 7 正式党员 on the first day of the month of the transfer, 6 from the next month on.
    assert result("ZB-COMMITTEE-MEETING", branch, held.key).status == Status.MET
    assert result("ZB-COMMITTEE-MEETING", branch, moved.key).status == Status.NOT_MET
    assert result("ZB-COMMITTEE-MEETING", branch, months_ago(1).key) is None
    incremental = snapshot()
    engine.recompute_all()
    assert snapshot() == incremental


def test_branch_that_becomes_a_general_branch_keeps_its_branch_history(county):
    branch = make_org(county, name="升格的支部", kind=OrgKind.BRANCH)
    for _ in range(3):
        make_member(branch)
    engine.recompute_all()
    q = last_period("quarter")
    record(branch, q.start + dt.timedelta(days=2), K.GENERAL_MEETING)
    this_month = engine.span_of("month", timezone.localdate())
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.org_update(
            org=branch, actor=None, kind=OrgKind.GENERAL_BRANCH, changed_on=this_month.start
        )
    assert result("ZB-GENERAL-MEETING", branch, q.key).status == Status.MET
    assert result("JY-THEME-DAY", branch, months_ago(1).key) is not None
    assert result("JY-THEME-DAY", branch, this_month.key) is None
    incremental = snapshot()
    engine.recompute_all()
    assert snapshot() == incremental


def test_removed_org_keeps_its_periods_before_removal_in_the_ancestors_figures(county):
    q = last_period("quarter")
    branch = make_org(county, name="撤销的支部", kind=OrgKind.BRANCH, founded_on=D(2010, 1, 1))
    member = make_member(branch, birth=D(1970, 1, 1), joined=D(2000, 7, 1))
    other = make_org(county, name="合并后的支部", kind=OrgKind.BRANCH)
    engine.recompute_all()
    record(branch, q.start + dt.timedelta(days=5), K.GENERAL_MEETING)
    rollup = ComplianceRollup.objects.get(
        org=county, requirement__code="ZB-GENERAL-MEETING", period_key=q.key
    )
    assert rollup.met == 1
    today = timezone.localdate()
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.member_transfer(member=member, to_org=other, on=today, reason="支部合并", actor=None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.org_delete(org=branch, actor=None, reason="单位撤并", removed_on=today)
    branch.refresh_from_db()
    assert (branch.removed_on, branch.removed_reason) == (today, "单位撤并")
    assert result("ZB-GENERAL-MEETING", branch, q.key).status == Status.MET
    assert result("ZB-GENERAL-MEETING", branch, engine.span_of("quarter", today).key) is None
    rollup.refresh_from_db()
    assert rollup.met == 1
    incremental = snapshot()
    engine.recompute_all()
    full = snapshot()
    assert incremental[0] - full[0] == set() and full[0] - incremental[0] == set()
    assert incremental[1] - full[1] == set() and full[1] - incremental[1] == set()


def test_removal_date_before_founding_is_refused_and_nothing_saved(county):
    branch = make_org(county, name="新支部", kind=OrgKind.BRANCH, founded_on=D(2020, 5, 1))
    with pytest.raises(ValidationError) as exc:
        org_services.org_delete(org=branch, actor=None, reason="单位撤并", removed_on=D(2020, 4, 30))
    assert exc.value.message_dict == {"removed_on": ["撤销日期不能早于成立日期"]}
    with pytest.raises(ValidationError) as exc:
        org_services.org_delete(org=branch, actor=None, reason=" ")
    assert exc.value.message_dict == {"reason": ["请填写撤销原因"]}
    branch.refresh_from_db()
    assert (branch.deleted_at, branch.removed_on) == (None, None)


def test_periods_before_records_from_are_no_records_not_not_met(county):
    branch = make_org(county, name="支部", kind=OrgKind.BRANCH)
    for _ in range(3):
        make_member(branch)
    current = engine.span_of("quarter", timezone.localdate())
    with TestCase.captureOnCommitCallbacks(execute=True):
        org_services.org_update(org=county, actor=None, records_from=current.start)
    engine.recompute_all()
    q = last_period("quarter")
    cell = result("ZB-GENERAL-MEETING", branch, q.key)
    assert cell.status == Status.NO_RECORDS
    assert cell.get_status_display() == "无记录"
    assert "无记录" in cell.explanation
    assert result("ZB-GENERAL-MEETING", branch, current.key).status == Status.NOT_DUE
    rollup = ComplianceRollup.objects.filter(
        org=county, requirement__code="ZB-GENERAL-MEETING", period_key=q.key
    )
    assert not rollup.exists()  # nothing judged below the county that quarter


def test_deployment_records_from_applies_where_no_subtree_sets_one(county, settings):
    branch = make_org(county, name="支部", kind=OrgKind.BRANCH)
    make_member(branch)
    q = last_period("quarter")
    settings.COMPLIANCE_RECORDS_FROM = q.end + dt.timedelta(days=1)
    engine.recompute_all()
    assert result("ZB-GENERAL-MEETING", branch, q.key).status == Status.NO_RECORDS
    org_services.org_update(org=branch, actor=None, records_from=q.start)
    engine.recompute_all()
    assert result("ZB-GENERAL-MEETING", branch, q.key).status == Status.NOT_MET


def test_records_from_in_the_future_is_refused(county):
    with pytest.raises(ValidationError) as exc:
        org_services.org_update(
            org=county, actor=None, records_from=timezone.localdate() + dt.timedelta(days=1)
        )
    assert exc.value.message_dict == {"records_from": ["纪实起始日期不能晚于今天"]}
    county.refresh_from_db()
    assert county.records_from is None


def test_full_recompute_keeps_closed_periods_inside_retention_and_campaign_results(county, settings):
    branch = make_org(county, name="支部", kind=OrgKind.BRANCH)
    for _ in range(3):
        make_member(branch, birth=D(1970, 1, 1), joined=D(2000, 7, 1))
    last_year = str(timezone.localdate().year - 1)
    engine.recompute_all()
    assert result("ZB-ORG-LIFE-MEETING", branch, last_year) is not None
    settings.COMPLIANCE_HISTORY_YEARS = 1
    settings.COMPLIANCE_RETENTION_YEARS = 3
    engine.recompute_all()
    assert result("ZB-ORG-LIFE-MEETING", branch, last_year) is not None
    # The 2023 campaign: results of its months whatever the windows, while the rule exists.
    assert result("ZTJY23-GROUP-STUDY", branch, "2023-10").status == Status.NOT_MET
    assert result("ZTJY23-READING-CLASS", county, "D2023-11-30") is None  # not a leadership team
    settings.COMPLIANCE_RETENTION_YEARS = 1
    engine.recompute_all()
    assert result("ZB-ORG-LIFE-MEETING", branch, last_year) is None
    assert result("ZTJY23-GROUP-STUDY", branch, "2023-10") is not None


def test_incremental_sync_of_an_org_leaves_retained_periods_alone(county, settings):
    branch = make_org(county, name="支部", kind=OrgKind.BRANCH)
    make_member(branch, birth=D(1970, 1, 1), joined=D(2000, 7, 1))
    engine.recompute_all()
    settings.COMPLIANCE_HISTORY_YEARS = 1
    last_year = str(timezone.localdate().year - 1)
    engine.sync_orgs([branch.pk])
    assert result("ZB-ORG-LIFE-MEETING", branch, last_year) is not None
    full = snapshot()
    engine.recompute_all()
    assert snapshot() == full


def test_member_status_full_counts_from_full_member_on(county):
    """正式党员 counted by 转正 date: a member who is 预备 on a month's first day does not count."""
    branch = make_org(county, name="支部", kind=OrgKind.BRANCH)
    for _ in range(6):
        make_member(branch, recount=False)
    now = timezone.localdate()
    make_member(branch, status=MemberStatus.FULL, joined=now - dt.timedelta(days=365), full_member_on=now)
    engine.recompute_all()
    assert result("ZB-COMMITTEE-MEETING", branch, engine.span_of("month", now).key) is None


def test_kind_change_dated_before_the_last_change_is_refused_and_nothing_saved(county):
    """Each dated change keeps the values before it; one dated before a later change would
    rewrite the history that change recorded (and the periods before it)."""
    branch = make_org(county, name="甲支部", kind=OrgKind.BRANCH, founded_on=D(2020, 5, 1))
    org_services.org_update(org=branch, actor=None, kind=OrgKind.GENERAL_BRANCH, changed_on=D(2024, 7, 1))
    with pytest.raises(ValidationError) as exc:
        org_services.org_update(org=branch, actor=None, kind=OrgKind.BRANCH, changed_on=D(2024, 6, 30))
    assert exc.value.message_dict == {"changed_on": ["变更日期不能早于上次变更日期（2024-07-01）"]}
    branch.refresh_from_db()
    assert branch.kind == OrgKind.GENERAL_BRANCH
    assert list(branch.state_changes.values_list("changed_on", "kind")) == [(D(2024, 7, 1), "branch")]
    # The same day, or later, is a further change.
    org_services.org_update(org=branch, actor=None, kind=OrgKind.BRANCH, changed_on=D(2024, 7, 1))
    assert branch.state_changes.count() == 2
