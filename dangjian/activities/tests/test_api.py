from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import Activity, ActivityKind, ActivityKindEntry
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member

from .helpers import past, present_all, record


@pytest.fixture
def api(tree, client):
    a1 = tree["branch_a1"]
    members = [make_member(a1, recount=False, name=n) for n in ("甲", "乙")]
    outsider = make_member(tree["branch_b1"], recount=False, name="丙")
    user = make_user(Role.BRANCH_SECRETARY, a1)
    client.force_login(user)

    def call(method, url, body=None):
        kwargs = {"content_type": "application/json"}
        if body is not None:
            kwargs["data"] = json.dumps(body, default=str)
        response = getattr(client, method)("/api/v1" + url, **kwargs)
        return response.status_code, (response.json() if response.content else None)

    return {"call": call, "org": a1, "members": members, "outsider": outsider, "tree": tree, "user": user}


def body(api, **overrides):
    data = {
        "org_id": api["org"].pk,
        "kinds": ["theme_day", "party_lecture"],
        "topic": "学习新党章",
        "starts_at": past(1).isoformat(),
        "lecturer_name": "党校王老师",
        "attendance": [
            {"member_id": api["members"][0].pk, "status": "present"},
            {"member_id": api["members"][1].pk, "status": "leave", "reason": "出差"},
        ],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_crud(api):
    call = api["call"]
    status, data = call("post", "/activities", body(api))
    assert status == 201, data
    assert data["expected_count"] == 2 and data["present_count"] == 1
    assert data["kinds"] == ["theme_day", "party_lecture"]
    assert {a["member_name"]: a["status"] for a in data["attendance"]} == {"甲": "present", "乙": "leave"}
    pk = data["id"]
    status, data = call("get", "/activities")
    assert status == 200 and data["count"] == 1 and data["items"][0]["id"] == pk
    status, data = call("patch", f"/activities/{pk}", {"kinds": ["general_meeting"], "attendance": []})
    assert status == 200 and data["kinds"] == ["general_meeting"] and data["expected_count"] == 0
    assert list(ActivityKindEntry.objects.values_list("kind", flat=True)) == ["general_meeting"]
    status, data = call("delete", f"/activities/{pk}?reason=录重了")
    assert status == 204
    assert set(ActivityKindEntry.objects.values_list("is_active", flat=True)) == {False}
    status, data = call("get", f"/activities/{pk}")
    assert status == 404 and "未找到" in data["detail"]


@pytest.mark.django_db
def test_list_filters_and_pagination(api):
    for i in range(5):
        record(api["org"], topic=f"会{i}", starts_at=past(i + 1))
    status, data = api["call"]("get", "/activities?limit=2&offset=1")
    assert status == 200 and data["count"] == 5 and [i["topic"] for i in data["items"]] == ["会1", "会2"]
    day = past(3).date()
    status, data = api["call"]("get", f"/activities?date_from={day}&date_to={day}")
    assert [i["topic"] for i in data["items"]] == ["会2"]
    status, data = api["call"]("get", f"/activities?org={api['tree']['branch_b1'].pk}")
    assert status == 422 and "无权查看" in data["detail"][0]["msg"]
    status, data = api["call"]("get", "/activities?period=2026Q9")
    assert status == 422 and "期间格式" in data["detail"][0]["msg"]
    status, data = api["call"]("get", "/activities?kind=party_dinner")
    assert status == 422 and "kind" in data["detail"][0]["msg"]
    record(api["org"], topic="党课", kinds=[ActivityKind.PARTY_LECTURE], lecturer_name="李老师")
    record(api["org"], topic="专题党课", kinds=[ActivityKind.SPECIAL_LECTURE], lecturer_name="张书记")
    status, data = api["call"]("get", "/activities?kind=party_lecture")
    assert status == 200 and [i["topic"] for i in data["items"]] == ["党课"]
    status, data = api["call"]("get", "/activities?kind=party_lecture&kind=special_lecture")
    assert status == 200 and sorted(i["topic"] for i in data["items"]) == ["专题党课", "党课"]


@pytest.mark.django_db
def test_list_pages_by_cursor_and_caps_the_count(api, monkeypatch):
    import dangjian.activities.api as activities_api

    for i in range(5):
        record(api["org"], topic=f"会{i}", starts_at=past(i + 1))
    status, data = api["call"]("get", "/activities?limit=2")
    assert status == 200 and (data["count"], data["count_capped"]) == (5, False)
    topics = [i["topic"] for i in data["items"]]
    while data["next_cursor"]:
        status, data = api["call"]("get", f"/activities?limit=2&cursor={data['next_cursor']}")
        assert status == 200
        topics += [i["topic"] for i in data["items"]]
    assert topics == [f"会{i}" for i in range(5)]
    monkeypatch.setattr(activities_api, "COUNT_CAP", 3)
    status, data = api["call"]("get", "/activities?limit=2")
    assert (data["count"], data["count_capped"]) == (3, True)
    status, data = api["call"]("get", "/activities?cursor=nonsense")
    assert status == 422 and "翻页参数不正确" in json.dumps(data, ensure_ascii=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"starts_at": (timezone.now() + dt.timedelta(days=1)).isoformat()}, "starts_at", "不能晚于当前时间"),
        ({"ends_at": past(2).isoformat()}, "ends_at", "结束时间不能早于开始时间"),
        ({"kinds": []}, "kinds", "请至少选择一种类型"),
        ({"lecturer_name": ""}, "lecturer_id", "须填写授课人"),
        (
            {"attendance": [{"member_id": 999999, "status": "present"}]},
            "attendance",
            "第 1 行：不是本组织党员",
        ),
        ({"host_id": 999999}, "host_id", "主持人：所选的人不是本组织党员"),
    ],
)
def test_create_bad_input_is_422_in_chinese(api, overrides, field, fragment):
    status, data = api["call"]("post", "/activities", body(api, **overrides))
    assert status == 422, data
    assert any(fragment in e["msg"] and e["loc"][-1] == field for e in data["detail"]), data
    assert Activity.objects.count() == 0


