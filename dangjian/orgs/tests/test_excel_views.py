"""Upload → preview → confirm pages, templates and the member export over HTTP."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs.models import Member
from dangjian.orgs.tests.factories import make_member, member_data

from .fixtures.excel_builder import national_roster, roster_row

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(tree):
    return make_user(Role.ORG_ADMIN, tree["county_a"], username="county_admin")


def _upload(client, path, kind="roster", **extra):
    with open(path, "rb") as fh:
        data = {"kind": kind, "file": SimpleUploadedFile(path.name, fh.read(), content_type=XLSX)}
    return client.post(reverse("imports:index"), data, **extra)


def test_upload_preview_confirm(client, tmp_path, tree, admin):
    client.force_login(admin)
    rows = [
        roster_row(member_data(name="张三丰"), org="甲县第一支部"),
        roster_row(member_data(), org="甲县第一支部"),
    ]
    response = _upload(client, national_roster(tmp_path / "名册.xlsx", {"s": rows}))
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="count-create">2<' in html and "确认导入" in html
    assert Member.objects.count() == 0
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    done = client.post(reverse("imports:confirm", args=[token]))
    assert done.status_code == 302 and Member.objects.count() == 2
    follow = client.get(done["Location"])
    assert "名册导入完成：新增党员 2 名" in follow.content.decode()
    assert client.get(preview_url).status_code == 404  # the upload is gone once imported


def test_preview_lists_errors_by_row_and_confirm_refuses(client, tmp_path, tree, admin):
    client.force_login(admin)
    bad = roster_row(member_data(), org="不存在的支部")
    response = _upload(client, national_roster(tmp_path / "bad.xlsx", {"s": [bad]}))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "第 5 行" in html and "找不到名为“不存在的支部”的党组织" in html and "确认导入" not in html
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    again = client.post(reverse("imports:confirm", args=[token]))
    assert again.status_code == 400 and "未写入任何数据" in again.content.decode()
    assert Member.objects.count() == 0 and not AuditEvent.objects.filter(verb="import.roster").exists()


def test_htmx_upload_redirects_with_header(client, tmp_path, tree, admin):
    client.force_login(admin)
    path = national_roster(tmp_path / "a.xlsx", {"s": [roster_row(member_data(), org="甲县第一支部")]})
    response = _upload(client, path, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/imports/")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "old.xlsx", "这是旧版 .xls 文件"),
        ("姓名,身份证号\n张三,1\n".encode(), "renamed.xlsx", "该文件不是有效的 Excel .xlsx 文件"),
        (b"PK\x03\x04", "plain.csv", "请上传 Excel .xlsx 文件"),
    ],
)
def test_not_really_xlsx_is_rejected(client, tree, admin, content, name, message):
    client.force_login(admin)
    response = client.post(
        reverse("imports:index"), {"kind": "roster", "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400 and message in response.content.decode()
    htmx = client.post(
        reverse("imports:index"),
        {"kind": "roster", "file": SimpleUploadedFile(name, content)},
        HTTP_HX_REQUEST="true",
    )
    assert (
        htmx.status_code == 400 and message in htmx.content.decode() and "<html" not in htmx.content.decode()
    )


def test_broken_zip_with_right_signature(client, tmp_path, tree, admin):
    client.force_login(admin)
    response = _upload(client, _write(tmp_path / "broken.xlsx", b"PK\x03\x04garbage"))
    assert response.status_code == 400  # refused at upload, before it is kept
    assert "无法读取该 Excel 文件" in response.content.decode()


def _write(path, data):
    path.write_bytes(data)
    return path


def test_someone_elses_token_is_404(client, tmp_path, tree, admin):
    client.force_login(admin)
    response = _upload(
        client, national_roster(tmp_path / "a.xlsx", {"s": [roster_row(member_data(), org="甲县第一支部")]})
    )
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    other = make_user(Role.ORG_ADMIN, tree["county_a"])
    client.force_login(other)
    assert client.get(reverse("imports:preview", args=[token])).status_code == 404
    assert client.post(reverse("imports:confirm", args=[token])).status_code == 404
    assert client.get(reverse("imports:preview", args=["..%2F..%2Fetc"])).status_code == 404
    assert client.get(reverse("imports:preview", args=["no-such-token"])).status_code == 404
    assert Member.objects.count() == 0


def test_templates_download(client, tree, admin):
    client.force_login(admin)
    for name in ("imports:roster_template", "imports:org_template"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert book.active["A1"].value in ("党员基本信息汇总表", "党组织基本信息表")


def test_export_members_filtered(client, tree):
    make_member(tree["branch_a1"], **member_data(name="张三丰"))
    make_member(tree["branch_a1"], **member_data(name="李四", status="probationary", full_member_on=None))
    make_member(tree["branch_b1"], **member_data(name="王五"))
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    client.force_login(secretary)
    response = client.get(reverse("imports:export_members"), {"status": "full"})
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["党员基本信息"]
    assert ws["B5"].value == "张三丰" and ws["A6"].value.startswith("注：")
    assert "*" not in ws["D5"].value
    event = AuditEvent.objects.get(verb="export.roster")
    assert (
        event.actor == secretary and event.data["filters"] == {"status": "full"} and event.data["rows"] == 1
    )
    bad = client.get(reverse("imports:export_members"), {"org": tree["branch_b1"].pk})
    assert bad.status_code == 400 and "组织不存在，或不在您的权限范围内" in bad.content.decode()


def test_member_role_cannot_import_or_export(client, tree):
    m = make_member(tree["branch_a1"])
    user = make_user(Role.MEMBER, tree["branch_a1"], member=m)
    client.force_login(user)
    assert client.get(reverse("imports:index")).status_code == 403
    assert client.get(reverse("imports:export_members")).status_code == 403


def _table(html: str, table_id: str) -> list[list[str]]:
    """The body rows of one table as cell texts."""
    import re

    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def branch_a2(tree):
    from dangjian.orgs.choices import OrgKind
    from dangjian.orgs.tests.factories import make_org

    return make_org(tree["general"], name="甲县第二支部", kind=OrgKind.BRANCH)


@pytest.fixture
def roster_changes(tmp_path, tree, branch_a2):
    """A file that adds one member, updates one, transfers one and leaves one as it is."""
    moving = member_data(name="调动者")
    changing = member_data(name="更新者")
    staying = member_data(name="未变者")
    for data in (moving, changing, staying):
        make_member(tree["branch_a1"], **data)
    new = member_data(name="新来者")
    rows = [
        roster_row(new, org="甲县第二支部"),
        roster_row(moving, org="甲县第二支部"),
        roster_row(changing, org="甲县第一支部", address="延吉市新址 8 号", phone="13800000000"),
        roster_row(staying, org="甲县第一支部"),
    ]
    path = national_roster(tmp_path / "名册.xlsx", {"s": rows})
    return path, {"new": new, "moving": moving, "changing": changing}


def test_preview_names_who_is_added_updated_and_transferred(client, tree, admin, branch_a2, roster_changes):
    path, people = roster_changes
    client.force_login(admin)
    preview_url = _upload(client, path)["Location"]
    html = client.get(preview_url).content.decode()
    assert 'id="count-transfer">1<' in html
    assert _table(html, "transfer-table") == [
        ["调动者", people["moving"]["id_number"], "甲县第一支部 → 甲县第二支部", "—"]
    ]
    assert _table(html, "create-table") == [["新来者", people["new"]["id_number"], "甲县第二支部"]]
    assert _table(html, "update-table") == [
        ["更新者", people["changing"]["id_number"], "甲县第一支部", "手机号、家庭住址"]
    ]
    assert "将更新信息的党员（1 名，另有上方转接的 1 名）" in html and "仅列出" not in html
    assert "未变者" not in html
    # the confirm dialog says a transfer will happen; nothing is written before it is confirmed
    assert "其中 1 名党员将转接组织关系" in html
    assert Member.objects.get(name="调动者").org == tree["branch_a1"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    assert client.post(reverse("imports:confirm", args=[token])).status_code == 302
    assert Member.objects.get(name="调动者").org == branch_a2


def test_preview_masks_numbers_for_an_importer_without_pii_rights(
    client, tree, admin, roster_changes, monkeypatch
):
    from dangjian.core import pii
    from dangjian.core.permissions import ROLE_PERMS, Perm

    monkeypatch.setitem(ROLE_PERMS, Role.ORG_ADMIN, ROLE_PERMS[Role.ORG_ADMIN] - {Perm.MEMBER_VIEW_PII})
    path, people = roster_changes
    client.force_login(admin)
    html = client.get(_upload(client, path)["Location"]).content.decode()
    assert _table(html, "transfer-table")[0][:2] == [
        "调动者",
        pii.mask_id_number(people["moving"]["id_number"]),
    ]
    assert _table(html, "create-table")[0][1] == pii.mask_id_number(people["new"]["id_number"])
    for data in people.values():
        assert data["id_number"] not in html


def test_a_workbook_declaring_xfd1048576_is_refused_at_upload(client, tmp_path, tree, admin):
    from dangjian.core.tests.test_xlsx import huge_declared

    client.force_login(admin)
    response = _upload(client, huge_declared(tmp_path / "huge.xlsx"))
    assert response.status_code == 400
    assert "声明的范围 A1:XFD1048576 有 1048576 行，超过上限" in response.content.decode()
    assert client.get(reverse("imports:index")).status_code == 200


def test_a_zip_bomb_is_refused_at_upload(client, tmp_path, tree, admin):
    from dangjian.core.tests.test_xlsx import zip_bomb

    client.force_login(admin)
    response = _upload(client, zip_bomb(tmp_path / "bomb.xlsx"))
    assert response.status_code == 400 and "压缩比异常" in response.content.decode()


def test_a_workbook_lying_about_its_size_gets_a_message_and_the_server_keeps_answering(
    client, tmp_path, tree, admin, settings
):
    from dangjian.core.tests.test_xlsx import lying

    settings.XLSX_PARSE_MEMORY_MB = 400
    client.force_login(admin)
    response = _upload(client, lying(tmp_path / "lying.xlsx"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "读取该 Excel 文件时超出内存上限" in page
    assert client.get(reverse("imports:index")).status_code == 200
    assert Member.objects.count() == 0


def _token(response):
    return response["Location"].rstrip("/").rsplit("/", 1)[1]


def test_cancel_deletes_the_uploaded_file_at_once(client, tmp_path, tree, admin):
    from dangjian.orgs.excel import uploads

    client.force_login(admin)
    response = _upload(
        client,
        national_roster(tmp_path / "名册.xlsx", {"s": [roster_row(member_data(), org="甲县第一支部")]}),
    )
    token = _token(response)
    assert (uploads.upload_dir() / f"{token}.xlsx").exists()
    done = client.post(reverse("imports:cancel", args=[token]))
    assert done.status_code == 302
    assert not any(uploads.upload_dir().iterdir())
    assert "已取消导入" in client.get(done["Location"]).content.decode()
    assert client.get(reverse("imports:preview", args=[token])).status_code == 404
    assert client.get(reverse("imports:cancel", args=[token])).status_code == 405


def test_a_finished_import_leaves_no_file(client, tmp_path, tree, admin):
    from dangjian.orgs.excel import uploads

    client.force_login(admin)
    response = _upload(
        client,
        national_roster(tmp_path / "名册.xlsx", {"s": [roster_row(member_data(), org="甲县第一支部")]}),
    )
    client.post(reverse("imports:confirm", args=[_token(response)]))
    assert Member.objects.count() == 1 and not any(uploads.upload_dir().iterdir())


def test_stale_uploads_are_swept_by_the_command_and_on_upload(client, tmp_path, tree, admin, settings):
    import os
    import time

    from django.core.management import call_command

    from dangjian.orgs.excel import uploads

    client.force_login(admin)
    rows = {"s": [roster_row(member_data(), org="甲县第一支部")]}
    first = _token(_upload(client, national_roster(tmp_path / "a.xlsx", rows)))
    old = time.time() - 3 * 3600  # older than the default two hours
    for suffix in (".xlsx", ".json"):
        os.utime(uploads.upload_dir() / f"{first}{suffix}", (old, old))
    second = _token(_upload(client, national_roster(tmp_path / "b.xlsx", rows)))  # sweeps on upload
    assert sorted(p.name for p in uploads.upload_dir().iterdir()) == sorted(
        [f"{second}.xlsx", f"{second}.json"]
    )
    for suffix in (".xlsx", ".json"):
        os.utime(uploads.upload_dir() / f"{second}{suffix}", (old, old))
    call_command("sweep_uploads")
    assert not any(uploads.upload_dir().iterdir())


def test_an_import_naming_a_member_outside_the_scope_is_audited(client, tmp_path, tree, admin):
    from dangjian.core import pii

    stranger = make_member(tree["branch_b1"])
    data = member_data(
        id_number=pii.decrypt(stranger.id_number_encrypted),
        birth=stranger.birth_date,
        male=stranger.gender == "M",
    )
    client.force_login(admin)
    response = _upload(
        client, national_roster(tmp_path / "名册.xlsx", {"s": [roster_row(data, org="甲县第一支部")]})
    )
    page = client.get(response["Location"]).content.decode()
    assert "管理范围以外" in page, page[page.find("<table") :][:1500]
    event = AuditEvent.objects.get(verb="member.id_lookup")
    assert event.actor == admin and event.org_path == stranger.org_path
    assert event.data == {"purpose": "import", "in_scope": False}
