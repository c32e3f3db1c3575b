"""Writes of 调查研究: register a topic, record visits, submit the report, convert its results.

Each function is atomic and writes an audit event; state moves are automatic (the first visit
starts the research, the report marks it 报告已交, the first conversion 成果已转化).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dangjian.core import events, uploads
from dangjian.core.audit import audit
from dangjian.core.ledger import check_date, check_files, clean_text, raise_if, who
from dangjian.orgs.models import Org
from dangjian.rectification import services as rectification
from dangjian.rectification.models import Problem, ProblemSource

from .models import (
    ConversionItem,
    ConversionKind,
    ResearchReport,
    ResearchTopic,
    ResearchVisit,
    TopicStatus,
    VisitMethod,
)

REPORT_TYPES = ("docx", "pdf")


def _audit(topic: ResearchTopic, verb: str, actor: Any, **data: Any) -> None:
    audit(actor=actor, verb=f"research.{verb}", target=topic, org_path=topic.org_path, **data)


@transaction.atomic
def topic_create(
    *,
    org: Org,
    actor: Any,
    title: str,
    lead_leader: str,
    team: str = "",
    campaign: str = "",
    parent_topic: ResearchTopic | None = None,
    planned_visits: str = "",
    report_due: dt.date | None = None,
) -> ResearchTopic:
    errors: dict[str, str] = {}
    values = {
        "title": clean_text(errors, "title", title, "课题", 200, required=True),
        "lead_leader": clean_text(errors, "lead_leader", lead_leader, "牵头领导", 50, required=True),
        "team": clean_text(errors, "team", team, "参与部门/人员", 300),
        "campaign": clean_text(errors, "campaign", campaign, "所属主题教育", 100),
        "planned_visits": clean_text(errors, "planned_visits", planned_visits, "调研计划", 2000),
        "report_due": check_date(errors, "report_due", report_due, "报告应交日期"),
    }
    if parent_topic is not None and not (
        org.path.startswith(parent_topic.org_path) and org.path != parent_topic.org_path
    ):
        errors["parent_topic"] = "同题调研只能回答上级党组织的课题"
    raise_if(errors)
    topic = ResearchTopic.objects.create(
        org=org, org_path=org.path, parent_topic=parent_topic, created_by=who(actor), **values
    )
    _audit(topic, "topic_create", actor)
    events.emit("ledger_changed", org_ids={org.pk})
    return topic


@transaction.atomic
def visit_add(
    *,
    topic: ResearchTopic,
    actor: Any,
    visited_on: Any,
    place: str,
    method: str,
    findings: str,
    people_met: str = "",
) -> ResearchVisit:
    errors: dict[str, str] = {}
    day = check_date(errors, "visited_on", visited_on, "调研日期")
    if day is None and "visited_on" not in errors:
        errors["visited_on"] = "请填写调研日期"
    elif day is not None and day > timezone.localdate():
        errors["visited_on"] = "调研日期不能晚于今天"
    values = {
        "place": clean_text(errors, "place", place, "地点", 200, required=True),
        "people_met": clean_text(errors, "people_met", people_met, "接触对象", 300),
        "findings": clean_text(errors, "findings", findings, "发现的问题和情况", 3000, required=True),
    }
    if method not in VisitMethod.values:
        errors["method"] = "请选择调研方式：" + "、".join(VisitMethod.labels)
    raise_if(errors)
    assert day is not None
    visit = ResearchVisit.objects.create(
        topic=topic, visited_on=day, method=method, created_by=who(actor), **values
    )
    if topic.status == TopicStatus.SELECTED:
        topic.status = TopicStatus.IN_PROGRESS
        topic.save(update_fields=["status", "updated_at"])
    _audit(topic, "visit_add", actor, visit=visit.pk)
    return visit


@transaction.atomic
def report_submit(
    *, topic: ResearchTopic, actor: Any, file: UploadedFile | None, summary: str
) -> ResearchReport:
    errors: dict[str, str] = {}
    summary = clean_text(errors, "summary", summary, "报告摘要", 3000, required=True)
    if file is None:
        errors["file"] = "请上传调研报告（.docx 或 .pdf）"
    if ResearchReport.objects.filter(topic=topic).exists():
        errors["file"] = "该课题的调研报告已经提交"
    raise_if(errors)
    assert file is not None
    check_files([file], field="file", allowed=REPORT_TYPES)
    kind = uploads.sniffed_type(file)
    report = ResearchReport.objects.create(
        topic=topic,
        file=file,
        original_name=(file.name or "")[:200],
        content_type=kind.mime if kind else "application/octet-stream",
        size=file.size or 0,
        summary=summary,
        created_by=who(actor),
    )
    topic.status = TopicStatus.REPORTED
    topic.save(update_fields=["status", "updated_at"])
    _audit(topic, "report_submit", actor)
    events.emit("ledger_changed", org_ids={topic.org_id})
    return report


def _mark_converted(topic: ResearchTopic) -> None:
    if topic.status != TopicStatus.CONVERTED:
        topic.status = TopicStatus.CONVERTED
        topic.save(update_fields=["status", "updated_at"])


@transaction.atomic
def convert_problem(
    *,
    report: ResearchReport,
    actor: Any,
    description: str,
    deadline_type: str,
    due_on: dt.date | None = None,
    manifestation: str = "",
    target: str = "",
    patron_leader: str = "",
) -> ConversionItem:
    """A problem found by the research becomes a rectification item of the topic's org."""
    topic = report.topic
    problem = rectification.problem_create(
        org=topic.org,
        actor=actor,
        source=ProblemSource.RESEARCH,
        description=description,
        manifestation=manifestation,
        target=target,
        patron_leader=patron_leader,
        deadline_type=deadline_type,
        due_on=due_on,
    )
    item = ConversionItem.objects.create(
        report=report,
        kind=ConversionKind.PROBLEM,
        text=problem.description,
        problem=problem,
        created_by=who(actor),
    )
    _mark_converted(topic)
    _audit(topic, "convert_problem", actor, problem=problem.pk)
    return item


@transaction.atomic
def convert_suggestion(
    *, report: ResearchReport, actor: Any, problem: Problem | None, text: str, owner: str, due_on: Any
) -> ConversionItem:
    """A suggestion becomes a measure (owner and due date required) of a problem this report found."""
    errors: dict[str, str] = {}
    if not (owner or "").strip():
        errors["owner"] = "请填写责任人"
    if not due_on:
        errors["due_on"] = "请填写完成时限"
    found = set(report.conversions.filter(kind=ConversionKind.PROBLEM).values_list("problem_id", flat=True))
    if problem is None or problem.pk not in found:
        errors["problem"] = "请选择本报告转化的整改问题（先把发现的问题转为整改问题）"
    raise_if(errors)
    assert problem is not None
    measure = rectification.measure_add(problem=problem, actor=actor, text=text, owner=owner, due_on=due_on)
    item = ConversionItem.objects.create(
        report=report,
        kind=ConversionKind.SUGGESTION,
        text=measure.text,
        problem=problem,
        measure=measure,
        created_by=who(actor),
    )
    _mark_converted(report.topic)
    _audit(report.topic, "convert_suggestion", actor, measure=measure.pk)
    return item