@pytest.mark.django_db
def test_create_outsider_and_foreign_org(api):
    outsider = api["outsider"]
    status, data = api["call"](
        "post", "/activities", body(api, attendance=[{"member_id": outsider.pk, "status": "present"}])
    )
    assert status == 422 and "第 1 行：不是本组织党员" in data["detail"][0]["msg"]
    assert outsider.name not in str(data)
    status, data = api["call"]("post", "/activities", body(api, org_id=api["tree"]["branch_b1"].pk))
    assert status == 404 and "无权" in data["detail"]
    status, data = api["call"]("post", "/activities", body(api, kinds=["party_dinner"]))
    assert status == 422
    status, data = api["call"]("post", "/activities", {**body(api), "color": "red"})
    assert status == 422
    assert Activity.objects.count() == 0


@pytest.mark.django_db
def test_write_permissions(api, client):
    activity = record(api["org"], attendance=present_all(api["members"]))
    supervisor = make_user(Role.SUPERVISOR, api["tree"]["county_a"])
    client.force_login(supervisor)
    status, data = api["call"]("patch", f"/activities/{activity.pk}", {"topic": "x"})
    assert status == 403 and "无权" in data["detail"]
    status, data = api["call"]("delete", f"/activities/{activity.pk}?reason=x")
    assert status == 403
    client.force_login(api["user"])
    status, data = api["call"]("delete", f"/activities/{activity.pk}")
    assert status == 422
    status, data = api["call"]("patch", f"/activities/{activity.pk}", {"topic": None})
    assert status == 422 and "不能为 null" in json.dumps(data, ensure_ascii=False)
    status, data = api["call"]("get", "/activities/0")
    assert status == 422
    client.logout()
    status, data = api["call"]("get", "/activities")
    assert status == 401 and data["detail"]


@pytest.mark.django_db
def test_422_never_names_people_outside_the_users_scope(api):
    outsider = api["outsider"]
    for overrides in (
        {"host_id": outsider.pk},
        {"recorder_id": outsider.pk},
        {"attendance": [{"member_id": outsider.pk, "status": "present"}]},
    ):
        status, data = api["call"]("post", "/activities", body(api, **overrides))
        assert status == 422 and outsider.name not in str(data), data
    status, data = api["call"]("post", "/activities", body(api, host_id=outsider.pk))
    assert (
        data["detail"][0]["loc"][-1] == "host_id"
        and "主持人：所选的人不是本组织党员" in data["detail"][0]["msg"]
    )
    # An id that exists elsewhere and one that exists nowhere get the same answer.
    _, missing = api["call"]("post", "/activities", body(api, host_id=99_999_999))
    assert missing["detail"] == data["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"starts_at": "0001-01-01T00:00:00"}, "starts_at", "开始时间不能早于 1921 年 7 月 1 日"),
        ({"starts_at": "0001-01-01T00:00:00+08:00"}, "starts_at", "不能早于 1921 年 7 月 1 日"),
        ({"ends_at": "9999-12-31T23:59:59"}, "ends_at", "结束时间不能晚于明天"),
        ({"attendance": [{"member_id": 99999999999999999999, "status": "present"}]}, "member_id", ""),
    ],
)
def test_out_of_range_dates_and_ids_are_422(api, overrides, field, fragment):
    status, data = api["call"]("post", "/activities", body(api, **overrides))
    assert status == 422, data
    assert any(e["loc"][-1] == field and fragment in e["msg"] for e in data["detail"]), data
    assert Activity.objects.count() == 0
