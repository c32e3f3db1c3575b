"""What counts is data on the rule: records of 党小组, quorum, lecturer, kind combinations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dangjian.activities.models import ActivityKind as K
from dangjian.orgs.choices import OrgKind, PositionTitle
from dangjian.orgs.models import Position
from dangjian.orgs.tests.factories import make_member, make_org
from dangjian.requirements import engine
from dangjian.requirements.loader import RequirementFileError
from dangjian.requirements.models import Requirement, Status
from dangjian.requirements.services import compliance_on_activity_change, requirements_load

from .factories import last_period, load_shipped, record, result, snapshot

D = dt.date


@pytest.fixture
def world(db):
    load_shipped()
    city = make_org(name="市委", kind=OrgKind.COMMITTEE, leadership_team=True)
    county = make_org(city, name="县委", kind=OrgKind.COMMITTEE)
    branch = make_org(county, name="支部", kind=OrgKind.BRANCH)
    group = make_org(branch, name="第一党小组", kind=OrgKind.GROUP)
    members = [
        make_member(branch, recount=False, birth=D(1970, 1, 1), joined=D(2000, 7, 1)) for _ in range(8)
    ]
    from dangjian.orgs.services import org_recount

    org_recount()
    engine.recompute_all()
    return {"city": city, "county": county, "branch": branch, "group": group, "members": members}


LONG_AGO = D(2020, 1, 1)


def post(member, org, title, start=LONG_AGO, end=None):
    return Position.objects.create(
        member=member, org=org, org_path=org.path, title=title, started_on=start, ended_on=end
    )


def same_as_full() -> None:
    incremental = snapshot()
    engine.recompute_all()
    assert snapshot() == incremental


def test_org_life_meeting_held_as_a_group_meeting_counts_for_the_branch(world):
    branch, group = world["branch"], world["group"]
    year = last_period("year")
    act = record(group, year.start + dt.timedelta(days=300), K.GROUP_MEETING, K.ORG_LIFE_MEETING)
    cell = result("ZB-ORG-LIFE-MEETING", branch, year.key)
    assert (cell.status, cell.record_ids) == (Status.MET, [act.pk])
    assert result("ZB-GROUP-MEETING", group, engine.span_of("month", act.held_on).key).status == Status.MET
    same_as_full()


def test_committee_meeting_needs_more_than_half_of_the_committee_in_post(world):
    branch, members = world["branch"], world["members"]
    titles = [
        PositionTitle.SECRETARY,
        PositionTitle.ORGANIZATION,
        PositionTitle.PROPAGANDA,
        PositionTitle.DISCIPLINE,
        PositionTitle.DEPUTY_SECRETARY,
    ]
    for m, title in zip(members[:5], titles, strict=True):
        post(m, branch, title)
    month = last_period("month")
    # A 委员 whose post ended before the month is neither expected nor counted.
    post(members[5], branch, PositionTitle.YOUTH, start=D(2020, 1, 1), end=month.start - dt.timedelta(days=1))
    day = month.start + dt.timedelta(days=5)
    thin = record(branch, day, K.COMMITTEE_MEETING, present=members[:1] + members[5:6], absent=members[1:5])
    cell = result("ZB-COMMITTEE-MEETING", branch, month.key)
    assert (cell.status, cell.count, cell.record_ids) == (Status.NOT_MET, 0, [])
    assert f"记录 #{thin.pk}：到会委员未过半数" in cell.explanation
    two = record(branch, day, K.COMMITTEE_MEETING, present=members[:2], absent=members[2:5])
    assert result("ZB-COMMITTEE-MEETING", branch, month.key).status == Status.NOT_MET
    held = record(branch, day, K.COMMITTEE_MEETING, present=members[:3], absent=members[3:5])
    cell = result("ZB-COMMITTEE-MEETING", branch, month.key)
    assert (cell.status, cell.count, cell.record_ids) == (Status.MET, 1, [held.pk])
    assert f"记录 #{two.pk}：到会委员未过半数" in cell.explanation
    same_as_full()


def test_one_record_counts_as_several_kinds_only_where_the_rule_allows(world):
    branch, members = world["branch"], world["members"]
    for m, title in zip(
        members[:3],
        [PositionTitle.SECRETARY, PositionTitle.ORGANIZATION, PositionTitle.PROPAGANDA],
        strict=True,
    ):
        post(m, branch, title)
    q = last_period("quarter")
    both = record(branch, q.start, K.GENERAL_MEETING, K.COMMITTEE_MEETING, present=members)
    cell = result("ZB-GENERAL-MEETING", branch, q.key)
    assert cell.status == Status.NOT_MET
    assert f"记录 #{both.pk}：同一记录同时标记的类型不能合并计入" in cell.explanation
    month = engine.span_of("month", q.start)
    assert result("ZB-COMMITTEE-MEETING", branch, month.key).status == Status.NOT_MET
    # A 党员大会 that is also the quarter's 党课 counts for both.
    record(branch, q.start, K.GENERAL_MEETING, K.PARTY_LECTURE)
    assert result("ZB-GENERAL-MEETING", branch, q.key).status == Status.MET
    assert result("ZB-PARTY-LECTURE", branch, q.key).status == Status.MET
    same_as_full()


def test_secretary_lecture_counts_where_given_only_when_the_lecturer_was_secretary(world):
    county, branch, members = world["county"], world["branch"], world["members"]
    year = last_period("year")
    secretary = members[0]
    post(secretary, county, PositionTitle.SECRETARY, start=year.start + dt.timedelta(days=100))
    early = record(county, year.start + dt.timedelta(days=50), K.PARTY_LECTURE, notify=False)
    early.lecturer = secretary
    early.save(update_fields=["lecturer"])
    compliance_on_activity_change(org_id=county.pk, dates=[early.held_on])
    cell = result("JY-SECRETARY-LECTURE", county, year.key)
    assert cell.status == Status.NOT_MET  # not yet 书记 that day
    assert f"记录 #{early.pk}：授课人当天不是本组织书记" in cell.explanation
    given = record(branch, year.start + dt.timedelta(days=200), K.SPECIAL_LECTURE, notify=False)
    given.lecturer = secretary
    given.save(update_fields=["lecturer"])
    compliance_on_activity_change(org_id=branch.pk, dates=[given.held_on])
    cell = result("JY-SECRETARY-LECTURE", county, year.key)
    assert (cell.status, cell.record_ids) == (Status.MET, [given.pk])
    assert (
        result("ZB-PARTY-LECTURE", branch, engine.span_of("quarter", given.held_on).key).status == Status.MET
    )
    same_as_full()


def test_campaign_group_study_counts_group_meetings_and_special_lectures_for_branches(world):
    branch, group, county = world["branch"], world["group"], world["county"]
    act = record(group, D(2023, 10, 12), K.GROUP_MEETING)
    cell = result("ZTJY23-GROUP-STUDY", branch, "2023-10")
    assert (cell.status, cell.record_ids) == (Status.MET, [act.pk])
    lecture = record(branch, D(2023, 11, 3), K.SPECIAL_LECTURE)
    assert result("ZTJY23-GROUP-STUDY", branch, "2023-11").record_ids == [lecture.pk]
    assert result("ZTJY23-GROUP-STUDY", branch, "2023-12").status == Status.NOT_MET
    assert result("ZTJY23-GROUP-STUDY", county, "2023-10") is None  # 党委 hold no member study
    same_as_full()


BAD = """\
source:
  title: 测试
requirements:
  - code: T-1
    name: 测试
    applies_to: {{kinds: [branch]}}
    counts: [committee_meeting]
    period: month
    {line}
"""


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ("quorum: half", "requirements[0].quorum（到会要求）", "到会要求应为 committee_majority"),
        (
            "counts_from_groups: yes please",
            "requirements[0].counts_from_groups（计入所属党小组的记录）",
            "应为 true 或 false",
        ),
        (
            "combines_with: [bogus]",
            "requirements[0].combines_with（可同时计入的类型）",
            "未知的活动类型：bogus",
        ),
        ("lecturer: anyone", "requirements[0].lecturer（授课人要求）", "授课人要求应为 secretary"),
        ("pass_share: 1.5", "requirements[0].pass_share（达标线（党员比例））", "不能大于 1"),
    ],
)
def test_rule_file_with_unknown_counting_values_is_refused(db, tmp_path: Path, line, field, reason):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD.format(line=line), encoding="utf-8")
    with pytest.raises(RequirementFileError) as exc:
        requirements_load(paths=[path])
    (message,) = exc.value.messages
    assert message.startswith(f"bad.yaml 第 9 行，字段 {field}：")
    assert reason in message
    assert not Requirement.objects.exists()
