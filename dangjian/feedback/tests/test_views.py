"""投诉建议 pages: authors see their own, system administrators see and answer all."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.feedback import services
from dangjian.feedback.models import Feedback

pytestmark = pytest.mark.django_db


def test_submit_shows_errors_next_to_fields_then_lists_it(client, tree):
    client.force_login(make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], username="sec"))
    r = client.post("/feedback/", {"category": "burden", "subject": "", "text": ""})
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-error-for="subject">请填写标题<' in html and 'data-error-for="text">请填写内容<' in html
    assert not Feedback.objects.exists()
    r = client.post(
        "/feedback/", {"category": "burden", "subject": "同一数据要填两次", "text": "名册和台账重复"}
    )
    assert r.status_code == 302
    html = client.get("/feedback/").content.decode()
    assert "同一数据要填两次" in html and "待答复" in html and "我提出的（1）" in html


def test_authors_see_only_their_own_and_admins_answer(client, tree):
    mine = make_user(Role.MEMBER, tree["branch_a1"], username="mine")
    other = make_user(Role.MEMBER, tree["branch_a1"], username="other")
    f = services.feedback_submit(author=mine, category="problem", subject="打不开日历", text="点了没反应")
    client.force_login(other)
    assert "打不开日历" not in client.get("/feedback/").content.decode()
    assert client.get(f"/feedback/{f.pk}/").status_code == 404
    assert client.post(f"/feedback/{f.pk}/", {"reply": "自问自答"}).status_code == 404
    client.force_login(make_user(Role.SYSTEM_ADMIN, None, username="root"))
    assert "打不开日历" in client.get("/feedback/?status=open").content.decode()
    r = client.post(f"/feedback/{f.pk}/", {"reply": ""})
    assert 'data-error-for="reply">请填写答复<' in r.content.decode()
    assert client.post(f"/feedback/{f.pk}/", {"reply": "已修复，请刷新页面"}).status_code == 302
    client.force_login(mine)
    html = client.get(f"/feedback/{f.pk}/").content.decode()
    assert "已修复，请刷新页面" in html and "<textarea" not in html  # the author reads, does not answer
    assert "已答复" in client.get("/feedback/").content.decode()


def test_sidebar_links_the_page_for_every_role(client, tree):
    client.force_login(make_user(Role.MEMBER, tree["branch_a1"]))
    assert 'href="/feedback/" data-nav="feedback"' in client.get("/").content.decode()


def test_home_counts_open_feedback_for_those_who_answer_it(client, tree):
    author = make_user(Role.MEMBER, tree["branch_a1"])
    services.feedback_submit(author=author, category="burden", subject="要求拍照", text="每次都要")
    client.force_login(author)
    html = client.get("/").content.decode()
    assert 'data-figure="feedback-open"' not in html and 'href="/feedback/">投诉建议</a>' in html
    client.force_login(make_user(Role.SYSTEM_ADMIN, None))
    assert 'data-figure="feedback-open">1<' in client.get("/").content.decode()
