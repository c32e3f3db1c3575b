from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification.models import Problem, ProblemSource
from dangjian.research import selectors, services
from dangjian.research.models import ConversionItem, ResearchReport, TopicStatus
from dangjian.research.tests.factories import make_topic, report_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    t = sample_tree()
    t["admin"] = make_user(Role.ORG_ADMIN, t["city"], username="city_admin")
    t["county_sup"] = make_user(Role.SUPERVISOR, t["county_a"], username="county_sup")
    return t


def test_topic_goes_from_selection_to_conversion(world):
    topic = make_topic(world["branch_a1"])
    assert topic.status == TopicStatus.SELECTED
    services.visit_add(
        topic=topic,
        actor=None,
        visited_on=timezone.localdate(),
        place="村部",
        method="unannounced",
        findings="x",
    )
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IN_PROGRESS
    report = services.report_submit(topic=topic, actor=None, file=report_file(), summary="摘要")
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REPORTED
    item = services.convert_problem(
        report=report, actor=None, description="党员活动室开放不足", deadline_type="immediate"
    )
    assert item.problem.source == ProblemSource.RESEARCH and item.problem.org == world["branch_a1"]
    suggestion = services.convert_suggestion(
        report=report,
        actor=None,
        problem=item.problem,
        text="每周开放5天",
        owner="王芳",
        due_on=dt.date(2026, 6, 30),
    )
    assert suggestion.measure.problem == item.problem and suggestion.measure.owner == "王芳"
    topic.refresh_from_db()
    assert topic.status == TopicStatus.CONVERTED


def test_suggestion_needs_owner_date_and_a_problem_of_this_report(world):
    report = make_topic(world["branch_a1"], report=True).report
    other = make_topic(world["branch_a1"], report=True, title="另一课题").report
    foreign = services.convert_problem(
        report=other, actor=None, description="别的问题", deadline_type="immediate"
    )
    with pytest.raises(ValidationError) as exc:
        services.convert_suggestion(
            report=report, actor=None, problem=foreign.problem, text="建议", owner="", due_on=None
        )
    assert set(exc.value.message_dict) == {"owner", "due_on", "problem"}
    assert ConversionItem.objects.filter(report=report).count() == 0


def test_report_must_be_docx_or_pdf(world):
    topic = make_topic(world["branch_a1"])
    png = SimpleUploadedFile("报告.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    with pytest.raises(ValidationError) as exc:
        services.report_submit(topic=topic, actor=None, file=png, summary="摘要")
    assert exc.value.message_dict["file"] == ["附件“报告.png”的类型不允许：只接受 docx、pdf"]
    assert not ResearchReport.objects.filter(topic=topic).exists()


def test_bad_conversion_saves_nothing(world):
    report = make_topic(world["branch_a1"], report=True).report
    before = Problem.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.convert_problem(report=report, actor=None, description="", deadline_type="deadline")
    assert set(exc.value.message_dict) >= {"description", "due_on"}
    assert Problem.objects.count() == before and not report.conversions.exists()


def test_parent_topic_must_be_from_above(world):
    upper = make_topic(world["county_b"])
    with pytest.raises(ValidationError) as exc:
        make_topic(world["branch_a1"], parent_topic=upper)
    assert exc.value.message_dict["parent_topic"] == ["同题调研只能回答上级党组织的课题"]


def test_visit_in_the_future_is_refused(world):
    topic = make_topic(world["branch_a1"])
    with pytest.raises(ValidationError) as exc:
        services.visit_add(
            topic=topic,
            actor=None,
            visited_on=timezone.localdate() + dt.timedelta(days=1),
            place="x",
            method="forum",
            findings="y",
        )
    assert exc.value.message_dict == {"visited_on": ["调研日期不能晚于今天"]}


def test_office_lists(world):
    city_topic = make_topic(world["city"], title="全市课题")
    answered = make_topic(world["county_a"], title="县课题", parent_topic=city_topic, visits=1)
    lonely = make_topic(
        world["county_b"], title="乙县课题", report_due=timezone.localdate() - dt.timedelta(days=1)
    )
    reported = make_topic(world["branch_a1"], title="已交未转化", visits=1, report=True)
    user = world["admin"]
    assert set(selectors.without_visits(user=user)) == {city_topic, lonely}
    assert list(selectors.overdue_reports(user=user)) == [lonely]
    assert list(selectors.reports_not_converted(user=user)) == [reported]
    assert set(selectors.unanswered_upper_topics(user=user)) == {answered, lonely}
    # scoped: 甲县's supervisor sees neither the city's nor 乙县's topics
    assert set(selectors.without_visits(user=world["county_sup"])) == set()
    assert set(selectors.topic_list(user=world["county_sup"])) == {answered, reported}


def test_list_page_rows_follow_the_scope(client, world):
    inside = make_topic(world["branch_a1"])
    make_topic(world["branch_b1"])
    client.force_login(world["county_sup"])
    page = client.get(reverse("research:list")).context["page"]
    assert list(page.object_list) == [inside]
    body = client.get("/api/v1/research/topics").json()
    assert [i["id"] for i in body["items"]] == [inside.pk]


def test_api_parent_topic_elsewhere_is_not_found(client, world):
    other = make_topic(world["county_b"], title="乙县课题")
    upper = make_topic(world["city"], title="全市课题")
    client.force_login(world["admin"])
    body = {"org_id": world["branch_a1"].pk, "title": "支部课题", "lead_leader": "书记"}
    response = client.post(
        "/api/v1/research/topics", {**body, "parent_topic_id": other.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    response = client.post(
        "/api/v1/research/topics", {**body, "parent_topic_id": upper.pk}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["parent_topic_id"] == upper.pk
