from __future__ import annotations

import pytest
from django.test import TestCase

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.requirements.models import ComplianceResult, Requirement

from .factories import load_shipped


@pytest.mark.django_db
def test_system_admin_edits_a_rule_and_results_follow(client, tree):
    load_shipped()
    admin = make_user(Role.SYSTEM_ADMIN, None, is_staff=True)
    client.force_login(admin)
    req = Requirement.objects.get(code="JY-THEME-DAY")
    url = f"/admin/requirements/requirement/{req.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "name": req.name, "action": req.action, "source_title": req.source_title, "article": req.article,
        "applies_to": '{"kinds": ["branch"]}', "counts": '["theme_day", "no_such_kind"]', "period": "month",
        "times": "2", "judged": "org", "note": "", "order": "1", "is_active": "on",
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 200
    assert "未知的活动类型：no_such_kind" in response.content.decode()
    form["counts"] = '["theme_day"]'
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, form)
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.times == 2
    rows = ComplianceResult.objects.filter(requirement=req)
    assert rows.exists() and {r.required for r in rows} == {2}
    assert not rows.exclude(org__kind="branch").exists()


@pytest.mark.django_db
def test_org_admin_cannot_open_requirement_admin(client, tree):
    load_shipped()
    client.force_login(make_user(Role.ORG_ADMIN, tree["city"], is_staff=True))
    assert client.get("/admin/requirements/requirement/").status_code in {302, 403}
