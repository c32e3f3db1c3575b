from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities import selectors, services
from dangjian.activities.models import Activity, ActivityKind, ActivityKindEntry, Attachment, Attendance
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.models import MobilityRecord
from dangjian.orgs.tests.factories import make_member

from .helpers import committee, local, past, present_all, record

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b" " * 64


def docx_bytes() -> bytes:
    from docx import Document

    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("会议纪要")
    doc.save(buf)
    return buf.getvalue()


@pytest.fixture
def branch(tree):
    org = tree["branch_a1"]
    members = [make_member(org, recount=False, name=n) for n in ("甲一", "甲二", "甲三", "甲四")]
    return org, members


@pytest.fixture
def actor(tree):
    return make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# ---------------------------------------------------------------- derived figures


@pytest.mark.django_db
def test_create_derives_date_counts_path_and_kind_entries(branch, actor):
    org, (a, b, c, d) = branch
    MobilityRecord.objects.create(
        member=d, org_path=org.path, direction="out", place="上海", started_on=dt.date(2024, 1, 1)
    )
    # 00:30 in Beijing is still the previous day in UTC: held_on must be the local date.
    starts = timezone.make_aware(dt.datetime(2025, 3, 1, 0, 30))
    activity = record(
        org,
        kinds=[ActivityKind.THEME_DAY, ActivityKind.PARTY_LECTURE],
        starts_at=starts,
        lecturer=a,
        actor=actor,
        attendance=[
            {"member_id": a.pk, "status": "present"},
            {"member_id": b.pk, "status": "leave", "reason": "出差"},
            {"member_id": c.pk, "status": "absent", "reason": "未说明"},
            {"member_id": d.pk, "status": "elsewhere", "reason": ""},
        ],
    )
    assert activity.held_on == dt.date(2025, 3, 1)
    assert (activity.expected_count, activity.present_count) == (4, 2)
    assert activity.org_path == org.path
    entries = ActivityKindEntry.objects.filter(activity=activity).order_by("kind")
    assert [(e.kind, e.org_id, e.org_path, e.held_on, e.is_active) for e in entries] == [
        (ActivityKind.PARTY_LECTURE, org.pk, org.path, dt.date(2025, 3, 1), True),
        (ActivityKind.THEME_DAY, org.pk, org.path, dt.date(2025, 3, 1), True),
    ]
    event = AuditEvent.objects.get(verb="activity.create")
    assert event.target_id == str(activity.pk) and event.actor == actor


@pytest.mark.django_db
def test_update_keeps_kind_entries_in_step(tree, branch, actor):
    org, members = branch
    activity = record(org, kinds=[ActivityKind.THEME_DAY], attendance=present_all(members), actor=actor)
    services.activity_update(
        activity=activity,
        actor=actor,
        kinds=[ActivityKind.GENERAL_MEETING, ActivityKind.GROUP_STUDY],
        starts_at=local(2025, 6, 30, 20),
        attendance=[{"member_id": members[0].pk, "status": "absent", "reason": "病"}]
        + present_all(members[1:2]),
    )
    activity.refresh_from_db()
    assert (activity.expected_count, activity.present_count) == (2, 1)
    entries = ActivityKindEntry.objects.filter(activity=activity)
    assert sorted(e.kind for e in entries) == [ActivityKind.GENERAL_MEETING, ActivityKind.GROUP_STUDY]
    assert {e.held_on for e in entries} == {dt.date(2025, 6, 30)}
    assert Attendance.objects.filter(activity=activity).count() == 2


@pytest.mark.django_db
def test_moving_to_another_org_moves_path_and_rechecks_attendance(tree, branch, actor):
    org, members = branch
    other = tree["branch_b1"]
    outsider = make_member(other, recount=False)
    activity = record(org, attendance=present_all(members))
    with pytest.raises(ValidationError) as exc:
        services.activity_update(activity=activity, actor=actor, org=other)
    assert "不是本组织党员" in exc.value.message_dict["attendance"][0]
    services.activity_update(activity=activity, actor=actor, org=other, attendance=present_all([outsider]))
    entry = ActivityKindEntry.objects.get(activity=activity)
    assert (entry.org_id, entry.org_path) == (other.pk, other.path)
    activity.refresh_from_db()
    assert activity.org_path == other.path and activity.expected_count == 1


