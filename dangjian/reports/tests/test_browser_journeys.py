"""The daily journeys of the five roles in Chromium, on a phone (390×844) and a desktop (1366×900).

Each page of a phone journey must fit the screen's width (no sideways scrolling); a desktop page
keeps the dark sidebar down its whole height. No request of a journey may answer 404 (the
favicon was one on every page).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs import views as org_views
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member, sample_tree
from dangjian.requirements import engine
from dangjian.requirements.tests.factories import load_shipped, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    page.phone = request.param == "phone"
    page.missing = []
    page.on("response", lambda r: page.missing.append(r.url) if r.status == 404 else None)
    return page


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr(org_views, "PAGE_SIZE", 3)  # a dozen pages from a few dozen members
    t = sample_tree()
    a1 = t["branch_a1"]
    load_shipped()
    secretary = make_member(a1, name="周书记", recount=False)
    me = make_member(a1, name="赵淑兰", recount=False)
    others = [make_member(a1, name=f"党员{i:02d}", recount=False) for i in range(30)]
    make_member(t["branch_b1"], name="乙县党员", recount=False)
    org_recount()
    today = timezone.localdate()
    record(a1, today, K.ORG_LIFE_MEETING, present=[me, secretary], absent=others[:3], notify=False)
    record(a1, today - dt.timedelta(days=1), K.THEME_DAY, present=[secretary], absent=[me], notify=False)
    engine.recompute_all()
    users = {
        "root_admin": make_user(Role.ORG_ADMIN, t["city"], username="j_root"),
        "county_admin": make_user(Role.ORG_ADMIN, t["county_a"], username="j_county"),
        "secretary": make_user(Role.BRANCH_SECRETARY, a1, username="j_sec", member=secretary),
        "supervisor": make_user(Role.SUPERVISOR, t["county_a"], username="j_sup"),
        "member": make_user(Role.MEMBER, a1, username="j_mem", member=me),
    }
    return {**t, "me": me, "secretary": secretary, "others": others, "users": users}


def fits(page) -> None:
    """A phone page needs no sideways scrolling; a desktop page's sidebar runs its full height."""
    page.wait_for_load_state("networkidle")
    width, client, height, aside = page.evaluate(
        "() => { const d = document.documentElement, a = document.querySelector('aside');"
        " return [d.scrollWidth, d.clientWidth, d.scrollHeight, a ? a.getBoundingClientRect().height : -1]; }"
    )
    if page.phone:
        assert width <= client, f"{page.url}: {width}px wide on a {client}px screen"
    else:
        assert aside >= height - 1, f"{page.url}: sidebar {aside}px on a {height}px page"
    assert not page.missing, f"404: {page.missing}"


def tall_enough(page, selector: str) -> None:
    """On a phone, every visible match is a tap target of at least 44 px."""
    if not page.phone:
        return
    heights = page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, f"{selector}: {heights}"


def test_root_admin_pages_members_and_transfers_one(screen, world, live_server):
    page = screen
    browser_login(page, "j_root")
    page.locator('[data-figure="full"]').wait_for()
    fits(page)
    page.goto(page.base + "/members/")
    fits(page)
    assert page.locator("[data-member-name]").count() == 3
    if page.phone:
        # Filters folded away behind 筛选; rows as cards, not a table wider than the screen.
        assert not page.locator("#id_status").is_visible()
        assert page.locator("#member-table thead").is_hidden()
        tall_enough(page, ".page-link, [data-filter-toggle], [data-member-name]")
    # Numbered pages and a jump, the filters kept.
    page.locator('a[data-page-number="2"]').click()
    page.wait_for_url(re.compile(r"page=2"))
    page.fill("#page-jump", "11")
    page.locator("[data-page-jump] button").click()
    page.wait_for_url(re.compile(r"page=11"))
    assert page.locator(".page-item.active").inner_text().strip() == "11"
    fits(page)
    # A transfer is checked before it is made.
    page.goto(page.base + f"/members/{world['others'][0].pk}/transfer/")
    fits(page)
    page.fill("#picker-to_org", "乙县第一")
    page.locator('[data-pick="to_org"]', has_text="乙县第一支部").click()
    page.fill("#id_reason", "工作调动")
    page.get_by_role("button", name="下一步：核对").click()
    page.locator('[data-confirm="to"]', has_text="乙县第一支部").wait_for()
    fits(page)
    page.get_by_role("button", name="确认转接").click()
    page.get_by_text("组织关系转接：甲县第一支部 → 乙县第一支部").wait_for()
    fits(page)


