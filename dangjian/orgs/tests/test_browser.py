"""The org tree and member search in Chromium: log in, expand the tree, open an org, find a
member by pinyin initials, reveal the full 身份证号."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import make_member, sample_tree


def _toggle(org) -> str:
    return f'li[data-org="{org.pk}"] > [data-tree-toggle]'


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    t = sample_tree()
    zsf = make_member(t["branch_a1"], name="张三丰", phone="13912345678")
    make_member(t["branch_a1"], name="李四")
    make_member(t["branch_a1"], name="赵尚方")  # also "zsf": both must be found
    make_member(t["branch_b1"], name="张山峰")  # "zsf" too, but outside the scope
    make_user(Role.ORG_ADMIN, t["county_a"], username="county_admin")
    return {**t, "zsf": zsf}


def test_tree_expand_and_open_org(page, world):
    browser_login(page, "county_admin")
    page.goto(page.base + "/orgs/")
    tree = page.locator("#org-tree")
    tree.get_by_text("甲县委", exact=True).wait_for()
    assert tree.get_by_text("乙县委").count() == 0
    # Expand 甲县委 → 甲县机关总支 → 甲县第一支部, each level loaded on demand.
    page.locator(_toggle(world["county_a"])).click()
    page.locator(_toggle(world["general"])).click()
    node = tree.locator(f'li[data-org="{world["branch_a1"].pk}"] > a')
    node.wait_for()
    node.click()
    panel = page.locator("#org-panel")
    panel.locator("[data-direct-counts]", has_text="正式 3 人，预备 0 人").wait_for()
    assert "甲县第一支部第一党小组" in panel.inner_text()
    # Collapse again.
    page.locator(_toggle(world["general"])).click()
    assert not node.is_visible()
    # The address bar names the opened org: a reload (or a bookmark) shows the same.
    assert page.url.endswith(f"/orgs/?org={world['branch_a1'].pk}")
    page.reload()
    page.locator("#org-panel [data-direct-counts]", has_text="正式 3 人，预备 0 人").wait_for()
    assert node.is_visible() and "active" in (node.get_attribute("class") or "")


def test_tree_search_opens_detail(page, world):
    browser_login(page, "county_admin")
    page.goto(page.base + "/orgs/")
    page.fill("#org-search", "第一支部")
    hit = page.locator("[data-search-hit]", has_text="甲县第一支部").first
    hit.wait_for()
    assert page.locator("[data-search-hit]", has_text="乙县").count() == 0
    hit.click()
    page.locator("#org-panel").get_by_text("下级组织（1）").wait_for()


def test_member_search_by_pinyin_initials_and_reveal(page, world):
    browser_login(page, "county_admin")
    page.goto(page.base + "/members/")
    page.fill("#id_q", "zsf")
    page.wait_for_function(
        "() => { const n = [...document.querySelectorAll('[data-member-name]')]."
        "map(a => a.textContent); return n.length === 2 && !n.includes('李四'); }"
    )
    names = sorted(page.locator("[data-member-name]").all_inner_texts())
    assert names == sorted(["张三丰", "赵尚方"])
    assert "zsf" in page.url  # the filter is in the address bar (hx-push-url)
    page.get_by_text("张三丰", exact=True).click()
    page.locator("#show-pii").click()
    page.locator("#pii-phone", has_text="13912345678").wait_for()
    assert "*" not in page.locator("#pii-id-number").inner_text()


def test_member_list_org_picker_narrows_and_widens_the_list(page, world):
    extra = make_member(world["general"], name="周总支")  # in 甲县委's scope, outside 甲县第一支部
    browser_login(page, "county_admin")
    page.goto(page.base + "/members/")
    names = page.locator("[data-member-name]")
    names.filter(has_text=extra.name).wait_for()
    page.fill("#picker-org", "第一支部")
    page.locator('[data-pick="org"]', has_text="甲县第一支部").first.wait_for()
    assert "/orgs/search" not in page.url  # the picker's search is not a page to return to
    page.locator('[data-pick="org"]', has_text="甲县第一支部").first.click()
    page.wait_for_function("() => !document.body.innerText.includes('周总支')")
    assert sorted(names.all_inner_texts()) == sorted(["张三丰", "李四", "赵尚方"])
    assert f"org={world['branch_a1'].pk}" in page.url
    assert page.locator("[data-picker-label]").inner_text().startswith("已选择：甲县第一支部")
    page.locator('[data-picker-clear="org"]').click()
    names.filter(has_text=extra.name).wait_for()
    assert f"org={world['branch_a1'].pk}" not in page.url


def test_member_list_org_search_text_is_not_a_name_filter(page, world):
    """Text left in the org search box (nothing picked) must not travel with the name filter."""
    browser_login(page, "county_admin")
    page.goto(page.base + "/members/")
    page.fill("#picker-org", "第一")
    page.locator('[data-pick="org"]').first.wait_for()
    page.fill("#id_q", "zsf")
    page.wait_for_function(
        "() => { const n = [...document.querySelectorAll('[data-member-name]')]; return n.length === 2; }"
    )
    assert sorted(page.locator("[data-member-name]").all_inner_texts()) == sorted(["张三丰", "赵尚方"])
    assert page.url.count("q=") == 1 and "q=zsf" in page.url


def test_transfer_form_picks_the_target_org_by_name(page, world):
    browser_login(page, "county_admin")
    page.goto(page.base + f"/members/{world['zsf'].pk}/transfer/")
    page.fill("#picker-to_org", "总支")
    page.locator('[data-pick="to_org"]', has_text="甲县机关总支").click()
    assert page.locator('[data-picker="to_org"] [data-picker-label]').inner_text() == "已选择：甲县机关总支"
    page.fill("#id_reason", "工作调动")
    page.get_by_role("button", name="下一步：核对", exact=True).click()
    page.locator('[data-confirm="to"]', has_text="甲县机关总支").wait_for()
    world["zsf"].refresh_from_db()
    assert world["zsf"].org_id == world["branch_a1"].pk  # nothing moved before 确认
    page.get_by_role("button", name="确认转接", exact=True).click()
    page.get_by_text("已将张三丰的组织关系转入“甲县机关总支”").wait_for()
    world["zsf"].refresh_from_db()
    assert world["zsf"].org_id == world["general"].pk
