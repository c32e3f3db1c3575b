"""Test helpers for 调查研究: topics in a given state, through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.rectification.tests.factories import PDF
from dangjian.research import services
from dangjian.research.models import ResearchTopic


def report_file(name: str = "调研报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def make_topic(
    org: Any, actor: Any = None, *, visits: int = 0, report: bool = False, **kw: Any
) -> ResearchTopic:
    data = {"title": f"{org.name}村级活动场所使用情况调研", "lead_leader": "张书记"} | kw
    topic = services.topic_create(org=org, actor=actor, **data)
    for i in range(visits):
        services.visit_add(
            topic=topic,
            actor=actor,
            visited_on=timezone.localdate() - dt.timedelta(days=10 - i),
            place="东风村党群服务中心",
            method="forum",
            people_met="村两委成员5人",
            findings="活动室每周开放不足2天",
        )
    if report:
        services.report_submit(
            topic=topic, actor=actor, file=report_file(), summary="发现3个问题，提出2条建议"
        )
    topic.refresh_from_db()
    return topic