def test_county_admin_finds_an_org_and_filters_members(screen, world, live_server):
    page = screen
    browser_login(page, "j_county")
    fits(page)
    page.goto(page.base + "/orgs/")
    page.locator(f'li[data-org="{world["county_a"].pk}"] > [data-tree-toggle]').click()
    page.locator(f'li[data-org="{world["general"].pk}"] > [data-tree-toggle]').click()
    page.locator(f'li[data-org="{world["branch_a1"].pk}"] > a').click()
    page.locator("#org-panel [data-direct-counts]").wait_for()
    assert page.url.endswith(f"/orgs/?org={world['branch_a1'].pk}")
    tall_enough(page, "#org-tree [data-tree-toggle], #org-tree [data-tree-node]")
    fits(page)
    page.reload()  # a bookmark of the opened org
    page.locator(f'#org-panel [data-org-detail="{world["branch_a1"].pk}"]').wait_for()
    fits(page)
    page.goto(page.base + "/members/")
    page.fill("#picker-org", "机关总支")
    page.locator('[data-pick="org"]').first.wait_for()
    assert "/orgs/search" not in page.url
    page.locator('[data-pick="org"]').first.click()
    page.wait_for_url(re.compile(rf"org={world['general'].pk}"))
    if page.phone:
        page.locator("[data-filter-toggle]").click()
    page.select_option("#id_status", "full")
    page.wait_for_url(re.compile(r"status=full"))
    fits(page)
    # Back from a member shows the styled list again, not the bare fragment.
    page.locator("[data-member-name]").first.click()
    page.wait_for_url(re.compile(r"/members/\d+/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"status=full"))
    page.locator("aside").wait_for(state="attached")
    assert page.locator("#member-filter").count() == 1
    fits(page)


def test_secretary_acts_on_a_todo_item(screen, world, live_server):
    page = screen
    browser_login(page, "j_sec")
    page.locator("#home-todo").wait_for()
    fits(page)
    tall_enough(page, "[data-todo-record]")
    link = page.locator("[data-todo-record]").first
    kind = re.search(r"kind=([a-z_]+)", link.get_attribute("href")).group(1)
    link.click()
    page.wait_for_url(re.compile(r"/activities/new/"))
    assert page.locator(f"#kind-{kind}").is_checked()
    assert page.locator("#id_org").input_value() in {str(world["branch_a1"].pk), str(world["group_a1"].pk)}
    assert page.locator("#kind-democratic_life_meeting").is_hidden()  # behind 更多
    fits(page)
    page.fill("#id_topic", "学习新修订的条例")
    page.click("#activity-submit")
    page.wait_for_url(re.compile(r"/activities/\d+/$"))
    page.get_by_text("学习新修订的条例").first.wait_for()
    fits(page)
    page.goto(page.base + "/activities/")
    total = int(page.locator("[data-count]").get_attribute("data-count"))
    tabs = page.eval_on_selector_all(
        "[data-activity-tabs] .nav-link", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert max(tabs) < 60, f"tabs wrap: {tabs}"  # one line each
    tall_enough(page, ".kind-chips label.btn")
    page.click('label[for="f-kind-theme_day"]')  # a type chip filters at once
    page.wait_for_url(re.compile(r"kind=theme_day"))
    page.wait_for_function(f"() => document.querySelector('[data-count]').dataset.count !== '{total}'")
    assert page.locator("#activity-list .list-group-item").count() == 1
    fits(page)


def test_supervisor_reads_masked_records(screen, world, live_server):
    page = screen
    browser_login(page, "j_sup")
    page.locator('[data-figure="full"]').wait_for()
    fits(page)
    page.goto(page.base + "/members/")
    page.locator("[data-member-name]").first.wait_for()
    assert "乙县党员" not in page.content()
    fits(page)
    page.locator("[data-member-name]").first.click()
    page.wait_for_url(re.compile(r"/members/\d+/$"))
    assert page.locator("#show-pii").count() == 0  # read-only, masked
    assert page.locator(".breadcrumb a", has_text="党员").count() == 1
    fits(page)
    page.goto(page.base + "/activities/")
    page.locator("#activity-list").wait_for()
    fits(page)


def test_member_sees_their_own_home(screen, world, live_server):
    page = screen
    browser_login(page, "j_mem")
    page.locator("#my-record [data-my-name]", has_text="赵淑兰").wait_for()
    assert page.locator('[data-figure="attendance"]').inner_text() == "1 / 2 次"
    assert "党员参加组织生活会" in page.locator("#my-asks").inner_text()
    assert page.locator("#my-feedback").is_visible()
    assert page.locator('[data-figure="full"]').count() == 0
    fits(page)
    if page.phone:
        page.locator(".navbar-toggler").click()
    page.locator('#sidebar-menu a[data-nav="members"]').click()
    page.wait_for_url(re.compile(rf"/members/{world['me'].pk}/$"))
    fits(page)
    page.goto(page.base + "/activities/mine/")
    fits(page)
