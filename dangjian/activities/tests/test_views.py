from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import Activity, ActivityKind, ActivityKindEntry
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member

from .helpers import committee, past, present_all, record


@pytest.fixture
def setup(tree, client):
    a1 = tree["branch_a1"]
    members = [make_member(a1, recount=False, name=n) for n in ("书记甲", "委员乙", "党员丙")]
    committee(a1, members[:2])
    secretary = make_user(Role.BRANCH_SECRETARY, a1)
    client.force_login(secretary)
    return {"org": a1, "members": members, "secretary": secretary, "client": client, "tree": tree}


def _post_data(org, members, **overrides):
    day = timezone.localdate() - dt.timedelta(days=1)
    data = {
        "org": org.pk,
        "kinds": [ActivityKind.COMMITTEE_MEETING],
        "held_date": day.isoformat(),
        "start_time": "19:30",
        "end_time": "21:00",
        "topic": "研究发展党员工作",
        "place": "党员活动室",
        "host": members[0].pk,
        "attendee": [m.pk for m in members],
    }
    for m in members:
        data[f"att_{m.pk}"] = "present"
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_create_page_prefills_org_and_members(setup):
    response = setup["client"].get(reverse("activities:create"))
    html = response.content.decode()
    assert response.status_code == 200
    for m in setup["members"]:
        assert m.name in html
    assert 'value="present" checked' in html
    assert "app/activities.js" in html


@pytest.mark.django_db
def test_attendees_partial_follows_kinds(setup):
    url = reverse("activities:attendees")
    org = setup["org"]
    html = setup["client"].get(url, {"org": org.pk, "kinds": "committee_meeting"}).content.decode()
    assert "书记甲的出勤" in html and "委员乙的出勤" in html and "党员丙的出勤" not in html
    html = setup["client"].get(url, {"org": org.pk, "kinds": "theme_day"}).content.decode()
    assert "党员丙的出勤" in html
    # The statuses already chosen survive the reload.
    m = setup["members"][1]
    html = (
        setup["client"]
        .get(
            url,
            {
                "org": org.pk,
                "kinds": "theme_day",
                "attendee": [m.pk],
                f"att_{m.pk}": "leave",
                f"reason_{m.pk}": "出差",
            },
        )
        .content.decode()
    )
    assert f'id="att-{m.pk}-leave" value="leave" checked' in html and 'value="出差"' in html


