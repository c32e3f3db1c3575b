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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_newcomer_follows_a_problem_from_a_visit_to_closed_on_the_demo(page, settings, tmp_path):
    """On the demo's ledgers: a 调研 visit finds a problem, it gets measures, is applied for with
    evidence, the county above signs it off; the demo's generic and copied lines carry warnings
    that the list filters on."""
    from dangjian.demo.ledgers import COPIED, GENERIC, LedgerCast, generate_ledgers
    from dangjian.rectification.detector import reset_index
    from dangjian.research.models import ResearchTopic

    settings.MEDIA_ROOT = tmp_path
    reset_index()
    t = sample_tree()
    cast = LedgerCast(
        city=t["city"],
        county=t["county_a"],
        other_county=t["county_b"],
        branch=t["branch_a1"],
        city_user=make_user(Role.ORG_ADMIN, t["city"], username="shiwei"),
        county_user=make_user(Role.ORG_ADMIN, t["county_a"], username="xianwei"),
        branch_user=make_user(Role.BRANCH_SECRETARY, t["branch_a1"], username="zhishu"),
    )
    generate_ledgers(cast)
    county_topic = ResearchTopic.objects.get(org=t["county_a"])

    # the branch answers the county's topic and goes to see for itself
    browser_login(page, "zhishu")
    page.goto(f"{page.base}/research/new/")
    page.select_option("#id_org", label="甲县第一支部")
    page.fill("#id_title", "党员活动室夜间开放情况调研")
    page.fill("#id_lead_leader", "支部书记")
    page.select_option("#id_parent_topic", str(county_topic.pk))
    page.click("#topic-form button[type=submit]")
    page.wait_for_selector("#topic-status")
    page.fill("#visit-form input[name=visited_on]", "2026-01-05")
    page.fill("#visit-form input[name=place]", "党员活动室")
    page.select_option("#visit-form select[name=method]", label="四不两直")
    page.fill("#visit-form textarea[name=findings]", "晚上7点后活动室锁门，夜班职工无处学习")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("text=已记录走访")
    page.set_input_files(
        "#report-form input[type=file]",
        files=[{"name": "夜间开放调研报告.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.fill("#report-form textarea[name=summary]", "发现1个问题：活动室晚上7点后锁门")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("text=已提交调研报告")
    # the finding becomes a rectification item, the suggestion its first measure
    page.fill("#convert-problem-form textarea[name=description]", "党员活动室晚上7点后锁门，夜班职工无处学习")
    page.fill("#convert-problem-form input[name=target]", "下月起每周3个晚上开放到9点")
    page.fill("#convert-problem-form input[name=patron_leader]", "县委副书记")
    page.select_option("#convert-problem-form select[name=deadline_type]", label="限期")
    page.fill("#convert-problem-form input[name=due_on]", "2030-06-30")
    page.click("#convert-problem-form button[type=submit]")
    page.wait_for_selector("text=已转为整改问题")
    assert page.inner_text("#topic-status") == "成果已转化"
    page.fill("#convert-suggestion-form textarea[name=text]", "由组织委员排定每周一、三、五晚间值班表并张贴")
    page.fill("#convert-suggestion-form input[name=owner]", "组织委员")
    page.fill("#convert-suggestion-form input[name=due_on]", "2030-03-01")
    page.click("#convert-suggestion-form button[type=submit]")
    page.wait_for_selector("text=已转为整改措施")
    page.click("#conversions a[href*='/rectification/']")
    page.wait_for_selector("#problem-status")
    assert page.inner_text("#problem-status") == "待整改"
    page.fill("#measure-form textarea[name=text]", "每月底由支部书记抽查1次晚间值班记录")
    page.fill("#measure-form input[name=owner]", "支部书记")
    page.fill("#measure-form input[name=due_on]", "2030-06-30")
    page.click("#measure-form button[type=submit]")
    page.wait_for_selector("text=已添加整改措施")
    assert page.locator("#measures [data-measure]").count() == 2
    assert page.locator("#problem-warnings").count() == 0  # a concrete item: nothing to warn about
    page.click("#start-btn")
    page.fill("#close-form textarea[name=note]", "值班表已张贴，3个晚上开放到9点")
    page.set_input_files(
        "#close-form input[type=file]",
        files=[{"name": "晚间值班表.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("#close-form button[type=submit]")
    page.wait_for_selector("text=已申请销号")
    assert page.inner_text("#problem-status") == "申请销号"
    assert page.locator("#verify-form").count() == 0
    problem_url = page.url

    # the county, one level above, signs it off
    page.context.clear_cookies()
    browser_login(page, "xianwei")
    page.goto(problem_url)
    assert "晚间值班表.pdf" in page.inner_text("body")
    page.select_option("#verify-form select[name=decision]", "approve")
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("text=已审核")
    assert page.inner_text("#problem-status") == "已销号"
    events = page.locator("#events [data-event]").evaluate_all("els => els.map(e => e.dataset.event)")
    assert events == ["create", "start", "request", "verify"]
    followed = Problem.objects.get(description="党员活动室晚上7点后锁门，夜班职工无处学习")
    assert followed.status == ProblemStatus.CLOSED and followed.source == "research"
    assert followed.closed_by.username == "xianwei" and followed.evidence.count() == 1

    # the detector's warnings on the demo's deliberately weak lines: shown, and filterable
    page.goto(f"{page.base}/rectification/")
    page.select_option("#id_warning", label="一般化")
    page.click("#problem-filters button[type=submit]")
    page.wait_for_selector("#problem-table")
    listed = page.inner_text("#problem-table")
    assert GENERIC in listed and "夜班职工" not in listed
    page.select_option("#id_warning", label="上下一般粗/雷同")
    page.click("#problem-filters button[type=submit]")
    page.wait_for_selector("#problem-table")
    copied_rows = page.locator("#problem-table tbody tr[data-problem]")
    assert copied_rows.count() >= 1 and COPIED[:20] in page.inner_text("#problem-table")
    copied_rows.first.locator("a").click()
    page.wait_for_selector("#problem-status")
    assert page.locator('#problem-warnings [data-warning="near_duplicate"]').count() == 1
    assert page.locator('#measures [data-warning="near_duplicate"]').count() >= 1
    # the whole city's report of copied lines
    page.context.clear_cookies()
    browser_login(page, "shiwei")
    page.goto(f"{page.base}/rectification/duplicates/")
    assert COPIED[:20] in page.inner_text("#duplicate-table")
    page.click('#duplicate-kinds [data-kind="measure"]')
    page.wait_for_selector("#duplicate-table")
    assert "加强会议记录管理" in page.inner_text("#duplicate-table")
    reset_index()
