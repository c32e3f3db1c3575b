from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification import services
from dangjian.rectification.models import ItemWarning, Problem, ProblemEvent, ProblemStatus
from dangjian.rectification.tests.factories import make_problem, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    t = sample_tree()
    t["secretary"] = make_user(Role.BRANCH_SECRETARY, t["branch_a1"], username="sec")
    t["county_admin"] = make_user(Role.ORG_ADMIN, t["county_a"], username="cadmin")
    t["branch_admin"] = make_user(Role.ORG_ADMIN, t["branch_a1"], username="badmin")
    return t


def test_full_close_out_cycle_records_every_transition(world):
    sec, reviewer = world["secretary"], world["county_admin"]
    problem = make_problem(world["branch_a1"], sec)
    services.problem_start(problem=problem, actor=sec)
    services.problem_request_close(problem=problem, actor=sec, note="已补登", files=[pdf()])
    returned = services.problem_verify(problem=problem, actor=reviewer, approve=False, reason="缺少4月记录")
    assert returned.status == ProblemStatus.RETURNED
    services.problem_request_close(problem=problem, actor=sec, note="4月已补", files=[pdf("四月.pdf")])
    closed = services.problem_verify(problem=problem, actor=reviewer, approve=True)
    assert closed.status == ProblemStatus.CLOSED and closed.closed_by == reviewer and closed.closed_at
    kinds = list(
        ProblemEvent.objects.filter(problem=problem).values_list("kind", "to_status", "actor__username")
    )
    assert kinds == [
        ("create", "pending", "sec"),
        ("start", "in_progress", "sec"),
        ("request", "requested", "sec"),
        ("return", "returned", "cadmin"),
        ("request", "requested", "sec"),
        ("verify", "closed", "cadmin"),
    ]
    assert AuditEvent.objects.filter(verb="problem.verify", target_id=str(problem.pk)).count() == 1
    assert not ItemWarning.objects.filter(problem=problem, code="self_verified").exists()


def test_verify_needs_the_level_above(world):
    problem = make_problem(world["branch_a1"], world["secretary"], status=ProblemStatus.REQUESTED)
    # an 党务管理员 whose grant is on the branch itself is not the level above
    with pytest.raises(PermissionDenied):
        services.problem_verify(problem=problem, actor=world["branch_admin"], approve=True)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.REQUESTED


def test_return_needs_a_reason(world):
    problem = make_problem(world["branch_a1"], status=ProblemStatus.REQUESTED)
    with pytest.raises(ValidationError) as exc:
        services.problem_verify(problem=problem, actor=world["county_admin"], approve=False, reason=" ")
    assert exc.value.message_dict == {"reason": ["请填写退回原因"]}


def test_wrong_state_is_refused_in_chinese(world):
    problem = make_problem(world["branch_a1"])
    with pytest.raises(ValidationError) as exc:
        services.problem_request_close(problem=problem, actor=None, note="完成")
    assert "当前状态为“待整改”，不能申请销号" in exc.value.message_dict["status"][0]


def test_bad_measure_rows_name_the_row_and_nothing_is_saved(world):
    before = Problem.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.problem_create(
            org=world["branch_a1"],
            actor=None,
            source="self",
            description="问题",
            deadline_type="immediate",
            measures=[{"text": "一", "owner": "甲"}, {"text": "", "owner": "乙", "due_on": "2026-13-01"}],
        )
    message = exc.value.message_dict["measures"][0]
    assert "第 2 条措施 请填写措施内容" in message and "第 2 条措施 完成时限不是有效日期" in message
    assert Problem.objects.count() == before


def test_deadline_type_needs_a_date(world):
    with pytest.raises(ValidationError) as exc:
        services.problem_create(
            org=world["branch_a1"], actor=None, source="self", description="问题", deadline_type="deadline"
        )
    assert exc.value.message_dict["due_on"] == ["限期整改的问题必须填写整改时限（日期）"]


def test_unknown_source_is_named(world):
    with pytest.raises(ValidationError) as exc:
        services.problem_create(
            org=world["branch_a1"], actor=None, source="x", description="问题", deadline_type="immediate"
        )
    assert exc.value.message_dict["source"][0].startswith("请选择问题来源")


