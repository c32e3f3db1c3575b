"""The engine hears of activity changes through core.events, never through an import in activities."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from dangjian.activities import services as activity_services
from dangjian.core import events
from dangjian.requirements import services


def test_the_engine_subscribes_to_activity_changes():
    assert services.compliance_on_activities_changed in events._subscribers["activities_changed"]


def test_activities_never_import_the_requirements_app():
    root = Path(activity_services.__file__).parent
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import) else
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            assert not any(n.startswith("dangjian.requirements") for n in names), path


@pytest.mark.django_db
def test_a_recorded_activity_reaches_the_engine_after_commit(
    tree, monkeypatch, django_capture_on_commit_callbacks
):
    from dangjian.activities.tests.helpers import local, record

    calls = []
    monkeypatch.setattr(services, "compliance_on_activity_change", lambda **kw: calls.append(kw))
    with django_capture_on_commit_callbacks(execute=False) as pending:
        record(tree["branch_a1"], starts_at=local(2025, 3, 4))
    assert calls == []  # nothing before commit
    for callback in pending:
        callback()
    assert calls == [{"org_id": tree["branch_a1"].pk, "dates": [dt.date(2025, 3, 4)], "removed_members": []}]
