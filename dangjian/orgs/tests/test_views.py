"""The org and member pages: content, htmx partials, form errors next to fields, the admin gate."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs import selectors, services
from dangjian.orgs.models import Member, Org, OrgStateChange, Transfer
from dangjian.orgs.tests.factories import make_member, member_data
from dangjian.orgs.tests.matrix import _form

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def zsf(tree):
    # Joined 2005: the tests below transfer and appoint on fixed dates after that.
    return make_member(tree["branch_a1"], name="张三丰", phone="13912345678", birth=dt.date(1980, 5, 1))


@pytest.fixture
def admin_client(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"], username="county_admin"))
    return client


def test_home_dashboard_figures_and_no_extra_asks(admin_client, tree, zsf):
    tree["general"].term_due = dt.date(2020, 1, 1)
    tree["general"].save()
    html = admin_client.get("/").content.decode()
    assert 'data-figure="orgs">4<' in html and 'data-figure="full">1<' in html
    assert 'data-figure="overdue">1<' in html and "甲县机关总支" in html
    assert "本月平台向您要求填报的内容" in html and "无额外填报" in html


def test_tree_shows_scope_root_and_lazy_children(admin_client, tree, zsf):
    html = admin_client.get("/orgs/").content.decode()
    assert "甲县委" in html and "乙县委" not in html and "甲县第一支部" not in html
    part = admin_client.get(f"/orgs/{tree['general'].pk}/children/", **HTMX).content.decode()
    assert "甲县第一支部" in part and "<html" not in part
    assert "1 人" in part  # subtree total of the branch


def test_tree_expand_arrow_follows_live_children(admin_client, tree):
    arrow = 'aria-label="展开 甲县第一支部"'

    def level() -> str:
        return admin_client.get(f"/orgs/{tree['general'].pk}/children/", **HTMX).content.decode()

    assert arrow in level()  # the branch holds a 党小组
    services.org_delete(org=tree["group_a1"], actor=None, reason="单位撤并")
    html = level()
    assert arrow not in html and "甲县第一支部" in html  # still listed, now as a leaf


def test_org_search_partial(admin_client, tree):
    part = admin_client.get("/orgs/search/?q=第一", **HTMX).content.decode()
    assert "甲县第一支部" in part and "乙县第一支部" not in part and "<html" not in part
    assert "没有找到" in admin_client.get("/orgs/search/?q=不存在", **HTMX).content.decode()


def test_org_detail_panel(admin_client, tree, zsf):
    services.position_assign(
        member=zsf, org=tree["branch_a1"], title="secretary", started_on=dt.date(2020, 1, 1), actor=None
    )
    Org.objects.filter(pk=tree["branch_a1"].pk).update(
        term_start=dt.date(2019, 1, 1), term_due=dt.date(2022, 1, 1)
    )
    html = admin_client.get(f"/orgs/{tree['branch_a1'].pk}/", **HTMX).content.decode()
    assert "<html" not in html
    assert "张三丰" in html and "正式 1 人，预备 0 人" in html and "已逾期" in html
    assert "甲县第一支部第一党小组" in html and "甲县机关总支" in html
    full = admin_client.get(f"/orgs/{tree['general'].pk}/").content.decode()
    assert "<html" in full and "合计 1 人" in full


def test_org_create_shows_service_message_next_to_field(admin_client, tree):
    future = (services.today() + dt.timedelta(days=3)).isoformat()
    r = admin_client.post(
        f"/orgs/{tree['general'].pk}/new/", {"name": "新支部", "kind": "branch", "founded_on": future}
    )
    assert r.status_code == 200
    assert 'data-error-for="founded_on">成立日期不能晚于今天<' in r.content.decode()
    assert not Org.objects.filter(name="新支部").exists()
    r = admin_client.post(f"/orgs/{tree['general'].pk}/new/", {"name": "新支部", "kind": "branch"})
    assert r.status_code == 302
    assert Org.objects.get(name="新支部").path.startswith(tree["general"].path)


def test_org_edit_recomputes_due_when_term_start_changes(admin_client, tree):
    org = tree["branch_a1"]
    data = _form({f: getattr(org, f) for f in services.ORG_FIELDS} | {"term_start": dt.date(2022, 6, 1)})
    assert admin_client.post(f"/orgs/{org.pk}/edit/", data).status_code == 302
    org.refresh_from_db()
    assert org.term_due == dt.date(2025, 6, 1)


def test_org_kind_change_is_dated_and_kept(admin_client, tree):
    org = tree["branch_a1"]
    data = _form(
        {f: getattr(org, f) for f in services.ORG_FIELDS}
        | {"kind": "general_branch", "changed_on": dt.date(2024, 7, 1), "records_from": dt.date(2024, 1, 1)}
    )
    assert admin_client.post(f"/orgs/{org.pk}/edit/", data).status_code == 302
    org.refresh_from_db()
    assert (org.kind, org.records_from) == ("general_branch", dt.date(2024, 1, 1))
    change = OrgStateChange.objects.get(org=org)
    assert (change.changed_on, change.kind) == (dt.date(2024, 7, 1), "branch")
    future = _form({f: getattr(org, f) for f in services.ORG_FIELDS} | {"records_from": dt.date(2999, 1, 1)})
    r = admin_client.post(f"/orgs/{org.pk}/edit/", future)
    assert "纪实起始日期不能晚于今天" in r.content.decode()


def test_org_move_into_own_subtree_refused(admin_client, tree):
    r = admin_client.post(f"/orgs/{tree['general'].pk}/move/", {"new_parent": tree["branch_a1"].pk})
    assert "不能把组织移到它自己或它的下级组织之下" in r.content.decode()
    r = admin_client.post(f"/orgs/{tree['general'].pk}/move/", {"new_parent": tree["county_b"].pk})
    assert "无权在其下设立组织" in r.content.decode()


def test_org_delete_with_members_shows_message(admin_client, tree, zsf):
    r = admin_client.post(f"/orgs/{tree['branch_a1'].pk}/delete/", {"reason": "单位撤并"}, follow=True)
    assert "仍有党员" in r.content.decode()
    assert Org.objects.get(pk=tree["branch_a1"].pk).deleted_at is None


def test_org_removal_records_date_and_reason(admin_client, tree):
    group = tree["group_a1"]
    r = admin_client.post(f"/orgs/{group.pk}/delete/", {"removed_on": "2020-01-01"}, follow=True)
    assert "请填写撤销原因" in r.content.decode()
    r = admin_client.post(
        f"/orgs/{group.pk}/delete/", {"removed_on": "2020-13-01", "reason": "x"}, follow=True
    )
    assert "撤销日期格式不正确" in r.content.decode()
    assert Org.objects.get(pk=group.pk).deleted_at is None
    admin_client.post(f"/orgs/{group.pk}/delete/", {"removed_on": "2024-06-30", "reason": "小组合并"})
    group.refresh_from_db()
    assert (group.removed_on, group.removed_reason) == (dt.date(2024, 6, 30), "小组合并")
    assert group.deleted_at is not None


def test_overdue_list(admin_client, tree):
    tree["branch_a1"].term_due = dt.date(2021, 1, 1)
    tree["branch_a1"].save()
    tree["branch_b1"].term_due = dt.date(2021, 1, 1)
    tree["branch_b1"].save()
    html = admin_client.get("/orgs/overdue/").content.decode()
    assert "甲县第一支部" in html and "乙县第一支部" not in html and "共 1 个组织" in html


def test_member_list_pinyin_search_and_masking(admin_client, tree, zsf):
    make_member(tree["branch_a1"], name="李四")
    make_member(tree["branch_b1"], name="张三")
    html = admin_client.get("/members/?q=zsf").content.decode()
    assert "data-member-name>张三丰<" in html and "李四" not in html and "data-member-name>张三<" not in html
    assert zsf.id_number_masked in html and "139****5678" in html
    assert services.pii.decrypt(zsf.id_number_encrypted) not in html and "13912345678" not in html
    part = admin_client.get("/members/?q=zsf", **HTMX).content.decode()
    assert "<html" not in part and "data-member-name>张三丰<" in part


def test_member_list_export_link_keeps_query(admin_client, tree, zsf):
    html = admin_client.get(f"/members/?q=zsf&org={tree['branch_a1'].pk}&page=1").content.decode()
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("imports:export_members")
    except NoReverseMatch:
        assert "导出 Excel" not in html
    else:
        assert f'href="{url}?q=zsf&amp;org={tree["branch_a1"].pk}"' in html


def test_member_list_org_outside_scope_is_an_error(admin_client, tree, zsf):
    html = admin_client.get(f"/members/?org={tree['branch_b1'].pk}").content.decode()
    assert "不在您的权限范围内" in html and "data-member-name" not in html


def test_member_list_paginates_by_50(admin_client, tree):
    for _ in range(51):
        make_member(tree["branch_a1"], recount=False)
    services.org_recount([tree["branch_a1"].pk])  # as the member services do after each change
    html = admin_client.get("/members/").content.decode()
    assert "共 <span data-count>51</span> 名党员" in html and "第 1 / 2 页" in html
    assert html.count("data-member-name") == 50


def test_member_detail_masks_and_pii_button(client, tree, zsf):
    supervisor = make_user(Role.SUPERVISOR, tree["county_a"])
    client.force_login(supervisor)
    html = client.get(f"/members/{zsf.pk}/").content.decode()
    assert zsf.id_number_masked in html and "查看完整号码" not in html
    assert client.post(f"/members/{zsf.pk}/pii/").status_code == 404
    secretary = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    client.force_login(secretary)
    html = client.get(f"/members/{zsf.pk}/").content.decode()
    assert "查看完整号码" in html
    part = client.post(f"/members/{zsf.pk}/pii/", **HTMX)
    assert part["Cache-Control"] == "no-store"
    text = part.content.decode()
    assert services.pii.decrypt(zsf.id_number_encrypted) in text and "13912345678" in text
    event = AuditEvent.objects.get(verb="member.pii_view")
    assert (event.actor, event.target_id) == (secretary, str(zsf.pk))


def test_member_detail_history_positions_transfers(admin_client, tree, zsf):
    admin = admin_client.get("/").wsgi_request.user
    services.member_update(member=zsf, actor=admin, note="已核对")
    services.member_transfer(
        member=zsf, to_org=tree["general"], on=dt.date(2024, 1, 2), reason="调整", actor=admin
    )
    html = admin_client.get(f"/members/{zsf.pk}/").content.decode()
    assert "2024-01-02：甲县第一支部 → 甲县机关总支" in html
    assert "变更记录" in html and "备注" in html


def test_member_create_errors_next_to_fields(admin_client, tree):
    data = _form(member_data(name="王小明", gender="F", male=True))
    r = admin_client.post(f"/members/new/{tree['branch_a1'].pk}/", data)
    html = r.content.decode()
    assert r.status_code == 200 and 'data-error-for="gender">性别与身份证号不一致' in html
    assert not Member.objects.filter(name="王小明").exists()
    data = _form(member_data(name="王小明"))
    r = admin_client.post(f"/members/new/{tree['branch_a1'].pk}/", data)
    assert r.status_code == 302
    m = Member.objects.get(name="王小明")
    assert r["Location"] == f"/members/{m.pk}/" and m.name_initials == "wxm"


def test_member_edit_keeps_pii_when_blank(admin_client, tree, zsf):
    data = _form({f: getattr(zsf, f) for f in ("name", "gender", "ethnicity", "birth_date", "status")})
    data |= _form({"joined_on": zsf.joined_on, "full_member_on": zsf.full_member_on, "note": "改"})
    assert admin_client.post(f"/members/{zsf.pk}/edit/", data).status_code == 302
    old_hash = zsf.id_number_hash
    zsf.refresh_from_db()
    assert zsf.note == "改" and zsf.id_number_hash == old_hash and zsf.phone_masked == "139****5678"


def test_member_transfer_page(admin_client, tree, zsf):
    r = admin_client.post(
        f"/members/{zsf.pk}/transfer/",
        {"to_org": tree["branch_b1"].pk, "on": services.today().isoformat(), "reason": "调动"},
    )
    assert "转入组织不存在，或您无权向其转入党员" in r.content.decode()
    r = admin_client.post(
        f"/members/{zsf.pk}/transfer/",
        {"to_org": tree["group_a1"].pk, "on": services.today().isoformat(), "reason": "调动"},
    )
    assert 'data-error-for="to_org"' not in r.content.decode()  # picker fields show errors inline
    assert "组织关系不能转入党小组" in r.content.decode()
    data = {"to_org": tree["general"].pk, "on": services.today().isoformat(), "reason": "调动"}
    r = admin_client.post(f"/members/{zsf.pk}/transfer/", data)
    # First the check: who, from, to, when, why, and a 确认 button; nothing is moved yet.
    html = r.content.decode()
    assert r.status_code == 200 and 'id="transfer-confirm"' in html
    assert 'data-confirm="from">甲县第一支部<' in html and 'data-confirm="to">甲县机关总支<' in html
    assert (
        f'data-confirm="on">{services.today().isoformat()}<' in html and 'data-confirm="reason">调动<' in html
    )
    assert not Transfer.objects.exists()
    zsf.refresh_from_db()
    assert zsf.org_id == tree["branch_a1"].pk
    # 返回修改: the form again, filled in.
    r = admin_client.post(f"/members/{zsf.pk}/transfer/", data | {"edit": "1"})
    assert 'id="transfer-confirm"' not in r.content.decode() and 'value="调动"' in r.content.decode()
    r = admin_client.post(f"/members/{zsf.pk}/transfer/", data | {"confirm": "1"})
    assert r.status_code == 302 and Transfer.objects.get().to_org == tree["general"]


def test_member_transfer_history_line_says_what_happened(admin_client, tree, zsf):
    admin = admin_client.get("/").wsgi_request.user
    services.member_transfer(
        member=zsf, to_org=tree["general"], on=dt.date(2024, 1, 2), reason="调整", actor=admin
    )
    history = selectors.member_history(member=zsf)
    assert history[0]["type"] == "组织关系转接：甲县第一支部 → 甲县机关总支"
    html = admin_client.get(f"/members/{zsf.pk}/").content.decode()
    assert "<td>组织关系转接：甲县第一支部 → 甲县机关总支</td>" in html


def test_search_picker_lists_transfer_targets_only(client, tree):
    client.force_login(make_user(Role.ORG_ADMIN, tree["county_a"]))
    part = client.get("/orgs/search/?q=支部&pick=to_org&perm=transfer", **HTMX).content.decode()
    assert 'data-pick="to_org"' in part and "甲县第一支部" in part and "乙县" not in part


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"role": Role.SYSTEM_ADMIN, "is_staff": True}, 200),
        ({"role": Role.SYSTEM_ADMIN, "is_staff": False}, 302),
        ({"role": Role.ORG_ADMIN, "is_staff": True}, 302),
    ],
)
def test_admin_site_only_for_staff_system_admins(client, tree, kwargs, status):
    role = kwargs.pop("role")
    user = make_user(role, None if role == Role.SYSTEM_ADMIN else tree["county_a"], **kwargs)
    client.force_login(user)
    assert client.get("/admin/").status_code == status
    assert client.get("/admin/orgs/member/").status_code == status


def test_admin_pages_mask_pii(client, tree, zsf):
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, is_staff=True))
    html = client.get("/admin/orgs/member/").content.decode()
    assert zsf.id_number_masked in html and services.pii.decrypt(zsf.id_number_encrypted) not in html
    html = client.get(f"/admin/orgs/member/{zsf.pk}/change/").content.decode()
    assert zsf.id_number_encrypted not in html and "13912345678" not in html
    assert client.get(f"/admin/orgs/member/{zsf.pk}/history/").status_code == 200
    assert client.get(f"/admin/orgs/org/{tree['city'].pk}/history/").status_code == 200
    for path in ("orgs/org", "orgs/position", "orgs/mobilityrecord", "orgs/transfer", "core/auditevent"):
        assert client.get(f"/admin/{path}/").status_code == 200, path
    assert client.get("/admin/accounts/user/").status_code == 200


def test_admin_org_create_and_edit_go_through_services(client, tree):
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, is_staff=True))
    r = client.post(
        "/admin/orgs/org/add/",
        {"name": "后台新支部", "kind": "branch", "parent_id": tree["county_a"].pk, "sector": "organ"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    org = Org.objects.get(name="后台新支部")
    assert org.path.startswith(tree["county_a"].path)
    assert AuditEvent.objects.filter(verb="org.create", target_id=str(org.pk)).exists()
    r = client.post(
        "/admin/orgs/org/move/", {"node": org.pk, "target": tree["county_b"].pk, "relation": "child"}
    )
    assert r.status_code == 200
    org.refresh_from_db()
    assert org.path.startswith(tree["county_b"].path)
    assert AuditEvent.objects.filter(verb="org.move").exists()


def test_member_delete_page_needs_a_reason_then_hides_the_member(admin_client, tree, zsf):
    url = f"/members/{zsf.pk}/delete/"
    assert "误登记或重复登记" in admin_client.get(url).content.decode()
    r = admin_client.post(url, {"reason": ""})
    assert r.status_code == 200 and 'data-error-for="reason">请填写删除原因<' in r.content.decode()
    assert Member.objects.get(pk=zsf.pk).deleted_at is None
    r = admin_client.post(url, {"reason": "重复登记"})
    assert r.status_code == 302 and r["Location"] == f"/orgs/{tree['branch_a1'].pk}/"
    assert admin_client.get(f"/members/{zsf.pk}/").status_code == 404
    assert "data-member-name>张三丰<" not in admin_client.get("/members/").content.decode()


def test_member_detail_shows_delete_only_to_those_who_may(client, tree, zsf):
    client.force_login(make_user(Role.SUPERVISOR, tree["county_a"]))
    assert f"/members/{zsf.pk}/delete/" not in client.get(f"/members/{zsf.pk}/").content.decode()
    client.force_login(make_user(Role.BRANCH_SECRETARY, tree["branch_a1"]))
    assert f"/members/{zsf.pk}/delete/" in client.get(f"/members/{zsf.pk}/").content.decode()


def test_admin_restores_deleted_members_through_the_service(client, tree, zsf):
    services.member_delete(member=zsf, actor=None, reason="误删")
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, is_staff=True))
    html = client.get("/admin/orgs/member/?deleted=yes").content.decode()
    assert "张三丰" in html and "恢复所选的已删除党员记录" in html
    r = client.post("/admin/orgs/member/", {"action": "restore", "_selected_action": [zsf.pk]}, follow=True)
    assert "已恢复 1 名党员的记录" in r.content.decode()
    assert Member.objects.get(pk=zsf.pk).deleted_at is None
    assert AuditEvent.objects.filter(verb="member.restore", target_id=str(zsf.pk)).exists()


def test_tree_with_an_org_selected_expands_to_it_and_shows_its_details(admin_client, tree, zsf):
    """What opening a node puts in the address bar loads the same view again (a bookmark)."""
    html = admin_client.get(f"/orgs/?org={tree['branch_a1'].pk}").content.decode()
    assert f'data-org-detail="{tree["branch_a1"].pk}"' in html  # the details beside the tree
    # 甲县委 → 甲县机关总支 → 甲县第一支部 rendered open; 乙县委 stays out of the scope.
    assert f'<li data-org="{tree["general"].pk}">' in html
    assert f'<li data-org="{tree["branch_a1"].pk}">' in html
    assert 'class="node active"' in html and "乙县委" not in html
    assert f'hx-push-url="/orgs/?org={tree["branch_a1"].pk}"' in html
    assert admin_client.get(f"/orgs/?org={tree['branch_b1'].pk}").status_code == 404


def test_pages_and_fragments_vary_on_htmx(admin_client, tree, zsf):
    """One URL answers a page or a fragment: caches must key on HX-Request."""
    for response in (admin_client.get("/members/"), admin_client.get("/members/", **HTMX)):
        assert "HX-Request" in response.headers["Vary"]
    assert "HX-Request" in admin_client.get("/").headers["Vary"]


def test_history_restore_gets_the_whole_page(admin_client, tree, zsf):
    """Back, once htmx's own history cache is gone, asks again with HX-Request: it must get the
    page, not the fragment swapped into an empty body."""
    fragment = admin_client.get("/members/?q=zsf", **HTMX).content.decode()
    assert "<html" not in fragment and "data-member-name" in fragment
    restore = admin_client.get("/members/?q=zsf", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in restore.content.decode() and 'id="member-filter"' in restore.content.decode()


def test_org_pickers_do_not_push_their_search_url(admin_client, tree, zsf):
    """The picker sits in a form with hx-push-url="true"; it must not inherit it."""
    for url in ("/members/", f"/members/{zsf.pk}/transfer/"):
        html = admin_client.get(url).content.decode()
        picker = html[html.index('id="picker-') :]
        picker = picker[: picker.index(">")]
        assert 'hx-push-url="false"' in picker, url
