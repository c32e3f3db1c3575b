"""投诉建议 writes: each leaves its audit event; a refused one leaves nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.feedback import services
from dangjian.feedback.models import Feedback, FeedbackStatus

pytestmark = pytest.mark.django_db


def test_submit_then_reply(tree):
    author = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"])
    admin = make_user(Role.SYSTEM_ADMIN, None)
    f = services.feedback_submit(
        author=author,
        category="burden",
        subject="  考勤要求拍照  ",
        text="每次会议都要上传照片",
        page_url="/activities/new/",
    )
    assert (f.subject, f.status, f.created_by) == ("考勤要求拍照", FeedbackStatus.OPEN, author)
    services.feedback_reply(feedback=f, reply="照片不是必填项，已在页面上注明", actor=admin)
    f.refresh_from_db()
    assert f.status == FeedbackStatus.ANSWERED and f.replied_by == admin and f.replied_at is not None
    assert list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)) == [
        "feedback.submit",
        "feedback.reply",
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"category": "praise"}, "category", "请选择类别"),
        ({"subject": "   "}, "subject", "请填写标题"),
        ({"text": ""}, "text", "请填写内容"),
        ({"text": "长" * 2001}, "text", "内容不能超过 2000 字（现有 2001 字）"),
    ],
)
def test_submit_refused_writes_nothing(tree, data, field, message):
    author = make_user(Role.MEMBER, tree["branch_a1"])
    good = {"category": "problem", "subject": "标题", "text": "内容"}
    with pytest.raises(ValidationError) as exc:
        services.feedback_submit(author=author, **good | data)
    assert exc.value.message_dict[field] == [message]
    assert not Feedback.objects.exists() and not AuditEvent.objects.exists()


def test_empty_reply_refused_and_answered_needs_a_reply_in_the_database(tree):
    author = make_user(Role.MEMBER, tree["branch_a1"])
    f = services.feedback_submit(author=author, category="other", subject="标题", text="内容")
    with pytest.raises(ValidationError) as exc:
        services.feedback_reply(feedback=f, reply=" ", actor=None)
    assert exc.value.message_dict["reply"] == ["请填写答复"]
    f.refresh_from_db()
    assert f.status == FeedbackStatus.OPEN
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.filter(pk=f.pk).update(status=FeedbackStatus.ANSWERED)


def test_a_corrected_reply_keeps_the_first_in_the_audit_trail(tree):
    author = make_user(Role.MEMBER, tree["branch_a1"])
    f = services.feedback_submit(author=author, category="problem", subject="标题", text="内容")
    services.feedback_reply(feedback=f, reply="第一次答复", actor=None)
    services.feedback_reply(feedback=f, reply="更正后的答复", actor=None)
    last = AuditEvent.objects.filter(verb="feedback.reply").latest("pk")
    assert (last.data["previous"], last.data["reply"]) == ("第一次答复", "更正后的答复")