@pytest.mark.django_db
def test_soft_delete_deactivates_entries_and_needs_reason(branch, actor):
    org, members = branch
    activity = record(org, kinds=[ActivityKind.THEME_DAY, ActivityKind.PARTY_LECTURE], lecturer_name="王教授")
    with pytest.raises(ValidationError) as exc:
        services.activity_delete(activity=activity, actor=actor, reason="  ")
    assert exc.value.message_dict == {"reason": ["请填写删除原因"]}
    services.activity_delete(activity=activity, actor=actor, reason="重复录入")
    activity.refresh_from_db()
    assert activity.deleted_at is not None and activity.deleted_reason == "重复录入"
    assert set(ActivityKindEntry.objects.filter(activity=activity).values_list("is_active", flat=True)) == {
        False
    }
    assert AuditEvent.objects.filter(verb="activity.delete", data__reason="重复录入").exists()
    with pytest.raises(ValidationError):
        services.activity_update(activity=activity, actor=actor, topic="改")


@pytest.mark.django_db
def test_attendance_set_recounts(branch, actor):
    org, members = branch
    activity = record(org, attendance=present_all(members))
    services.attendance_set(
        activity=activity,
        actor=actor,
        attendance=[{"member_id": members[0].pk, "status": "leave", "reason": "探亲"}],
    )
    activity.refresh_from_db()
    assert (activity.expected_count, activity.present_count) == (1, 0)
    with pytest.raises(ValidationError) as exc:
        services.attendance_set(
            activity=activity, actor=actor, attendance=[{"member_id": members[0].pk, "status": "leave"}]
        )
    assert "请假须填写原因" in exc.value.message_dict["attendance"][0]


