"""Campaign pages: thin views over ``selectors`` and ``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core import policy
from dangjian.core.bounds import PARTY_FOUNDED
from dangjian.core.permissions import Perm
from dangjian.orgs import selectors as org_selectors
from dangjian.requirements import selectors as compliance

from . import selectors
from .forms import StartForm
from .services import BatchDates, CampaignError, campaign_start


def _on(request: HttpRequest) -> tuple[dt.date, str]:
    raw = request.GET.get("on")
    today = timezone.localdate()
    if not raw:
        return today, ""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return today, f"日期 {raw} 无效，格式应为 YYYY-MM-DD；已显示今天"
    if not PARTY_FOUNDED <= day <= today + dt.timedelta(days=3660):
        return today, f"日期 {raw} 超出范围；已显示今天"
    return day, ""


def _context(request: HttpRequest, pk: int):
    campaign = selectors.access_campaign(user=request.user, pk=pk)
    raw = request.GET.get("org")
    org_id = None
    if raw:
        try:
            org_id = int(raw)
        except ValueError:
            raise policy.not_found() from None
    org = selectors.campaign_org(user=request.user, campaign=campaign, org_id=org_id)
    on, error = _on(request)
    return campaign, org, on, error


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaign_list(user=request.user)
    return render(
        request,
        "campaigns/list.html",
        {"campaigns": campaigns, "can_start": policy.has_perm(request.user, Perm.CAMPAIGN_CHANGE)},
    )


@login_required
def campaign_start_view(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.CAMPAIGN_CHANGE):
        raise PermissionDenied("您无权启动主题教育")
    roots = org_selectors.org_visible(user=request.user, perm=Perm.CAMPAIGN_CHANGE).order_by("depth", "path")[
        :200
    ]
    form = StartForm(request.POST or None, roots=roots)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        root = org_selectors.access_org(
            user=request.user, pk=form.cleaned_data["root"], perm=Perm.CAMPAIGN_CHANGE
        )
        data = form.cleaned_data
        batches = [BatchDates(data["batch"], data["starts_on"], data["ends_on"])] if data["batch"] else []
        try:
            campaign = campaign_start(
                template=data["template"], root=root, batches=batches, actor=request.user
            )
        except CampaignError as exc:
            errors = exc.messages
        else:
            return redirect("campaigns:dashboard", pk=campaign.pk)
    return render(request, "campaigns/start.html", {"form": form, "errors": errors})


@login_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, org, on, error = _context(request, pk)
    data = selectors.progress(user=request.user, campaign=campaign, org=org, on=on)
    base = reverse("campaigns:lagging", args=[campaign.pk]) + f"?org={org.pk}&on={on.isoformat()}"
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "campaign": campaign,
            "org": org,
            "on": on,
            "date_error": error,
            "data": data,
            "depths": [(selectors.depth_label(d), fig) for d, fig in data["depths"]],
            "idle": selectors.idle_units(user=request.user, campaign=campaign, org=org, on=on),
            "soon": selectors.deadlines_soon(campaign=campaign, on=on),
            "lagging_url": base,
            "subtree": compliance.sees_subtree(user=request.user, org=org),
            "children": compliance.compliance_orgs(user=request.user)
            .filter(path__startswith=org.path, depth=org.depth + 1)
            .order_by("path")[:100],
        },
    )


@login_required
@require_GET
def lagging(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, org, on, error = _context(request, pk)
    action = None
    raw = request.GET.get("action")
    if raw:
        action = campaign.actions.filter(pk=int(raw) if raw.isdigit() else 0).first()
        if action is None:
            raise policy.not_found()
    rows = selectors.lagging_units(user=request.user, campaign=campaign, org=org, on=on, action=action)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/lagging.html",
        {
            "campaign": campaign,
            "org": org,
            "on": on,
            "action": action,
            "page": page,
            "date_error": error,
            "rows": [(r, compliance.result_records_url(result=r)) for r in page.object_list],
        },
    )


@login_required
@require_GET
def todo(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, org, on, error = _context(request, pk)
    items = selectors.org_todo(user=request.user, campaign=campaign, org=org, on=on)
    return render(
        request,
        "campaigns/todo.html",
        {"campaign": campaign, "org": org, "on": on, "items": items, "date_error": error},
    )