@pytest.mark.django_db
def test_create_records_with_attendance(setup):
    org, members = setup["org"], setup["members"]
    data = _post_data(org, members, **{f"att_{members[1].pk}": "leave", f"reason_{members[1].pk}": "出差"})
    response = setup["client"].post(reverse("activities:create"), data)
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == reverse("activities:detail", args=[activity.pk])
    assert (activity.expected_count, activity.present_count) == (3, 2)
    assert activity.host == members[0]
    assert list(ActivityKindEntry.objects.values_list("kind", flat=True)) == [ActivityKind.COMMITTEE_MEETING]
    detail = setup["client"].get(response.url).content.decode()
    assert "研究发展党员工作" in detail and "委员乙（出差）" in detail


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"held_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
            "开始时间不能晚于当前时间",
        ),
        ({"end_time": "08:00"}, "结束时间不能早于开始时间"),
        ({"kinds": []}, "请至少选择一种类型"),
        ({"topic": ""}, "请填写议题/主题"),
        ({"kinds": ["party_lecture"]}, "须填写授课人"),
        ({"att_MEMBER": "absent"}, "缺席须填写原因"),
    ],
)
def test_create_bad_input_shows_chinese_error_and_saves_nothing(setup, overrides, message):
    org, members = setup["org"], setup["members"]
    if "att_MEMBER" in overrides:
        overrides = {f"att_{members[0].pk}": overrides.pop("att_MEMBER")}
    response = setup["client"].post(reverse("activities:create"), _post_data(org, members, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Activity.objects.count() == 0 and not AuditEvent.objects.filter(verb="activity.create").exists()


@pytest.mark.django_db
def test_create_refuses_outsider_and_foreign_org(setup):
    org, members = setup["org"], setup["members"]
    outsider = make_member(setup["tree"]["branch_b1"], recount=False, name="外来人")
    data = _post_data(org, members, attendee=[m.pk for m in members] + [outsider.pk])
    response = setup["client"].post(reverse("activities:create"), data)
    html = response.content.decode()
    assert response.status_code == 400 and "不是本组织党员（或编号有误），不能列入考勤" in html
    assert "外来人" not in html
    data = _post_data(setup["tree"]["branch_b1"], [outsider])
    response = setup["client"].post(reverse("activities:create"), data)
    assert response.status_code == 400 and "无权为其记录" in response.content.decode()
    assert Activity.objects.count() == 0


@pytest.mark.django_db
def test_edit_and_delete(setup):
    org, members = setup["org"], setup["members"]
    activity = record(org, kinds=[ActivityKind.THEME_DAY], attendance=present_all(members))
    client = setup["client"]
    assert client.get(reverse("activities:edit", args=[activity.pk])).status_code == 200
    data = _post_data(org, members[:2], topic="改过的议题")
    assert client.post(reverse("activities:edit", args=[activity.pk]), data).status_code == 302
    activity.refresh_from_db()
    assert activity.topic == "改过的议题" and activity.expected_count == 2
    assert list(activity.kinds.values_list("kind", flat=True)) == [ActivityKind.COMMITTEE_MEETING]
    response = client.post(reverse("activities:delete", args=[activity.pk]), {"reason": ""})
    assert response.status_code == 200 and "请填写删除原因" in response.content.decode()
    response = client.post(reverse("activities:delete", args=[activity.pk]), {"reason": "重复"})
    assert response.status_code == 302
    assert client.get(reverse("activities:detail", args=[activity.pk])).status_code == 404


@pytest.mark.django_db
def test_list_filters_and_query_count(setup, django_assert_max_num_queries):
    org, members = setup["org"], setup["members"]
    for i in range(12):
        record(org, topic=f"第{i}次", attendance=present_all(members), starts_at=past(i + 1))
    record(org, topic="党课", kinds=[ActivityKind.PARTY_LECTURE], lecturer_name="王老师")
    client = setup["client"]
    with django_assert_max_num_queries(12):
        response = client.get(reverse("activities:list"))
    assert response.status_code == 200 and "共 13 条" in response.content.decode()
    html = client.get(reverse("activities:list"), {"kind": "party_lecture"}).content.decode()
    assert "共 1 条" in html
    assert 'value="party_lecture" id="f-kind-party_lecture" autocomplete="off" checked' in html
    # The chips are cached per choice of kinds: another choice is written with its own checks.
    html = client.get(reverse("activities:list"), {"kind": "theme_day"}).content.decode()
    assert 'id="f-kind-theme_day" autocomplete="off" checked' in html
    assert 'id="f-kind-party_lecture" autocomplete="off" checked' not in html
    assert 'autocomplete="off" checked' not in client.get(reverse("activities:list")).content.decode()
    record(org, topic="专题党课", kinds=[ActivityKind.SPECIAL_LECTURE], lecturer_name="张书记")
    both = {"kind": ["party_lecture", "special_lecture"]}
    assert "共 2 条" in client.get(reverse("activities:list"), both).content.decode()
    html = client.get(reverse("activities:list"), {"kind": "party_dinner"}).content.decode()
    assert "类型：选择一个有效的选项。 party_dinner 不在可用的选项中。" in html
    # "?kind=" (the old 全部类型) still means every kind, on the page and in the export.
    assert "共 14 条" in client.get(reverse("activities:list") + "?kind=").content.decode()
    html = client.get(reverse("activities:list") + "?kind=party_lecture&period=2026").content.decode()
    assert '&amp;kind=party_lecture">本月</a>' in html  # the period shortcuts keep the chosen kinds
    export = client.get(reverse("activities:export_records") + "?kind=")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    html = client.get(reverse("activities:list"), {"period": "2026Q5"}).content.decode()
    assert "期间格式应为" in html


@pytest.mark.django_db
def test_list_rows_link_to_their_records_and_show_what_they_were(setup):
    org, members = setup["org"], setup["members"]
    when = past(3, hour=19)
    meeting = record(
        org,
        topic="支委会和主题党日",
        kinds=[ActivityKind.COMMITTEE_MEETING, ActivityKind.THEME_DAY],
        attendance=present_all(members[:2])
        + [{"member_id": members[2].pk, "status": "absent", "reason": "无故"}],
        starts_at=when,
    )
    bare = record(org, topic="没有考勤的会", starts_at=past(2))
    html = setup["client"].get(reverse("activities:list")).content.decode()
    for activity in (meeting, bare):
        assert f'href="{reverse("activities:detail", args=[activity.pk])}"' in html
    assert f"{timezone.localtime(when):%Y-%m-%d %H:%M}" in html
    assert ">支部委员会会议</span>" in html and ">主题党日</span>" in html
    assert f"{org.name} · 应到 3 实到 2<" in html
    assert f"{org.name}<" in html  # no counts for a record without attendance


@pytest.mark.django_db
def test_calendar_and_mine(setup, client):
    org, members = setup["org"], setup["members"]
    when = past(1)
    record(org, topic="日历上的会", attendance=present_all(members), starts_at=when)
    html = (
        setup["client"]
        .get(reverse("activities:calendar"), {"org": org.pk, "month": f"{when:%Y-%m}"})
        .content.decode()
    )
    assert 'title="日历上的会"' in html
    assert reverse("activities:detail", args=[Activity.objects.get().pk]) in html
    member_user = make_user(Role.MEMBER, org, member=members[2])
    client.force_login(member_user)
    html = client.get(reverse("activities:mine")).content.decode()
    assert "日历上的会" in html and 'id="mine-expected">1<' in html
    activity = Activity.objects.get()
    assert f'href="{reverse("activities:detail", args=[activity.pk])}"' in html
    assert '<span class="badge bg-green-lt">出席</span>' in html
    assert f"{timezone.localtime(when):%Y-%m-%d %H:%M} · {org.name} · 主题党日<" in html
    left = record(
        org,
        topic="请假的会",
        attendance=[{"member_id": members[2].pk, "status": "leave", "reason": "出差"}],
        starts_at=past(2),
    )
    html = client.get(reverse("activities:mine")).content.decode()
    assert '<span class="badge bg-yellow-lt">请假</span>' in html and " · 主题党日 · 出差<" in html
    assert f'href="{reverse("activities:detail", args=[left.pk])}"' in html
    assert 'id="mine-expected">2<' in html
    # A 党员 cannot record.
    assert client.get(reverse("activities:create")).status_code == 403
    assert client.get(reverse("activities:absences")).status_code == 403


@pytest.mark.django_db
def test_absences_page(setup):
    org, members = setup["org"], setup["members"]
    for d in (30, 20, 10):
        record(
            org,
            starts_at=past(d),
            attendance=[{"member_id": members[2].pk, "status": "absent", "reason": "无"}],
        )
    html = setup["client"].get(reverse("activities:absences")).content.decode()
    assert "党员丙" in html and "3 次" in html


@pytest.mark.django_db
def test_errors_never_name_people_outside_the_users_scope(setup):
    """Ids of members of other orgs (outside the secretary's scope) as host, recorder, lecturer
    and attendees: the page names the fields, never the people."""
    org, members = setup["org"], setup["members"]
    strangers = [
        make_member(setup["tree"]["branch_b1"], recount=False, name=name)
        for name in ("叶秀云", "韩立春", "欧阳明")
    ]
    data = _post_data(org, members, attendee=[m.pk for m in members] + [s.pk for s in strangers])
    data.update(host=strangers[0].pk, recorder=strangers[1].pk, lecturer=strangers[2].pk)
    response = setup["client"].post(reverse("activities:create"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "主持人：所选的人不是本组织党员" in html and "记录人：所选的人不是本组织党员" in html
    assert "不是本组织党员（或编号有误），不能列入考勤" in html
    for stranger in strangers:
        assert stranger.name not in html
    assert Activity.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_date": "0001-01-01"}, "日期不能早于 1921 年 7 月 1 日"),
        ({"held_date": "1921-06-30"}, "日期不能早于 1921 年 7 月 1 日"),
        ({"held_date": "9999-12-31"}, "日期不能晚于明天"),
        ({"attendee": ["99999999999999999999"]}, "第 1 行：不是本组织党员（或编号有误）"),
        ({"host": "99999999999999999999"}, "主持人：所选的人不是本组织党员"),
    ],
)
def test_out_of_range_input_is_a_4xx_with_a_chinese_message(setup, overrides, message):
    data = _post_data(setup["org"], setup["members"], **overrides)
    if "attendee" in overrides:
        data["att_99999999999999999999"] = "present"
    response = setup["client"].post(reverse("activities:create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Activity.objects.count() == 0