def test_bad_evidence_file_leaves_the_state_alone(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    problem = make_problem(world["branch_a1"], status=ProblemStatus.IN_PROGRESS)
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.problem_request_close(problem=problem, actor=None, note="完成", files=[fake])
    assert "证明.pdf" in exc.value.message_dict["files"][0]
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.IN_PROGRESS and not problem.evidence.exists()


def test_no_owner_or_date_is_flagged_and_cleared(world):
    problem = make_problem(world["branch_a1"], measures=[{"text": "加强学习", "owner": ""}])
    measure = problem.measures.get()
    row = ItemWarning.objects.get(problem=problem, code="no_owner_or_date")
    assert row.measure == measure and row.detail == "缺少责任人、完成时限"
    services.measure_update(measure=measure, actor=None, data={"owner": "王芳", "due_on": "2026-06-30"})
    assert not ItemWarning.objects.filter(problem=problem, code="no_owner_or_date").exists()


def test_self_verified_without_evidence_and_by_the_uploader(world):
    reviewer = world["county_admin"]
    bare = make_problem(world["branch_a1"], status=ProblemStatus.IN_PROGRESS)
    services.problem_request_close(problem=bare, actor=None, note="已完成")
    assert ItemWarning.objects.get(problem=bare, code="self_verified").detail == "没有佐证材料"
    own = make_problem(world["branch_a1"], status=ProblemStatus.IN_PROGRESS)
    services.problem_request_close(problem=own, actor=reviewer, note="已完成", files=[pdf()])
    assert not ItemWarning.objects.filter(problem=own, code="self_verified").exists()
    services.problem_verify(problem=own, actor=reviewer, approve=True)
    assert ItemWarning.objects.get(problem=own, code="self_verified").detail == "佐证材料由销号审核人本人上传"


def test_closed_problem_is_not_edited(world):
    problem = make_problem(world["branch_a1"], status=ProblemStatus.REQUESTED)
    services.problem_verify(problem=problem, actor=world["county_admin"], approve=True)
    with pytest.raises(ValidationError) as exc:
        services.problem_update(problem=problem, actor=None, data={"description": "改"})
    assert exc.value.message_dict["status"] == ["已销号的问题不能再修改"]


def test_only_life_meetings_link_problems(world):
    import datetime as dt

    from django.utils import timezone

    from dangjian.activities.models import Activity, ActivityKindEntry

    org = world["branch_a1"]
    starts = timezone.now() - dt.timedelta(days=2)
    activity = Activity.objects.create(
        org=org, org_path=org.path, topic="专题组织生活会", starts_at=starts, held_on=starts.date()
    )
    entry = ActivityKindEntry.objects.create(
        activity=activity, kind="theme_day", org=org, org_path=org.path, held_on=starts.date()
    )
    with pytest.raises(ValidationError) as exc:
        make_problem(org, activity=activity)
    assert "民主生活会或组织生活会" in exc.value.message_dict["activity"][0]
    entry.kind = "org_life_meeting"
    entry.save()
    problem = make_problem(org, activity=activity, source="life_meeting")
    assert list(activity.problems.all()) == [problem]


def test_long_term_items_take_periodic_progress_notes_with_who_and_when(world):
    import datetime as dt

    from django.utils import timezone

    from dangjian.rectification import selectors

    long_term = make_problem(world["branch_a1"], world["secretary"], deadline_type="long_term", due_on=None)
    fixed = make_problem(world["branch_a1"], world["secretary"], deadline_type="immediate", due_on=None)
    long_ago = timezone.now() - dt.timedelta(days=200)
    Problem.objects.filter(pk__in=[long_term.pk, fixed.pk]).update(created_at=long_ago)
    today = timezone.localdate()
    admin = world["county_admin"]
    # registered long ago and never reported on: listed; an item with a fixed deadline never is
    assert list(selectors.long_term_without_recent_note(user=admin, today=today)) == [long_term]
    services.problem_start(problem=long_term, actor=world["secretary"])
    note = services.problem_progress_note(problem=long_term, actor=world["secretary"], note="本季度开放48次")
    assert (note.kind, note.actor, note.note) == ("progress", world["secretary"], "本季度开放48次")
    long_term.refresh_from_db()
    assert long_term.progress == "本季度开放48次"
    assert list(selectors.long_term_without_recent_note(user=admin, today=today)) == []
    later = today + dt.timedelta(days=120)  # the note has grown old: due again
    assert list(selectors.long_term_without_recent_note(user=admin, today=later)) == [long_term]
    # after 销号 a long-term item is still kept up; another item is not edited any more
    for problem in (long_term, fixed):
        if problem.status == ProblemStatus.PENDING:
            services.problem_start(problem=problem, actor=world["secretary"])
        services.problem_request_close(
            problem=problem, actor=world["secretary"], note="已完成", files=[pdf()]
        )
        services.problem_verify(problem=problem, actor=admin, approve=True)
    services.problem_progress_note(problem=long_term, actor=world["secretary"], note="坚持每周开放")
    with pytest.raises(ValidationError):
        services.problem_progress_note(problem=fixed, actor=world["secretary"], note="补记")
    kinds = list(ProblemEvent.objects.filter(problem=long_term).values_list("kind", flat=True))
    assert kinds == ["create", "start", "progress", "request", "verify", "progress"]
    assert all(e.actor and e.at for e in ProblemEvent.objects.filter(problem=long_term))


def test_a_life_meeting_lists_the_problems_it_found(client, world):
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from dangjian.activities.models import Activity, ActivityKindEntry

    org = world["branch_a1"]
    starts = timezone.now() - dt.timedelta(days=2)
    meeting = Activity.objects.create(
        org=org, org_path=org.path, topic="专题组织生活会", starts_at=starts, held_on=starts.date()
    )
    ActivityKindEntry.objects.create(
        activity=meeting, kind="org_life_meeting", org=org, org_path=org.path, held_on=starts.date()
    )
    found = make_problem(org, activity=meeting, source="life_meeting", description="支委会记录缺3次")
    make_problem(org, description="党费台账缺2个月")  # found elsewhere
    client.force_login(world["county_admin"])
    html = client.get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert f"?activity={meeting.pk}" in html  # the meeting's page links to the problems it found
    response = client.get(reverse("rectification:list"), {"activity": meeting.pk})
    assert [p.pk for p in response.context["page"].object_list] == [found.pk]
