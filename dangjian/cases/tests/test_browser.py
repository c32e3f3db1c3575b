"""One case review in the browser: submitted, returned with comments, resubmitted, approved."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.cases.models import CaseStatus, TypicalCase
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import sample_tree


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_case_review(page):
    tree = sample_tree()
    make_user(Role.ORG_ADMIN, tree["county_a"], username="c_county")
    make_user(Role.ORG_ADMIN, tree["city"], username="c_city")
    browser_login(page, "c_county")
    page.goto(f"{page.base}/cases/new/")
    page.select_option("#id_org", label="甲县委")
    page.select_option("#id_kind", label="反面典型")
    page.fill("#id_title", "以材料整改代替实际整改")
    page.fill("#id_event", "只补写了会议记录")
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#submit-case")
    page.click("#submit-case")
    page.wait_for_selector("text=已报送")
    assert page.inner_text("#case-status") == "审核中"
    assert page.locator("#review-form").count() == 0  # the county does not review its own case
    page.context.clear_cookies()
    browser_login(page, "c_city")
    page.goto(f"{page.base}/cases/")
    page.click("#awaiting a")
    page.select_option("#review-form select[name=decision]", "return")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("[data-error-for=comment]")
    assert page.inner_text("[data-error-for=comment]") == "请填写退回意见"
    page.fill("#review-form textarea[name=comment]", "请补充原因分析")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("text=已审核")
    assert page.inner_text("#case-status") == "已退回"
    assert "请补充原因分析" in page.inner_text("#history")
    case = TypicalCase.objects.get()
    page.context.clear_cookies()
    browser_login(page, "c_county")
    page.goto(f"{page.base}/cases/{case.pk}/")
    page.click("#submit-case")
    page.wait_for_selector("text=已报送")
    page.context.clear_cookies()
    browser_login(page, "c_city")
    page.goto(f"{page.base}/cases/{case.pk}/")
    page.click("#review-form button[type=submit]")  # 通过 is the first choice
    page.wait_for_selector("text=已审核")
    assert page.inner_text("#case-status") == "已审核通过"
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert list(case.events.values_list("kind", flat=True)) == [
        "create",
        "submit",
        "return",
        "submit",
        "approve",
    ]
