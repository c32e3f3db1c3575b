"""Writes of 投诉建议: submit (any signed-in user) and reply (system administrators)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import audit

from .models import Feedback, FeedbackCategory, FeedbackStatus

TEXT_MAX = 2000


def _text_errors(errors: dict[str, str], field: str, value: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = f"请填写{label}"
    elif len(value) > limit:
        errors[field] = f"{label}不能超过 {limit} 字（现有 {len(value)} 字）"
    return value


@transaction.atomic
def feedback_submit(*, author: Any, category: str, subject: str, text: str, page_url: str = "") -> Feedback:
    errors: dict[str, str] = {}
    if category not in FeedbackCategory.values:
        errors["category"] = "请选择类别"
    subject = _text_errors(errors, "subject", subject, "标题", 100)
    text = _text_errors(errors, "text", text, "内容", TEXT_MAX)
    page_url = (page_url or "").strip()[:300]
    if errors:
        raise ValidationError(errors)
    feedback = Feedback.objects.create(
        category=category, subject=subject, text=text, page_url=page_url, created_by=author
    )
    audit(actor=author, verb="feedback.submit", target=feedback, category=category)
    return feedback


@transaction.atomic
def feedback_reply(*, feedback: Feedback, reply: str, actor: Any) -> Feedback:
    """Answer (or correct the answer to) a feedback; the author sees it on their list."""
    errors: dict[str, str] = {}
    reply = _text_errors(errors, "reply", reply, "答复", TEXT_MAX)
    if errors:
        raise ValidationError(errors)
    previous = feedback.reply
    feedback.reply = reply
    feedback.status = FeedbackStatus.ANSWERED
    feedback.replied_at = timezone.now()
    feedback.replied_by = actor if getattr(actor, "is_authenticated", False) else None
    feedback.save(update_fields=["reply", "status", "replied_at", "replied_by", "updated_at"])
    # The audit row keeps both texts, so a corrected answer does not erase the first one.
    audit(actor=actor, verb="feedback.reply", target=feedback, reply=reply, previous=previous)
    return feedback
