"""Reads of 投诉建议: authors see their own; holders of ``feedback.reply`` (system
administrators) see all. Missing and not-yours look alike (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from dangjian.core import policy
from dangjian.core.permissions import Perm

from .models import Feedback, FeedbackStatus


def can_reply(user: Any) -> bool:
    return policy.has_perm(user, Perm.FEEDBACK_REPLY)


def feedback_visible(*, user: Any) -> QuerySet[Feedback]:
    qs = Feedback.objects.select_related("created_by", "replied_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs if can_reply(user) else qs.filter(created_by=user)


def feedback_list(*, user: Any, status: str = "") -> QuerySet[Feedback]:
    qs = feedback_visible(user=user)
    if status in FeedbackStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def feedback_open_count(*, user: Any) -> int | None:
    """Unanswered feedback for those who answer it; None for everyone else."""
    if not can_reply(user):
        return None
    return feedback_visible(user=user).filter(status=FeedbackStatus.OPEN).count()


def access_feedback(*, user: Any, pk: Any, perm: str | None = None) -> Feedback:
    """One feedback the user may see (and, with ``perm``, act on); 404 otherwise."""
    try:
        feedback = feedback_visible(user=user).get(pk=int(pk))
    except (Feedback.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404("投诉建议不存在") from None
    if perm is not None and not policy.has_perm(user, perm):
        raise Http404("投诉建议不存在")
    return feedback
