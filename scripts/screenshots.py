"""Regenerate the user guide's screenshots: the 工作台, the org tree, the member list, compliance
(desktop and phone) and a 党员's home on a phone.

Run against the demo site of ``make run`` (http://127.0.0.1:8000, the ``small`` demo data):

    .venv/bin/python scripts/screenshots.py [BASE_URL]

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
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
