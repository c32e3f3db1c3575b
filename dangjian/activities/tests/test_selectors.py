from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from dangjian.accounts.tests.factories import make_user
from dangjian.activities import selectors, services
from dangjian.activities.models import ActivityKind
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member

from .helpers import past, present_all, record


@pytest.fixture
def world(tree):
    a1, b1 = tree["branch_a1"], tree["branch_b1"]
    me = make_member(a1, recount=False, name="党员本人")
    other = make_member(a1, recount=False, name="同支部")
    far = make_member(b1, recount=False, name="乙县党员")
    attended = record(a1, topic="我参加的", attendance=present_all([me, other]))
    not_mine = record(a1, topic="我不在名单", attendance=present_all([other]))
    outside = record(b1, topic="乙县的", attendance=present_all([far]))
    return {
        "tree": tree,
        "me": me,
        "other": other,
        "attended": attended,
        "not_mine": not_mine,
        "outside": outside,
    }


def topics(qs):
    return sorted(a.topic for a in qs)


@pytest.mark.django_db
def test_scope_per_role(world):
    t = world["tree"]
    sysadmin = make_user(Role.SYSTEM_ADMIN, None)
    admin = make_user(Role.ORG_ADMIN, t["county_a"])
    secretary = make_user(Role.BRANCH_SECRETARY, t["branch_a1"])
    supervisor = make_user(Role.SUPERVISOR, t["county_a"])
    member = make_user(Role.MEMBER, t["branch_a1"], member=world["me"])
    assert topics(selectors.activity_list(user=sysadmin)) == ["乙县的", "我不在名单", "我参加的"]
    for user in (admin, secretary, supervisor):
        assert topics(selectors.activity_list(user=user)) == ["我不在名单", "我参加的"]
    # A 党员 sees only the records they were expected at.
    assert topics(selectors.activity_list(user=member)) == ["我参加的"]
    with pytest.raises(Http404):
        selectors.access_activity(user=member, pk=world["not_mine"].pk)
    with pytest.raises(Http404):
        selectors.access_activity(user=admin, pk=world["outside"].pk)
    # ... and only their own attendance row within it.
    rows = selectors.activity_attendance(user=member, activity=world["attended"])
    assert [r.member.name for r in rows] == ["党员本人"]
    assert len(selectors.activity_attendance(user=secretary, activity=world["attended"])) == 2
    # Nobody without a change grant may write.
    for user in (member, supervisor):
        with pytest.raises(Http404):
            selectors.access_activity(user=user, pk=world["attended"].pk, perm="activity.change")


@pytest.mark.django_db
def test_deleted_records_disappear(world):
    secretary = make_user(Role.BRANCH_SECRETARY, world["tree"]["branch_a1"])
    services.activity_delete(activity=world["attended"], actor=secretary, reason="误录")
    assert topics(selectors.activity_list(user=secretary)) == ["我不在名单"]


@pytest.mark.django_db
def test_filters(world):
    t = world["tree"]
    sysadmin = make_user(Role.SYSTEM_ADMIN, None)
    lecture = record(t["branch_a1"], topic="党课", kinds=[ActivityKind.PARTY_LECTURE], lecturer_name="李老师")
    got = selectors.activity_list(user=sysadmin, filters={"kinds": [ActivityKind.PARTY_LECTURE]})
    assert list(got) == [lecture]
    special = record(
        t["branch_a1"], topic="专题党课", kinds=[ActivityKind.SPECIAL_LECTURE], lecturer_name="张书记"
    )
    both = [ActivityKind.PARTY_LECTURE, ActivityKind.SPECIAL_LECTURE]
    assert set(selectors.activity_list(user=sysadmin, filters={"kinds": both})) == {lecture, special}
    got = selectors.activity_list(user=sysadmin, filters={"org": t["county_b"]})
    assert topics(got) == ["乙县的"]
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert not selectors.activity_list(user=sysadmin, filters={"date_from": tomorrow}).exists()


@pytest.mark.django_db
def test_participation_counts(world):
    member = make_user(Role.MEMBER, world["tree"]["branch_a1"], member=world["me"])
    a1 = world["tree"]["branch_a1"]
    record(
        a1, topic="请假的", attendance=[{"member_id": world["me"].pk, "status": "leave", "reason": "出差"}]
    )
    p = selectors.member_participation(user=member, member=world["me"])
    assert p.expected == 2 and p.attended == 1 and p.counts["leave"] == 1 and p.rate == 50.0
    with pytest.raises(Http404):
        selectors.member_participation(user=member, member=world["other"])


# ---------------------------------------------------------------- absences


def _meeting(org, members, statuses, days_ago):
    rows = [
        {"member_id": m.pk, "status": s, "reason": "" if s == "present" else "事由"}
        for m, s in zip(members, statuses, strict=True)
    ]
    return record(org, starts_at=past(days_ago), attendance=rows)


@pytest.mark.django_db
def test_absence_flags(tree, settings):
    a1 = tree["branch_a1"]
    gone, excused, back = (make_member(a1, recount=False, name=n) for n in ("连缺三次", "中间请假", "又来了"))
    people = [gone, excused, back]
    _meeting(a1, people, ["present", "absent", "absent"], 50)
    _meeting(a1, people, ["absent", "absent", "absent"], 40)
    _meeting(a1, people, ["absent", "leave", "absent"], 30)
    _meeting(a1, people, ["absent", "absent", "absent"], 20)
    _meeting(a1, people, ["absent", "absent", "present"], 10)
    secretary = make_user(Role.BRANCH_SECRETARY, a1)
    flags = selectors.absence_flags(user=secretary)
    assert [(f.member.name, f.streak) for f in flags] == [("连缺三次", 4)]
    assert flags[0].last_absent_on == (past(10)).date()
    # The threshold is a setting.
    settings.ACTIVITY_ABSENCE_THRESHOLD = 2
    assert [f.member.name for f in selectors.absence_flags(user=secretary)] == ["连缺三次", "中间请假"]
    # Out of scope: nothing; a 党员 may not see the list at all.
    other = make_user(Role.BRANCH_SECRETARY, tree["branch_b1"])
    assert selectors.absence_flags(user=other) == []
    member = make_user(Role.MEMBER, a1, member=gone)
    with pytest.raises(Http404):
        selectors.absence_flags(user=member)


@pytest.mark.django_db
def test_deleted_meeting_does_not_count_for_absence(tree):
    a1 = tree["branch_a1"]
    m = make_member(a1, recount=False)
    meetings = [_meeting(a1, [m], ["absent"], d) for d in (30, 20, 10)]
    secretary = make_user(Role.BRANCH_SECRETARY, a1)
    assert len(selectors.absence_flags(user=secretary)) == 1
    services.activity_delete(activity=meetings[1], actor=secretary, reason="误录")
    assert selectors.absence_flags(user=secretary) == []


@pytest.mark.django_db
def test_calendar_grid(tree):
    a1 = tree["branch_a1"]
    day = past(1).date()
    activity = record(a1, starts_at=past(1))
    secretary = make_user(Role.BRANCH_SECRETARY, a1)
    weeks = selectors.activity_calendar(user=secretary, org=a1, year=day.year, month=day.month)
    cells = [c for w in weeks for c in w if c["items"]]
    assert len(cells) == 1 and cells[0]["date"] == day and cells[0]["items"][0]["activity"].pk == activity.pk
    assert all(len(w) == 7 for w in weeks)
