from __future__ import annotations

import pytest

from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login, make_user, sample_tree
from dangjian.requirements import engine

from .factories import last_period, load_shipped, record


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_depth_chart_and_lists_lagging_org(page):
    tree = sample_tree()
    load_shipped()
    month = last_period("month")
    record(tree["branch_a1"], month.start, K.THEME_DAY, notify=False)
    engine.recompute_all()
    make_user(Role.ORG_ADMIN, tree["city"], username="city_admin")
    browser_login(page, "city_admin")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{page.base}/compliance/?period={month.key}")
    page.wait_for_selector("#depth-chart canvas", state="attached")
    assert page.locator("#depth-table tbody tr").count() >= 2
    assert errors == []
    row = page.locator("#requirements-table tr", has_text="主题党日")
    row.locator("a.text-danger").click()
    page.wait_for_selector("#lagging-table")
    text = page.locator("#lagging-table").inner_text()
    assert "乙县第一支部" in text and f"{month.label} 未开展主题党日" in text
    assert "甲县第一支部" not in text
