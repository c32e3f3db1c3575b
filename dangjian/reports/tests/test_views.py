"""The 工作台: a 党员 gets their own page, everyone else the figures of their scope."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import timezone

from dangjian.accounts.tests.factories import make_user
from dangjian.activities.models import ActivityKind as K
from dangjian.core.permissions import Role
from dangjian.feedback.models import Feedback
from dangjian.orgs.services import org_recount
from dangjian.orgs.tests.factories import make_member
from dangjian.requirements import engine
from dangjian.requirements.tests.factories import load_shipped, record

DOMAIN_APPS = ("accounts", "orgs", "activities", "requirements", "feedback", "reports")


@pytest.fixture
def world(tree):
    load_shipped()
    a1 = tree["branch_a1"]
    me = make_member(a1, name="赵淑兰", recount=False)
    other = make_member(a1, name="钱多多", recount=False)
    make_member(tree["branch_b1"], name="孙外人", recount=False)
    org_recount()
    today = timezone.localdate()
    record(a1, today, K.ORG_LIFE_MEETING, present=[me], absent=[other], notify=False)
    record(a1, today, K.THEME_DAY, absent=[me, other], notify=False)
    engine.recompute_all()
    user = make_user(Role.MEMBER, a1, username="dangyuan_t", member=me)
    other_user = make_user(Role.MEMBER, a1, username="other_t", member=other)
    Feedback.objects.create(
        created_by=user, category="burden", subject="每月要交学习笔记照片", text="重复留痕"
    )
    return {**tree, "me": me, "other": other, "user": user, "other_user": other_user}


def test_member_home_shows_their_own_page_not_the_dashboard(client, world):
    client.force_login(world["user"])
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-figure="orgs"' not in html and 'data-figure="full"' not in html  # no admin figures
    assert 'id="my-record"' in html and "赵淑兰" in html
    assert world["me"].id_number_masked in html
    # This year: expected at two meetings, attended one.
    assert response.context["year_attended"] == 1 and response.context["year_expected"] == 2
    assert "1 / 2 次" in html
    # The branch asks each member to attend the 组织生活会 once a year: done.
    asks = {a["name"]: a for a in response.context["asks"]}
    assert asks["党员参加组织生活会"]["done"] == 1 and asks["党员参加组织生活会"]["met"]
    assert [a.topic for a in response.context["recent"]] == ["测试", "测试"]
    assert "每月要交学习笔记照片" in html and 'id="my-feedback"' in html
    assert "孙外人" not in html
    assert (
        '<a class="nav-link" href="/members/" data-nav="members"><span class="nav-link-title">我的信息</span>'
        in html
    )


def test_member_home_says_what_is_still_open(client, world):
    client.force_login(world["other_user"])
    response = client.get("/")
    asks = {a["name"]: a for a in response.context["asks"]}
    assert asks["党员参加组织生活会"]["done"] == 0 and not asks["党员参加组织生活会"]["met"]
    assert "已参加 0 / 1 次" in response.content.decode()
    assert "每月要交学习笔记照片" not in response.content.decode()  # someone else's feedback


def test_secretary_still_gets_the_dashboard(client, world):
    client.force_login(make_user(Role.BRANCH_SECRETARY, world["branch_a1"]))
    html = client.get("/").content.decode()
    assert 'data-figure="full"' in html and 'id="my-record"' not in html


def test_member_list_sends_a_member_to_their_own_record(client, world):
    client.force_login(world["user"])
    response = client.get("/members/?q=zsl")
    assert response.status_code == 302 and response.url == f"/members/{world['me'].pk}/"
    record = client.get(response.url).content.decode()
    crumbs = record[record.index('class="breadcrumb') : record.index("</ol>")]
    assert 'href="/">工作台<' in crumbs and '/members/"' not in crumbs


def test_core_views_import_no_domain_app():
    core = Path(__file__).resolve().parents[2] / "core"
    for name in ("views.py", "urls.py"):
        path = core / name
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        bad = [m for m in modules if any(m.startswith(f"dangjian.{app}") for app in DOMAIN_APPS)]
        assert bad == [], f"core/{name} imports {bad}"
