"""Test helpers for the rectification ledger: problems in a given state, through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.rectification import services
from dangjian.rectification.models import Problem, ProblemStatus

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "佐证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def make_problem(org: Any, actor: Any = None, *, status: str = ProblemStatus.PENDING, **kw: Any) -> Problem:
    data: dict[str, Any] = {
        "source": "self",
        "description": kw.pop("description", f"{org.name}党员活动室借阅登记簿自2025年3月起未更新"),
        "deadline_type": "deadline",
        "due_on": timezone.localdate() + dt.timedelta(days=30),
        "target": "6月30日前补齐3至5月借阅记录共12本",
        "patron_leader": "李明",
        "measures": [
            {
                "text": "6月20日前由组织委员逐本核对12张借阅卡并补登",
                "owner": "王芳",
                "due_on": timezone.localdate(),
            }
        ],
    }
    data.update(kw)
    problem = services.problem_create(org=org, actor=actor, **data)
    if status in (ProblemStatus.IN_PROGRESS, ProblemStatus.REQUESTED, ProblemStatus.CLOSED):
        problem = services.problem_start(problem=problem, actor=actor)
    if status in (ProblemStatus.REQUESTED, ProblemStatus.CLOSED):
        problem = services.problem_request_close(
            problem=problem, actor=actor, note="已补登12本", files=[pdf()]
        )
    return problem
