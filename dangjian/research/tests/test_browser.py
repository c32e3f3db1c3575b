"""One 调研 from 选题 to 成果转化 in the browser."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import sample_tree
from dangjian.rectification.models import Problem
from dangjian.rectification.tests.factories import PDF


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_topic_to_conversion(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tree = sample_tree()
    make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="r_sec")
    browser_login(page, "r_sec")
    page.goto(f"{page.base}/research/new/")
    page.select_option("#id_org", label="甲县第一支部")
    page.fill("#id_title", "党员活动室开放情况调研")
    page.fill("#id_lead_leader", "支部书记")
    page.click("#topic-form button[type=submit]")
    page.wait_for_selector("#topic-status")
    assert page.inner_text("#topic-status") == "选题"
    page.fill("#visit-form input[name=visited_on]", "2026-01-05")
    page.fill("#visit-form input[name=place]", "党员活动室")
    page.select_option("#visit-form select[name=method]", label="四不两直")
    page.fill("#visit-form textarea[name=findings]", "周二下午无人值守")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("text=已记录走访")
    assert page.inner_text("#topic-status") == "调研中"
    page.set_input_files(
        "#report-form input[type=file]",
        files=[{"name": "报告.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.fill("#report-form textarea[name=summary]", "发现1个问题")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("text=已提交调研报告")
    assert page.inner_text("#topic-status") == "报告已交"
    page.fill("#convert-problem-form textarea[name=description]", "活动室每周二下午无人值守")
    page.select_option("#convert-problem-form select[name=deadline_type]", label="立行立改")
    page.click("#convert-problem-form button[type=submit]")
    page.wait_for_selector("text=已转为整改问题")
    assert page.inner_text("#topic-status") == "成果已转化"
    page.fill("#convert-suggestion-form textarea[name=text]", "排定10人值班表")
    page.fill("#convert-suggestion-form input[name=owner]", "组织委员")
    page.fill("#convert-suggestion-form input[name=due_on]", "2030-03-01")
    page.click("#convert-suggestion-form button[type=submit]")
    page.wait_for_selector("text=已转为整改措施")
    kinds = page.locator("#conversions [data-conversion]").evaluate_all(
        "els => els.map(e => e.dataset.conversion)"
    )
    assert kinds == ["problem", "suggestion"]
    problem = Problem.objects.get()
    assert problem.source == "research" and problem.measures.get().owner == "组织委员"