@pytest.mark.django_db
def test_engine_told_before_and_after(branch, actor, tree, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    import dangjian.requirements.services as engine

    monkeypatch.setattr(
        engine, "compliance_on_activity_change", lambda *, org_id, dates, **_: calls.append((org_id, dates))
    )
    org, members = branch
    with django_capture_on_commit_callbacks(execute=True):
        activity = record(org, starts_at=local(2025, 1, 10))
    assert calls == [(org.pk, [dt.date(2025, 1, 10)])]
    calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_update(
            activity=activity, actor=actor, starts_at=local(2025, 4, 2), org=tree["branch_b1"]
        )
    assert sorted(calls) == sorted(
        [(org.pk, [dt.date(2025, 1, 10)]), (tree["branch_b1"].pk, [dt.date(2025, 4, 2)])]
    )
    calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_delete(activity=activity, actor=actor, reason="误录")
    assert calls == [(tree["branch_b1"].pk, [dt.date(2025, 4, 2)])]


# ---------------------------------------------------------------- default attendee lists


@pytest.mark.django_db
def test_default_lists_committee_group_and_org(tree, branch):
    org, (a, b, c, d) = branch
    committee(org, [a, b])
    group = tree["group_a1"]
    c.party_group = group
    c.save(update_fields=["party_group"])
    assert services.default_attendee_ids(org=org, kinds=[ActivityKind.COMMITTEE_MEETING]) == [a.pk, b.pk]
    assert set(services.default_attendee_ids(org=org, kinds=[ActivityKind.THEME_DAY])) == {
        a.pk,
        b.pk,
        c.pk,
        d.pk,
    }
    mixed = [ActivityKind.COMMITTEE_MEETING, ActivityKind.PARTY_LECTURE]
    assert len(services.default_attendee_ids(org=org, kinds=mixed)) == 4
    assert services.default_attendee_ids(org=group, kinds=[ActivityKind.GROUP_MEETING]) == [c.pk]


# ---------------------------------------------------------------- bad input: nothing saved


def _assert_refused(field: str, fragment: str, **kwargs):
    before = (Activity.objects.count(), ActivityKindEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.activity_create(actor=None, **kwargs)
    errors = exc.value.message_dict
    assert field in errors, errors
    assert fragment in "".join(errors[field]), errors
    after = (Activity.objects.count(), ActivityKindEntry.objects.count(), AuditEvent.objects.count())
    assert after == before


@pytest.mark.django_db
def test_future_start_refused(branch):
    org, _ = branch
    future = timezone.now() + dt.timedelta(hours=2)
    _assert_refused(
        "starts_at", "不能晚于当前时间", org=org, kinds=["theme_day"], topic="x", starts_at=future
    )


@pytest.mark.django_db
def test_end_before_start_refused(branch):
    org, _ = branch
    _assert_refused(
        "ends_at",
        "结束时间不能早于开始时间",
        org=org,
        kinds=["theme_day"],
        topic="x",
        starts_at=past(2, 10),
        ends_at=past(2, 9),
    )


@pytest.mark.django_db
def test_no_kind_and_unknown_kind_refused(branch):
    org, _ = branch
    _assert_refused("kinds", "请至少选择一种类型", org=org, kinds=[], topic="x", starts_at=past())
    _assert_refused("kinds", "未知的类型", org=org, kinds=["party_dinner"], topic="x", starts_at=past())


@pytest.mark.django_db
def test_topic_required(branch):
    org, _ = branch
    _assert_refused("topic", "请填写议题", org=org, kinds=["theme_day"], topic=" ", starts_at=past())


@pytest.mark.django_db
def test_lecturer_required_for_lectures(branch):
    org, _ = branch
    for kind in (ActivityKind.PARTY_LECTURE, ActivityKind.SPECIAL_LECTURE):
        _assert_refused("lecturer", "须填写授课人", org=org, kinds=[kind], topic="x", starts_at=past())
    record(org, kinds=[ActivityKind.PARTY_LECTURE], lecturer_name="县委党校 李老师")


@pytest.mark.django_db
def test_attendee_outside_org_refused(tree, branch):
    org, members = branch
    outsider = make_member(tree["branch_b1"], recount=False, name="外人")
    _assert_refused(
        "attendance",
        "不是本组织党员（或编号有误）",
        org=org,
        kinds=["theme_day"],
        topic="x",
        starts_at=past(),
        attendance=present_all(members) + present_all([outsider]),
    )


@pytest.mark.django_db
def test_group_meeting_only_group_members(tree, branch):
    org, (a, b, c, d) = branch
    group = tree["group_a1"]
    a.party_group = group
    a.save(update_fields=["party_group"])
    _assert_refused(
        "attendance",
        "第 2 行：不是本党小组党员",
        org=group,
        kinds=["group_meeting"],
        topic="x",
        starts_at=past(),
        attendance=present_all([a, b]),
    )
    _assert_refused(
        "kinds", "党小组会应记录在党小组名下", org=org, kinds=["group_meeting"], topic="x", starts_at=past()
    )
    record(group, kinds=[ActivityKind.GROUP_MEETING], attendance=present_all([a]))


@pytest.mark.django_db
def test_reason_required_and_elsewhere_only_for_outflow(branch):
    org, (a, b, c, d) = branch
    _assert_refused(
        "attendance",
        f"{a.name}：缺席须填写原因",
        org=org,
        kinds=["theme_day"],
        topic="x",
        starts_at=past(),
        attendance=[{"member_id": a.pk, "status": "absent", "reason": ""}],
    )
    _assert_refused(
        "attendance",
        f"{b.name}：只有流出党员可以记为异地参加",
        org=org,
        kinds=["theme_day"],
        topic="x",
        starts_at=past(),
        attendance=[{"member_id": b.pk, "status": "elsewhere"}],
    )
    _assert_refused(
        "attendance",
        "重复列入",
        org=org,
        kinds=["theme_day"],
        topic="x",
        starts_at=past(),
        attendance=present_all([a, a]),
    )


@pytest.mark.django_db
def test_host_must_belong(tree, branch):
    org, _ = branch
    outsider = make_member(tree["branch_b1"], recount=False, name="外人")
    _assert_refused(
        "host", "不是本组织党员", org=org, kinds=["theme_day"], topic="x", starts_at=past(), host=outsider
    )


# ---------------------------------------------------------------- attachments


@pytest.mark.django_db
def test_attachments_sniffed(branch):
    org, _ = branch
    good = [
        SimpleUploadedFile("合影.png", PNG),
        SimpleUploadedFile("签到.JPG", JPG),
        SimpleUploadedFile("纪要.pdf", PDF),
        SimpleUploadedFile("纪要.docx", docx_bytes()),
    ]
    activity = record(org, files=good)
    assert sorted(
        Attachment.objects.filter(activity=activity).values_list("content_type", flat=True)
    ) == sorted(
        [
            "image/png",
            "image/jpeg",
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("照片.jpg", PDF, "内容与扩展名 .jpg 不符"),
        ("纪要.pdf", b"just text, not a pdf" * 10, "内容与扩展名 .pdf 不符"),
        ("纪要.docx", PNG, "内容与扩展名 .docx 不符"),
        ("病毒.exe", b"MZ\x90\x00" + b"\x00" * 64, "类型不允许"),
        ("无扩展名", PNG, "类型不允许"),
    ],
)
def test_bad_attachments_refused(branch, name, content, fragment):
    org, _ = branch
    _assert_refused(
        "attachments",
        fragment,
        org=org,
        kinds=["theme_day"],
        topic="x",
        starts_at=past(),
        files=[SimpleUploadedFile(name, content)],
    )
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_attachment_size_limit(branch, settings):
    settings.ACTIVITY_ATTACHMENT_MAX_MB = 1
    org, _ = branch
    big = SimpleUploadedFile("大图.png", PNG + b"\x00" * (1024 * 1024))
    _assert_refused(
        "attachments", "超过 1 MB", org=org, kinds=["theme_day"], topic="x", starts_at=past(), files=[big]
    )


# ---------------------------------------------------------------- traces


@pytest.mark.django_db
def test_removing_an_attachment_keeps_row_and_file_and_the_audit_names_it(branch, actor):
    org, _ = branch
    activity = record(org, files=[SimpleUploadedFile("合影.png", PNG), SimpleUploadedFile("纪要.pdf", PDF)])
    photo = Attachment.objects.get(activity=activity, original_name="合影.png")
    services.activity_update(activity=activity, actor=actor, remove_attachments=[photo.pk])
    photo.refresh_from_db()
    assert photo.deleted_at is not None and photo.file.storage.exists(photo.file.name)
    assert [a.original_name for a in selectors.activity_attachments(activity=activity)] == ["纪要.pdf"]
    event = AuditEvent.objects.filter(verb="activity.update").latest("at")
    assert event.data["attachments_removed"] == [{"id": photo.pk, "name": "合影.png"}]
    assert "attachments" in event.data["changed"]
    # Removing it again changes nothing and is not reported.
    services.activity_update(activity=activity, actor=actor, remove_attachments=[photo.pk])
    assert "attachments_removed" not in AuditEvent.objects.filter(verb="activity.update").latest("pk").data


@pytest.mark.django_db
def test_attendance_changes_keep_before_and_after(branch, actor):
    org, members = branch
    activity = record(org, attendance=present_all(members[:3]))
    services.activity_update(
        activity=activity,
        actor=actor,
        attendance=[
            {"member_id": members[0].pk, "status": "present"},
            {"member_id": members[1].pk, "status": "leave", "reason": "出差"},
            {"member_id": members[3].pk, "status": "present"},
        ],
    )
    event = AuditEvent.objects.filter(verb="activity.update").latest("pk")
    changes = {c["member_id"]: c for c in event.data["attendance_changes"]}
    assert set(changes) == {members[1].pk, members[2].pk, members[3].pk}
    assert changes[members[1].pk]["before"] == {"status": "present", "reason": ""}
    assert changes[members[1].pk]["after"] == {"status": "leave", "reason": "出差"}
    assert changes[members[2].pk]["after"] is None and changes[members[3].pk]["before"] is None
    assert changes[members[2].pk]["name"] == members[2].name
    assert event.data["counts"] == {
        "before": {"expected": 3, "present": 3},
        "after": {"expected": 3, "present": 2},
    }
    services.attendance_set(activity=activity, actor=actor, attendance=present_all(members[:1]))
    event = AuditEvent.objects.filter(verb="activity.attendance").latest("pk")
    assert event.data["counts_before"] == {"expected": 3, "present": 2}
    assert {c["member_id"] for c in event.data["attendance_changes"]} == {members[1].pk, members[3].pk}


@pytest.mark.django_db
def test_expected_and_present_counts_are_in_the_activity_history(branch, actor):
    org, members = branch
    activity = record(org, attendance=present_all(members[:3]))
    services.attendance_set(activity=activity, actor=actor, attendance=present_all(members[:1]))
    counts = [(h.expected_count, h.present_count) for h in activity.history.order_by("history_id")]
    assert counts[-1] == (1, 1) and (3, 3) in counts
