"""A branch secretary records a 支委会 with attendance on a phone-sized screen."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import Activity, ActivityKind
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import make_member, sample_tree

from .helpers import committee


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_records_committee_meeting_on_phone(page):
    tree = sample_tree()
    a1 = tree["branch_a1"]
    secretary_member, deputy, plain = (make_member(a1, name=n) for n in ("周书记", "吴委员", "郑党员"))
    committee(a1, [secretary_member, deputy])
    make_user(Role.BRANCH_SECRETARY, a1, username="zhishu_phone", member=secretary_member)

    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "zhishu_phone")
    page.goto(page.base + "/activities/new/")
    # The whole branch is expected until the kind says otherwise.
    page.wait_for_selector('[aria-label="郑党员的出勤"]')
    page.click(f'label[for="kind-{ActivityKind.COMMITTEE_MEETING}"]')
    # htmx reloads the list: a 支委会 expects the committee only.
    page.wait_for_selector('[aria-label="郑党员的出勤"]', state="detached")
    assert page.locator(".att-row").count() == 2
    page.fill("#id_topic", "研究十二月主题党日安排")
    page.click(f'label[for="att-{deputy.pk}-leave"]')
    reason = page.locator(f'[name="reason_{deputy.pk}"]')
    reason.wait_for(state="visible")
    reason.fill("外出学习")
    assert page.locator("[data-present]").inner_text() == "1"
    page.click("#activity-submit")
    page.wait_for_url("**/activities/*/")
    assert "研究十二月主题党日安排" in page.content()
    assert "吴委员（外出学习）" in page.content()

    activity = Activity.objects.get()
    assert (activity.expected_count, activity.present_count) == (2, 1)
    assert list(activity.kinds.values_list("kind", flat=True)) == [ActivityKind.COMMITTEE_MEETING]

    page.goto(page.base + "/activities/")
    assert page.locator("#activity-list").get_by_text("研究十二月主题党日安排").is_visible()
    page.goto(page.base + "/activities/calendar/")
    assert page.locator("#calendar-list").get_by_text("研究十二月主题党日安排").is_visible()
