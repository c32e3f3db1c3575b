"""Regenerate the README's campaign pictures: the dashboard (browser screenshot) and the first
page of the 通报 (.docx → PDF with LibreOffice → PNG with pdftoppm).

Run against a site with a campaign in progress, e.g. the bench copy of ``bench/run.py campaigns``
served by ``DATABASE_URL=sqlite:///var/bench/campaigns_yanbian.sqlite3 gunicorn config.wsgi``:

    .venv/bin/python scripts/campaign_screenshots.py BASE_URL USERNAME PASSWORD CAMPAIGN_ID

Needs /usr/bin/chromium, soffice (libreoffice-writer-nogui), pdftoppm (poppler-utils) and a CJK
font (fonts-wqy-microhei or fonts-noto-cjk).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"


def main(base: str, username: str, password: str, campaign: str) -> None:
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
        page.goto(base + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/campaigns/{campaign}/")
        page.locator("#units-table").wait_for()
        page.screenshot(path=str(OUT / "campaign-dashboard.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="下载通报").click()
        docx = Path(tmp) / "bulletin.docx"
        download.value.save_as(docx)
        browser.close()
        subprocess.run(  # noqa: S603  # fixed programs, paths made here
            ["/usr/bin/soffice", f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to", "pdf",
             "--outdir", tmp, str(docx)],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(  # noqa: S603
            ["/usr/bin/pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(Path(tmp) / "bulletin.pdf"),
             str(OUT / "campaign-bulletin")],
            check=True,
        )  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:5])
