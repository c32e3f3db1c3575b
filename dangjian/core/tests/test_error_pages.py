"""Error pages speak Chinese like the rest of the UI (Django's defaults are English)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views import defaults

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db


def test_not_found_and_out_of_scope_look_alike_in_chinese(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    missing = client.get("/no-such-page/")
    hidden = client.get(f"/orgs/{tree['county_b'].pk}/")
    for response in (missing, hidden):
        html = response.content.decode()
        assert response.status_code == 404
        assert "页面不存在，或不在您的权限范围内" in html and "Not Found" not in html
        assert 'data-nav="feedback"' in html  # the site frame, sidebar included


def test_forbidden_shows_the_reason(client, tree):
    client.force_login(make_user(Role.MEMBER, tree["branch_a1"]))
    response = client.get("/activities/export/records.xlsx")
    assert response.status_code == 403
    html = response.content.decode()
    assert "您无权导出台账" in html and "Forbidden" not in html


def test_csrf_failure_page_in_chinese(tree):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期，请刷新后重新提交" in response.content.decode()


def test_server_error_and_bad_request_pages_need_no_context():
    request = RequestFactory().get("/")
    error = defaults.server_error(request)
    assert error.status_code == 500 and "服务器处理请求时出错" in error.content.decode()
    bad = defaults.bad_request(request, exception=ValueError("x"))
    assert bad.status_code == 400 and "请求有误" in bad.content.decode()
