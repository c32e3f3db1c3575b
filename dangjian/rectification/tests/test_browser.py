"""One full 销号 cycle in the browser: register, start, apply with evidence, sign off above."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification.models import Problem, ProblemStatus
from dangjian.rectification.tests.factories import PDF


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_close_out_cycle(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tree = sample_tree()
    make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="b_sec")
    make_user(Role.ORG_ADMIN, tree["county_a"], username="b_county")
    browser_login(page, "b_sec")
    page.goto(f"{page.base}/rectification/new/")
    page.select_option("#id_org", label="甲县第一支部")
    page.select_option("#id_source", label="自查")
    page.fill("#id_description", "党员活动室借阅登记簿自3月起未登记")
    page.fill("#id_target", "6月30日前补登12本")
    page.fill("#id_patron_leader", "李明")
    page.fill("#id_due_on", "2030-06-30")
    page.fill("#id_m1_text", "进一步加强管理")  # generic on purpose: warned, not blocked
    page.click("#problem-form button[type=submit]")
    page.wait_for_selector("#problem-status")
    assert page.inner_text("#problem-status") == "待整改"
    assert page.locator('#measures [data-warning="no_owner_or_date"]').count() == 1
    page.click("#start-btn")
    page.wait_for_selector("#close-form")
    page.fill("#close-form textarea[name=note]", "已补登12本")
    page.set_input_files(
        "#close-form input[type=file]",
        files=[{"name": "补登记录.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("#close-form button[type=submit]")
    page.wait_for_selector("text=已申请销号")
    assert page.inner_text("#problem-status") == "申请销号"
    assert page.locator("#verify-form").count() == 0  # the branch cannot sign off its own item
    page.context.clear_cookies()
    browser_login(page, "b_county")
    problem = Problem.objects.get()
    page.goto(f"{page.base}/rectification/{problem.pk}/")
    page.select_option("#verify-form select[name=decision]", "approve")
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("text=已审核")
    assert page.inner_text("#problem-status") == "已销号"
    events = page.locator("#events [data-event]").evaluate_all("els => els.map(e => e.dataset.event)")
    assert events == ["create", "start", "request", "verify"]
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED and problem.evidence.get().original_name == "补登记录.pdf"
