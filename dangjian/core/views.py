"""Site-wide pages: the 工作台 (home dashboard) and the placeholder for modules still to come."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.feedback import selectors as feedback_selectors
from dangjian.orgs import selectors as org_selectors
from dangjian.requirements import selectors as compliance_selectors

OVERDUE_SHOWN = 10


@login_required
def placeholder(request, *args, **kwargs):
    """Stands in for a page whose module is being built."""
    return render(request, "core/placeholder.html")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """工作台: figures of the user's scope, derived from records; nothing to fill in here.

    The platform asks nothing of an org beyond the records of work actually done (DESIGN
    decision 7), and the page says so instead of listing forms to fill.
    """
    today = timezone.localdate()
    summary = org_selectors.org_scope_summary(user=request.user, on=today)
    overdue = list(org_selectors.org_term_overdue(user=request.user, on=today)[:OVERDUE_SHOWN])
    for org in overdue:
        org.days_overdue = (today - org.term_due).days
    roots = list(org_selectors.org_roots(user=request.user)[:5])
    todo_org, todo_items, todo_count = compliance_selectors.home_todo(user=request.user)
    context = {
        "todo_org": todo_org,
        "todo_items": todo_items,
        "todo_count": todo_count,
        "todo_label": compliance_selectors.todo_label(on=today),
        "summary": summary,
        "overdue": overdue,
        "roots": roots,
        "today": today,
        "feedback_open": feedback_selectors.feedback_open_count(user=request.user),
    }
    return render(request, "core/home.html", context)
