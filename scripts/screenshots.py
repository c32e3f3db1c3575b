"""Regenerate the user guide's screenshots: the 工作台, the org tree, the member list, compliance
(desktop and phone), a 党员's home on a phone, and the three ledgers (``ledgers``).

Run against the demo site of ``make run`` (http://127.0.0.1:8000, the ``small`` demo data):

    .venv/bin/python scripts/screenshots.py [BASE_URL] [--ledgers]

Chinese text needs a CJK font in the system (``apt-get install fonts-noto-cjk`` or
``fonts-wqy-microhei``); without one Chromium draws boxes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
PASSWORD = "Hongqi#2025dj"  # the demo accounts' (dangjian.demo.accounts)


PHONE = {"width": 390, "height": 844}


def _login(browser, base: str, username: str, viewport: dict[str, int] | None = None):
    viewport = viewport or {"width": 1400, "height": 900}
    page = browser.new_context(locale="zh-CN", viewport=viewport, device_scale_factor=1).new_page()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def main(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = _login(browser, base, "zhishu")  # a 支部书记: the 工作台 with the branch's 本期待办
        page.screenshot(path=str(OUT / "home.png"))

        page = _login(browser, base, "shiwei")  # the 市委党务管理员

        page.goto(base + "/orgs/")
        page.locator("[data-tree-toggle]").first.click()  # the scope root's children load on demand
        page.locator("[data-tree-node]").nth(2).click()
        page.locator("#org-panel [data-subtree-counts]").wait_for()
        page.screenshot(path=str(OUT / "org-tree.png"))

        page.goto(base + "/members/")
        page.fill("#picker-org", "图们市委")
        page.locator('[data-pick="org"]').first.click()
        page.wait_for_load_state("networkidle")
        page.fill("#id_q", "zs")
        page.wait_for_timeout(1200)  # the filter waits 400 ms after typing, then swaps the rows
        page.screenshot(path=str(OUT / "member-list.png"))

        page.goto(base + "/compliance/")  # the last complete month, by default
        page.locator("#depth-chart canvas").wait_for(state="attached")
        page.wait_for_timeout(800)  # the chart's entry animation
        page.screenshot(path=str(OUT / "compliance-dashboard.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base + "/compliance/drill/")
        page.screenshot(path=str(OUT / "compliance-phone.png"))

        page = _login(browser, base, "dangyuan", PHONE)  # a 党员's own 工作台, on a phone
        page.locator("#my-record").wait_for()
        page.screenshot(path=str(OUT / "member-home-phone.png"), full_page=True)
        ledgers(browser, base)
        browser.close()


def ledgers(browser, base: str) -> None:
    """The ledgers on the demo's story (dangjian.demo.ledgers): the branch's 调研 topic with its
    visits and 成果转化, the item it produced signed off with evidence, the ledger filtered by a
    warning, a copied item's warnings, the office lists, the duplicate report, a case's review."""
    from dangjian.demo.ledgers import COPIED  # Django is set up by the caller

    page = _login(browser, base, "zhishu")
    page.goto(base + "/research/")
    page.locator("a", has_text="本支部党员活动室开放与使用情况调研").first.click()
    page.locator("#conversions").wait_for()
    page.screenshot(path=str(OUT / "research-topic.png"), full_page=True)
    page.locator("#conversions a[href*='/rectification/']").first.click()
    page.locator("#problem-status").wait_for()
    page.screenshot(path=str(OUT / "rectification-closed.png"), full_page=True)

    page = _login(browser, base, "xianwei")
    page.goto(base + "/rectification/?warning=any")
    page.screenshot(path=str(OUT / "rectification-list.png"), full_page=True)
    page.goto(base + "/rectification/?warning=near_duplicate")
    page.locator("#problem-table a", has_text=COPIED[:10]).first.click()
    page.locator("#problem-warnings").wait_for()
    page.screenshot(path=str(OUT / "rectification-warnings.png"), full_page=True)

    page = _login(browser, base, "shiwei")  # the city: its counties, one naming no 挂钩包案 leader
    page.goto(base + "/rectification/lists/")
    page.screenshot(path=str(OUT / "rectification-lists.png"), full_page=True)
    page.goto(base + "/rectification/duplicates/?kind=measure")
    page.screenshot(path=str(OUT / "rectification-duplicates.png"), full_page=True)
    page.goto(base + "/cases/")
    page.screenshot(path=str(OUT / "cases-list.png"), full_page=True)


if __name__ == "__main__":
    import os

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()  # for the demo's texts (no database use)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    base = args[0] if args else "http://127.0.0.1:8000"
    if "--ledgers" in sys.argv:  # only the ledgers' screenshots
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            ledgers(browser, base)
            browser.close()
    else:
        main(base)
