"""The page frame: headings, breadcrumbs, favicon, the login form and the admin's Chinese names."""

from __future__ import annotations

import re

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_page_titles_are_h1_and_the_login_page_has_no_empty_heading(client, tree):
    login = client.get("/login/").content.decode()
    assert not re.search(r"<h[1-6][^>]*>\s*</h[1-6]>", login)
    assert '<h1 class="h2 text-center mb-4">党建工作平台</h1>' in login
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    html = client.get("/members/").content.decode()
    assert '<h1 class="page-title">党员</h1>' in html and '<h2 class="page-title"' not in html


def test_no_page_has_an_empty_title():
    """Every page extending base.html names itself in the h1 (or drops the header, as login)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if '{% extends "base.html" %}' in text:
            assert "{% block page_title %}" in text or "{% block page_header %}{% endblock %}" in text, path


def test_login_form_lets_password_managers_fill_it(client):
    html = client.get("/login/").content.decode()
    form = html[html.index("<form") : html.index("</form>")]
    assert 'autocomplete="off"' not in form
    assert re.search(r'name="username"[^>]*autocomplete="username"', form)
    assert re.search(r'name="password"[^>]*autocomplete="current-password"', form)


def test_every_page_links_a_favicon_that_exists(client, tree):
    html = client.get("/login/").content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    response = client.get(href)
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content if response.streaming else [response.content])


def test_breadcrumbs_lead_back_from_records_and_forms(client, tree):
    member = make_member(tree["branch_a1"], name="张三丰")
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    detail = client.get(f"/members/{member.pk}/").content.decode()
    assert re.search(
        r'<ol class="breadcrumb[^"]*"[^>]*>\s*<li class="breadcrumb-item"><a href="/members/">党员</a>',
        detail,
    )
    form = client.get(f"/members/{member.pk}/edit/").content.decode()
    crumbs = form[form.index('class="breadcrumb') : form.index("</ol>")]
    assert 'href="/members/">党员<' in crumbs and f'href="/members/{member.pk}/">张三丰<' in crumbs
    org = client.get(f"/orgs/{tree['branch_a1'].pk}/").content.decode()
    crumbs = org[org.index('class="breadcrumb') : org.index("</ol>")]
    assert "甲县委" in crumbs and "甲县机关总支" in crumbs and "示例市委" not in crumbs  # out of scope


def test_admin_names_login_lockouts_in_chinese(client, tree):
    # The demo's system administrator is a superuser: Django shows them the axes models.
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, is_staff=True, is_superuser=True))
    html = client.get("/admin/").content.decode()
    assert "登录失败与锁定" in html and "登录失败计数" in html and "登录记录" in html
    assert "Axes" not in html and "Access attempts" not in html
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="zhishu", ip_address="10.0.0.1", user_agent="", http_accept="", path_info="/login/",
        get_data="", post_data="", failures_since_start=2,
    )  # fmt: skip
    changelist = client.get("/admin/axes/accessattempt/").content.decode()
    assert "用户名" in changelist and "IP 地址" in changelist
