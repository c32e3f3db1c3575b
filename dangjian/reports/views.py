"""The 工作台: the page every user lands on. It reads every other app, so it lives here, at the
top of the layering (core stays below the domain apps)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.activities import selectors as activity_selectors
from dangjian.campaigns import selectors as campaign_selectors
from dangjian.core import policy
from dangjian.feedback import selectors as feedback_selectors
from dangjian.requirements import selectors as compliance_selectors

from . import selectors as home_selectors
from .builders.bulletin import BulletinError, bulletin_context, bulletin_render

OVERDUE_SHOWN = 10
RECENT_SHOWN = 5
FEEDBACK_SHOWN = 3


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """工作台: a 党员 sees their own page; everyone else the figures of their scope, derived from
    records, with nothing to fill in here.

    The platform asks nothing of an org beyond the records of work actually done (DESIGN
    decision 7), and the page says so instead of listing forms to fill.
    """
    if policy.is_self_only(request.user) and request.user.member_id:
        return member_home(request)
    user = request.user
    today = timezone.localdate()
    summary = home_selectors.scope_figures(user=user)
    overdue, summary["overdue"] = home_selectors.overdue_orgs(user=user, on=today, limit=OVERDUE_SHOWN)
    orgs = home_selectors.home_orgs(user=user)
    todo_items, todo_count = home_selectors.home_todo(user=user, orgs=orgs, on=today)
    context = {
        "todo_org": orgs.todo_root,
        "todo_items": todo_items,
        "todo_count": todo_count,
        "todo_label": compliance_selectors.todo_label(on=today),
        "summary": summary,
        "overdue": overdue,
        "roots": orgs.roots,
        "today": today,
        "feedback_open": feedback_selectors.feedback_open_count(user=user),
    }
    return render(request, "reports/home.html", context)


def member_home(request: HttpRequest) -> HttpResponse:
    """A 党员's 工作台: my record, my latest meetings, my attendance this year, what my branch
    asks of me, and my 投诉建议."""
    user = request.user
    member = home_selectors.my_record(user=user)
    today = timezone.localdate()
    attended, expected = activity_selectors.member_attendance_between(
        user=user, member=member, start=today.replace(month=1, day=1), end=today
    )
    context = {
        "member": member,
        "today": today,
        "recent": home_selectors.recent_activities(user=user, limit=RECENT_SHOWN),
        "year_attended": attended,
        "year_expected": expected,
        "asks": compliance_selectors.member_asks(user=user, member=member, on=today),
        "feedback": home_selectors.my_feedback(user=user, limit=FEEDBACK_SHOWN),
    }
    return render(request, "reports/member_home.html", context)


@login_required
@require_GET
def campaign_bulletin(request: HttpRequest, pk: int) -> HttpResponse:
    """The 通报 of a campaign for the chosen org's subtree and day, as a .docx download."""
    campaign = campaign_selectors.access_campaign(user=request.user, pk=pk)
    raw_org = request.GET.get("org")
    org_id = int(raw_org) if raw_org and raw_org.isdigit() else None
    if raw_org and org_id is None:
        raise policy.not_found()
    org = campaign_selectors.campaign_org(user=request.user, campaign=campaign, org_id=org_id)
    raw_on = request.GET.get("on")
    try:
        on = dt.date.fromisoformat(raw_on) if raw_on else timezone.localdate()
        context = bulletin_context(user=request.user, campaign=campaign, org=org, on=on)
    except ValueError as exc:
        message = str(exc) if isinstance(exc, BulletinError) else f"日期 {raw_on} 无效，格式应为 YYYY-MM-DD"
        return render(
            request, "campaigns/bulletin_error.html", {"campaign": campaign, "message": message}, status=400
        )
    response = HttpResponse(
        bulletin_render(context),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = quote(f"{campaign.name}进展通报-{org.name}-{on.isoformat()}.docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
