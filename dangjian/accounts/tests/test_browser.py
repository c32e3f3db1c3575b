"""In Chromium: create an API token on its page, use it, revoke it; the API docs render under the CSP."""

from __future__ import annotations

import pytest

from dangjian.accounts.models import ApiToken
from dangjian.accounts.selectors import token_lookup
from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import sample_tree


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_use_and_revoke_a_token(page):
    tree = sample_tree()
    make_user(Role.ORG_ADMIN, tree["county_a"], username="token_admin")
    browser_login(page, "token_admin")
    page.click("text=API 令牌")
    page.fill("#id_name", "报表系统")
    page.click("text=创建令牌 >> nth=-1")
    page.wait_for_selector("#new-token")
    secret = page.locator("[data-token]").inner_text().strip()
    token = token_lookup(secret=secret)
    assert token is not None and token.name == "报表系统"

    answer = page.request.get(page.base + "/api/v1/orgs", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200 and answer.json()["count"] == 4

    page.reload()
    assert secret not in page.content()  # shown once only
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('吊销')")
    page.wait_for_selector("text=已吊销")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    answer = page.request.get(page.base + "/api/v1/orgs", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 401 and "吊销" in answer.json()["detail"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_render_under_the_csp(page):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(page.base + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".opblock-summary-path", has_text="/api/v1/members/{member_id}/transfer").count() == 1
    assert problems == []
