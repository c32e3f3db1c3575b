"""In Chromium: an org admin uploads a roster with one error, sees it by row, fixes it, imports it."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.core.testing import browser_login
from dangjian.orgs.models import Member
from dangjian.orgs.tests.factories import member_data

from .fixtures.excel_builder import national_roster, roster_row


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_fix_and_import(page, tmp_path, settings):
    from dangjian.orgs.tests.factories import sample_tree

    settings.MEDIA_ROOT = tmp_path / "media"
    tree = sample_tree()
    make_user(Role.ORG_ADMIN, tree["county_a"], username="browser_admin")
    good = roster_row(member_data(name="欧阳明月"), org="甲县第一支部")
    fixable = member_data(name="司马青云")
    bad = roster_row(
        fixable,
        org="甲县第一支部",
        full_member_on=fixable["joined_on"].replace(year=fixable["joined_on"].year - 1),
    )

    browser_login(page, "browser_admin")
    page.goto(page.base + "/imports/")
    page.set_input_files("#id_file", str(national_roster(tmp_path / "名册.xlsx", {"党员": [good, bad]})))
    page.click("#upload-submit")
    page.wait_for_url("**/imports/*/")
    table = page.locator("#error-table")
    assert "第 6 行" in table.inner_text() and "转为正式党员日期早于加入党组织日期" in table.inner_text()
    assert page.locator("#confirm-import").count() == 0
    assert Member.objects.count() == 0

    page.click("#cancel-import")  # the file with its errors is deleted on the way back
    page.wait_for_url("**/imports/")
    assert "已取消导入" in page.content()
    fixed = roster_row(fixable, org="甲县第一支部")
    page.set_input_files(
        "#id_file", str(national_roster(tmp_path / "名册（改）.xlsx", {"党员": [good, fixed]}))
    )
    page.click("#upload-submit")
    page.wait_for_url("**/imports/*/")
    assert page.locator("#count-create").inner_text() == "2"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#confirm-import")
    page.wait_for_url("**/imports/")
    assert "新增党员 2 名" in page.content()

    page.goto(page.base + "/members/")
    body = page.locator("body").inner_text()
    assert "欧阳明月" in body and "司马青云" in body
    assert Member.objects.count() == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_transfer_is_shown_before_it_is_confirmed(page, tmp_path, settings):
    from dangjian.orgs.choices import OrgKind
    from dangjian.orgs.tests.factories import make_member, make_org, sample_tree

    settings.MEDIA_ROOT = tmp_path / "media"
    tree = sample_tree()
    make_org(tree["general"], name="甲县第二支部", kind=OrgKind.BRANCH)
    make_user(Role.ORG_ADMIN, tree["county_a"], username="browser_admin")
    moving = member_data(name="上官调动")
    make_member(tree["branch_a1"], **moving)
    newcomer = roster_row(member_data(name="诸葛新来"), org="甲县第二支部")
    path = national_roster(
        tmp_path / "名册.xlsx", {"党员": [newcomer, roster_row(moving, org="甲县第二支部")]}
    )

    browser_login(page, "browser_admin")
    page.goto(page.base + "/imports/")
    page.set_input_files("#id_file", str(path))
    page.click("#upload-submit")
    page.wait_for_url("**/imports/*/")
    transfers = page.locator("#transfer-table")
    assert transfers.is_visible()
    assert "上官调动" in transfers.inner_text() and "甲县第一支部 → 甲县第二支部" in transfers.inner_text()
    assert (
        page.locator("#create-table").is_visible()
        and "诸葛新来" in page.locator("#create-table").inner_text()
    )
    assert Member.objects.get(name="上官调动").org == tree["branch_a1"]

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.click("#confirm-import")
    page.wait_for_url("**/imports/")
    assert dialogs and "1 名党员将转接组织关系" in dialogs[0]
    assert "组织关系转接 1 名" in page.content()
    assert Member.objects.get(name="上官调动").org.name == "甲县第二支部"
