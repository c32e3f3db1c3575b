from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.tests.factories import sample_tree
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


OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const s = getComputedStyle(el);
    return ['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1;
  }).map(el => el.id || el.className);
  return {page: doc.scrollWidth - doc.clientWidth, inner: wide};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)])
def test_compliance_pages_fit_phone_and_desktop(page, width, height):
    tree = sample_tree()
    load_shipped()
    month = last_period("month")
    record(tree["branch_a1"], month.start, K.THEME_DAY, notify=False)
    engine.recompute_all()
    make_user(Role.ORG_ADMIN, tree["city"], username="city_admin")
    page.set_viewport_size({"width": width, "height": height})
    browser_login(page, "city_admin")
    phone = width < 768
    checks = [
        (
            "/compliance/",
            "#requirements-table",
            ["主题党日", "支部委员会会议", "《中国共产党支部工作条例（试行）》第十二条"],
        ),
        ("/compliance/drill/", "#drill-table", ["甲县委", "乙县委"]),
        ("/compliance/lagging/", "#lagging-table", ["乙县第一支部", f"{month.label} 未开展主题党日"]),
    ]
    for path, table, words in checks:
        page.goto(f"{page.base}{path}?period={month.key}")
        page.wait_for_selector(table)
        overflow = page.evaluate(OVERFLOW_JS)
        # Nothing scrolls sideways on a phone; on a desktop the page does not either (a wide
        # matrix may scroll inside its own table).
        assert overflow == {"page": 0, "inner": []} if phone else overflow["page"] == 0, (path, width)
        text = page.locator(table).inner_text()
        for word in words:
            assert word in text, (path, width, word)
        rows = page.locator(f"{table} tbody tr")
        assert rows.count() >= 2
        first = rows.first.bounding_box()
        # On a phone every row is a card as wide as the table; on a desktop a table row.
        display = rows.first.evaluate("el => getComputedStyle(el).display")
        assert display == ("block" if phone else "table-row"), (path, width)
        assert page.locator(f"{table} thead").is_visible() is not phone
        assert first["width"] <= width
    page.goto(f"{page.base}/compliance/todo/?org={tree['branch_b1'].pk}")
    page.wait_for_selector("#todo-list")
    assert page.evaluate(OVERFLOW_JS) == {"page": 0, "inner": []}, ("todo", width)
    assert "本期：" in page.locator(".page-title").inner_text()
    assert "主题党日" in page.locator("#todo-list").inner_text()
