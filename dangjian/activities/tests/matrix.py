"""Permission matrix rows for the activity pages and /activities API (see dangjian/core/matrix.py).

Columns: anon, sysadmin, admin, secretary, member, supervisor.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from dangjian.activities.models import Activity, ActivityKind, ActivityKindEntry, Attachment, Attendance
from dangjian.core.matrix import API_ALL, PAGE_ALL, Endpoint

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
MATRIX_FILE = "activities/matrix/matrix.png"


def _activity(org, members, topic):
    starts = timezone.now() - dt.timedelta(days=3)
    a = Activity.objects.create(
        org=org,
        org_path=org.path,
        topic=topic,
        starts_at=starts,
        held_on=timezone.localtime(starts).date(),
        expected_count=len(members),
        present_count=1,
    )
    ActivityKindEntry.objects.create(
        activity=a, kind=ActivityKind.THEME_DAY, org=org, org_path=org.path, held_on=a.held_on
    )
    for i, m in enumerate(members):
        Attendance.objects.create(
            activity=a, member=m, status="present" if i == 0 else "absent", reason="" if i == 0 else "未请假"
        )
    if not default_storage.exists(MATRIX_FILE):
        default_storage.save(MATRIX_FILE, ContentFile(PNG))
    Attachment.objects.create(
        activity=a, file=MATRIX_FILE, original_name="合影.png", content_type="image/png", size=len(PNG)
    )
    return a


def extend_world(world):
    world.activity_in = _activity(world.branch_a1, [world.member_in, world.member_in2], "甲县主题党日")
    world.activity_out = _activity(world.branch_b1, [world.member_out], "乙县主题党日")


def _side(w, side):
    return w.activity_in if side == "inside" else w.activity_out


def _org(w, side):
    return w.branch_a1 if side == "inside" else w.branch_b1


def _members(w, side):
    return [w.member_in, w.member_in2] if side == "inside" else [w.member_out]


def _page(name, *, with_pk=False):
    def url(w, side):
        return reverse(name, args=[_side(w, side).pk]) if with_pk else reverse(name)

    return url


def _when():
    return timezone.localtime() - dt.timedelta(days=1)


def _form(w, side):
    when = _when()
    data = {
        "org": _org(w, side).pk,
        "kinds": ["theme_day"],
        "held_date": when.date().isoformat(),
        "start_time": "09:00",
        "topic": "学习贯彻会议精神",
        "attendee": [m.pk for m in _members(w, side)],
    }
    for m in _members(w, side):
        data[f"att_{m.pk}"] = "present"
    return data


def _json(w, side):
    return {
        "org_id": _org(w, side).pk,
        "kinds": ["theme_day"],
        "topic": "学习贯彻会议精神",
        "starts_at": _when().isoformat(),
        "attendance": [{"member_id": m.pk, "status": "present"} for m in _members(w, side)],
    }


def _with_org(name):
    return lambda w, side: f"{reverse(name)}?org={_org(w, side).pk}"


OWN_CHANGE = (302, 200, 200, 200, 404, 404)
OUT_CHANGE = (302, 200, 404, 404, 404, 404)
RECORDERS = (302, 200, 200, 200, 403, 403)
LISTS = (302, 200, 200, 200, 403, 200)
LISTS_OUT = (302, 200, 404, 404, 403, 404)

ENDPOINTS = [
    Endpoint(
        "activities:list", _page("activities:list"), PAGE_ALL, shows=lambda w, role: [w.activity_in.topic]
    ),
    Endpoint("activities:create", _page("activities:create"), RECORDERS),
    Endpoint(
        "activities:create",
        _page("activities:create"),
        (302, 302, 302, 302, 403, 403),
        (302, 302, 400, 400, 403, 403),
        method="POST",
        data=_form,
    ),
    Endpoint(
        "activities:attendees", _with_org("activities:attendees"), RECORDERS, (302, 200, 404, 404, 403, 403)
    ),
    Endpoint("activities:detail", _page("activities:detail", with_pk=True), PAGE_ALL, OUT_CHANGE),
    Endpoint("activities:edit", _page("activities:edit", with_pk=True), OWN_CHANGE, OUT_CHANGE),
    Endpoint(
        "activities:edit",
        _page("activities:edit", with_pk=True),
        (302, 302, 302, 302, 404, 404),
        (302, 302, 404, 404, 404, 404),
        method="POST",
        data=_form,
    ),
    Endpoint("activities:delete", _page("activities:delete", with_pk=True), OWN_CHANGE, OUT_CHANGE),
    Endpoint(
        "activities:delete",
        _page("activities:delete", with_pk=True),
        (302, 302, 302, 302, 404, 404),
        (302, 302, 404, 404, 404, 404),
        method="POST",
        data=lambda w, side: {"reason": "重复录入"},
    ),
    Endpoint(
        "activities:attachment",
        lambda w, side: reverse(
            "activities:attachment", args=[_side(w, side).pk, _side(w, side).attachments.get().pk]
        ),
        PAGE_ALL,
        OUT_CHANGE,
    ),
    Endpoint(
        "activities:calendar", _with_org("activities:calendar"), PAGE_ALL, (302, 200, 404, 404, 404, 404)
    ),
    Endpoint("activities:mine", _page("activities:mine"), PAGE_ALL),
    Endpoint("activities:absences", _with_org("activities:absences"), LISTS, LISTS_OUT),
    Endpoint("activities:export_records", _with_org("activities:export_records"), LISTS, LISTS_OUT),
    Endpoint("activities:export_attendance", _with_org("activities:export_attendance"), LISTS, LISTS_OUT),
    # API
    Endpoint(
        "api:GET /activities",
        lambda w, side: "/api/v1/activities",
        API_ALL,
        shows=lambda w, role: [w.activity_in.topic],
    ),
    Endpoint(
        "api:GET /activities/{activity_id}",
        lambda w, side: f"/api/v1/activities/{_side(w, side).pk}",
        API_ALL,
        (401, 200, 404, 404, 404, 404),
    ),
    Endpoint(
        "api:POST /activities",
        lambda w, side: "/api/v1/activities",
        (401, 201, 201, 201, 403, 403),
        (401, 201, 404, 404, 403, 403),
        method="POST",
        data=_json,
        json=True,
    ),
    Endpoint(
        "api:PATCH /activities/{activity_id}",
        lambda w, side: f"/api/v1/activities/{_side(w, side).pk}",
        (401, 200, 200, 200, 403, 403),
        (401, 200, 404, 404, 404, 404),
        method="PATCH",
        data=lambda w, side: {"topic": "修改后的议题", "place": "会议室"},
        json=True,
    ),
    Endpoint(
        "api:DELETE /activities/{activity_id}",
        lambda w, side: f"/api/v1/activities/{_side(w, side).pk}?reason=%E9%87%8D%E5%A4%8D",
        (401, 204, 204, 204, 403, 403),
        (401, 204, 404, 404, 404, 404),
        method="DELETE",
    ),
]
