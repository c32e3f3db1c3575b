"""Campaign pages: thin views over ``selectors`` and ``services``."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from dangjian.core import policy
from dangjian.core.bounds import PARTY_FOUNDED
from dangjian.core.permissions import Perm
from dangjian.orgs import selectors as org_selectors
from dangjian.requirements import selectors as compliance

from . import judging, oversight, publicity, selectors
from .forms import StartForm
from .services import BatchDates, CampaignError, campaign_start
from .weekly import (
    ItemInput,
    monday_of,
    parse_week,
    week_label,
    weekly_plan_close,
    weekly_plan_file,
    weekly_units_set,
)


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
    subtree = compliance.sees_subtree(user=request.user, org=org)
    on_iso = on.isoformat()
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "campaign": campaign,
            "org": org,
            "on": on,
            "date_error": error,
            # The figures, computed only when the template's cached fragment is missing.
            "figures": DashboardFigures(user=request.user, campaign=campaign, org=org, on=on),
            "figures_key": figures_key(campaign=campaign, org=org, on=on, subtree=subtree),
            "figures_seconds": FIGURES_SECONDS,
            "counts": oversight.dashboard_counts(user=request.user, campaign=campaign, org=org, on=on),
            "week": week_label(monday_of(on)),
            "lagging_url": reverse("campaigns:lagging", args=[campaign.pk]) + f"?org={org.pk}&on={on_iso}",
            "subtree": subtree,
            "on_iso": on_iso,
            "activities_base": reverse("activities:list"),
            "can_edit_batches": policy.allows_path(request.user, Perm.CAMPAIGN_CHANGE, campaign.root.path),
            "batches": lambda: judging.campaign_batches(campaign),
        },
    )


FIGURES_SECONDS = 600  # a safety net: every change the figures read moves ``figures_version``


def figures_key(*, campaign, org, on: dt.date, subtree: bool) -> str:
    """The key of the dashboard's cached figures: the campaign (its row's timestamps: a new
    campaign of a reused id, an edited set-up), its ``figures_version`` (moved by every record,
    member, org, plan, confirmation, report and ledger change the figures read: see
    ``figures.figures_changed``), the org, the day, and whether the user sees the org's
    subtree — the only way the figures depend on the user: a grant that reaches below the org
    covers every org under it, so the units, the results and the reports read are then the
    same for everyone."""
    return ":".join(
        str(part)
        for part in (
            campaign.pk,
            campaign.created_at.timestamp(),
            campaign.updated_at.timestamp(),
            campaign.figures_version,
            org.pk,
            on.isoformat(),
            int(subtree),
        )
    )


class DashboardFigures:
    """The dashboard's figures and the rows of its tables, each computed on first read."""

    def __init__(self, *, user, campaign, org, on: dt.date) -> None:
        self.user, self.campaign, self.org, self.on = user, campaign, org, on
        self.dashboard_base = reverse("campaigns:dashboard", args=[campaign.pk])
        self.lagging_base = reverse("campaigns:lagging", args=[campaign.pk])
        self.confirm_base = reverse("campaigns:confirmations", args=[campaign.pk])
        query = f"?org={org.pk}&on={on.isoformat()}"
        self.lagging_url, self.confirm_url = self.lagging_base + query, self.confirm_base + query

    @cached_property
    def data(self) -> dict:
        return selectors.progress(
            user=self.user, campaign=self.campaign, org=self.org, on=self.on, with_units=True
        )

    def _drill(self, action) -> str:
        return f"{self.confirm_url if judging.judged_here(action) else self.lagging_url}&action={action.pk}"

    @cached_property
    def actions(self) -> list[tuple]:
        """(action figure, link to the results behind it) in order."""
        return [(a, self._drill(a.action)) for a in self.data["actions"]]

    @cached_property
    def phase_names(self) -> list[str]:
        return [name for name, _fig in self.data["phases"]]

    @cached_property
    def depths(self) -> list[tuple]:
        """The 上热中温下冷 table: per depth below the org, its label, figure and figure per phase."""
        return [
            (
                d,
                selectors.depth_label(d),
                fig,
                list(zip(self.phase_names, self.data["depth_phases"].get(d, []), strict=True)),
            )
            for d, fig in self.data["depths"]
        ]

    @cached_property
    def units(self) -> list[dict]:
        """The 下级单位 table: each unit with its figure and, per action, its figure (or None)
        and the link to the results behind it."""
        on_iso = self.on.isoformat()
        actions = self.data["actions"]
        rows = []
        for u in self.data["units"]:
            q = f"?org={u.org.pk}&on={on_iso}"
            cells = []
            for a in actions:
                fig = u.actions.get(a.action.pk)
                drill = self.confirm_base if judging.judged_here(a.action) else self.lagging_base
                cells.append((fig, f"{drill}{q}&action={a.action.pk}&status=all"))
            rows.append(
                {
                    "org": u.org,
                    "url": self.dashboard_base + q,
                    "lagging": self.lagging_base + q,
                    "figure": u.overall,
                    "cells": cells,
                }
            )
        return rows

    @cached_property
    def soon(self) -> list[tuple]:
        return [
            (action, due, self._drill(action))
            for action, due in selectors.deadlines_soon(campaign=self.campaign, on=self.on)
        ]

    @cached_property
    def publicity(self) -> dict:
        return publicity.publicity_counts(user=self.user, campaign=self.campaign, org=self.org, on=self.on)


STATUS_LABELS = {**selectors.STATUS_FILTERS, "all": "全部"}


@login_required
@require_GET
def lagging(request: HttpRequest, pk: int) -> HttpResponse:
    """The records behind a dashboard figure: by action, phase, depth and status (未完成 by default)."""
    campaign, org, on, error = _context(request, pk)
    action = None
    raw = request.GET.get("action")
    if raw:
        action = campaign.actions.filter(pk=int(raw) if raw.isdigit() else 0).first()
        if action is None:
            raise policy.not_found()
    status = request.GET.get("status") or "not_met"
    if status not in STATUS_LABELS:
        status = "not_met"
    raw_depth = request.GET.get("depth", "")
    rel_depth = int(raw_depth) if raw_depth.isdigit() and int(raw_depth) < 20 else None
    phase = request.GET.get("phase") or None
    if phase is not None and phase not in {*campaign.phases.values_list("name", flat=True), "贯穿始终"}:
        phase = None
    rows = selectors.records_behind(
        user=request.user,
        campaign=campaign,
        org=org,
        on=on,
        action=action,
        status=status,
        rel_depth=rel_depth,
        phase=phase,
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    outside = selectors.outside_behind(
        user=request.user,
        campaign=campaign,
        org=org,
        on=on,
        action=action,
        status=status,
        rel_depth=rel_depth,
        phase=phase,
    )
    params: dict[str, object] = {"org": org.pk, "on": on.isoformat(), "status": status}
    if action is not None:
        params["action"] = action.pk
    if rel_depth is not None:
        params["depth"] = rel_depth
    if phase:
        params["phase"] = phase
    return render(
        request,
        "campaigns/lagging.html",
        {
            "campaign": campaign,
            "org": org,
            "on": on,
            "action": action,
            "status": status,
            "status_label": STATUS_LABELS[status],
            "statuses": [(k, v, urlencode({**params, "status": k})) for k, v in STATUS_LABELS.items()],
            "depth_label": selectors.depth_label(rel_depth) if rel_depth is not None else "",
            "phase": phase,
            "query": urlencode(params),
            "page": page,
            "date_error": error,
            "rows": [(r, compliance.result_records_url(result=r)) for r in page.object_list],
            "outside": outside,
            "total": page.paginator.count + len(outside),
            "confirm_url": reverse("campaigns:confirmations", args=[campaign.pk]),
        },
    )


@login_required
@require_GET
def idle(request: HttpRequest, pk: int) -> HttpResponse:
    """Units without campaign activity in the last 14 days (read afresh)."""
    campaign, org, on, error = _context(request, pk)
    rows = oversight.idle_units(user=request.user, campaign=campaign, org=org, on=on)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/idle.html",
        {"campaign": campaign, "org": org, "on": on, "page": page, "date_error": error,
         "days": selectors.IDLE_DAYS},
    )  # fmt: skip


@login_required
@require_GET
def uniform(request: HttpRequest, pk: int) -> HttpResponse:
    """上下一般粗: weekly plans and campaign records identical, word for word, to the level above's."""
    campaign, org, on, error = _context(request, pk)
    week_start, week_error = _week(request) if request.GET.get("week") else (monday_of(on), "")
    plans = oversight.copied_plans(user=request.user, campaign=campaign, org=org, week_start=week_start)
    records = oversight.copied_records(user=request.user, campaign=campaign, org=org, on=on)
    return render(
        request,
        "campaigns/uniform.html",
        {
            "campaign": campaign,
            "org": org,
            "on": on,
            "week": week_label(week_start),
            "plans": plans,
            "records": records[:500],
            "records_count": len(records),
            "window": oversight.COPY_WINDOW_DAYS,
            "date_error": error or week_error,
        },
    )


@login_required
@require_GET
def burden(request: HttpRequest, pk: int) -> HttpResponse:
    """What the campaign asked of the org this month beside what it recorded (and per level)."""
    campaign, org, on, error = _context(request, pk)
    data = oversight.burden(user=request.user, campaign=campaign, org=org, on=on)
    return render(
        request,
        "campaigns/burden.html",
        {"campaign": campaign, "org": org, "on": on, "data": data, "date_error": error},
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


ITEM_ROWS = 6


def _week(request: HttpRequest) -> tuple[dt.date, str]:
    raw = request.GET.get("week")
    this_week = monday_of(timezone.localdate())
    if not raw:
        return this_week, ""
    try:
        return parse_week(raw), ""
    except ValueError as exc:
        return this_week, f"{exc}；已显示本周"


@login_required
@require_GET
def weekly(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, org, _on, _error = _context(request, pk)
    week_start, error = _week(request)
    data = selectors.weekly_dispatch(user=request.user, campaign=campaign, org=org, week_start=week_start)
    can_file = {
        u["org_id"]
        for u in data["units"]
        if policy.allows_path(request.user, Perm.ACTIVITY_CHANGE, u["org_path"])
    }
    return render(
        request,
        "campaigns/weekly.html",
        {
            "campaign": campaign,
            "org": org,
            "data": data,
            "week_error": error,
            "can_file": can_file,
            "can_name_units": policy.allows_path(request.user, Perm.CAMPAIGN_CHANGE, campaign.root.path),
            "prev_week": week_label(week_start - dt.timedelta(days=7)),
            "next_week": week_label(week_start + dt.timedelta(days=7)),
        },
    )


@login_required
def weekly_file(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.access_campaign(user=request.user, pk=pk)
    org = org_selectors.access_org(
        user=request.user, pk=request.GET.get("org") or 0, perm=Perm.ACTIVITY_CHANGE
    )
    week_start, error = _week(request)
    actions = list(campaign.actions.order_by("order"))
    errors: list[str] = []
    if request.method == "POST":
        items, errors = _items(request, actions)
        if not errors:
            try:
                weekly_plan_file(
                    campaign=campaign, org=org, week_start=week_start, items=items, actor=request.user
                )
            except CampaignError as exc:
                errors = exc.messages
            else:
                url = reverse("campaigns:weekly", args=[campaign.pk])
                return redirect(f"{url}?org={org.pk}&week={week_label(week_start)}")
    return render(
        request,
        "campaigns/weekly_file.html",
        {
            "campaign": campaign,
            "org": org,
            "week": week_label(week_start),
            "week_start": week_start,
            "week_error": error,
            "errors": errors,
            "actions": actions,
            "rows": range(1, ITEM_ROWS + 1),
        },
    )


def _items(request: HttpRequest, actions) -> tuple[list[ItemInput], list[str]]:
    items, errors = [], []
    action_ids = {str(a.pk): a.pk for a in actions}
    for n in range(1, ITEM_ROWS + 1):
        text = request.POST.get(f"text_{n}", "").strip()
        owner = request.POST.get(f"owner_{n}", "").strip()
        due = request.POST.get(f"due_{n}", "").strip()
        if not (text or owner or due):
            continue
        try:
            due_on = dt.date.fromisoformat(due)
        except ValueError:
            errors.append(f"第 {n} 行 完成日期：{due or '空'} 不是有效日期")
            continue
        raw_action = request.POST.get(f"action_{n}", "")
        items.append(ItemInput(text[:200], owner[:50], due_on, action_ids.get(raw_action)))
    return items, errors


@login_required
def weekly_close(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = selectors.access_plan(user=request.user, pk=plan_pk, perm=Perm.ACTIVITY_CHANGE)
    items = list(plan.items.select_related("action"))
    errors: list[str] = []
    if request.method == "POST":
        results = {}
        for item in items:
            value = request.POST.get(f"done_{item.pk}")
            if value in ("1", "0"):
                results[item.pk] = (value == "1", request.POST.get(f"note_{item.pk}", ""))
        try:
            weekly_plan_close(plan=plan, results=results, actor=request.user)
        except CampaignError as exc:
            errors = exc.messages
        else:
            url = reverse("campaigns:weekly", args=[plan.campaign_id])
            return redirect(f"{url}?org={plan.org_id}&week={week_label(plan.week_start)}")
    return render(
        request,
        "campaigns/weekly_close.html",
        {"plan": plan, "items": items, "errors": errors, "week": week_label(plan.week_start)},
    )


UNIT_CHOICES = 300


@login_required
def weekly_units(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign office names the units that file weekly plans (two levels below the lead org)."""
    campaign = selectors.access_campaign(user=request.user, pk=pk)
    if not policy.allows_path(request.user, Perm.CAMPAIGN_CHANGE, campaign.root.path):
        raise PermissionDenied("只有主题教育牵头党组织的管理员可以指定填报单位")
    root = campaign.root
    choices = list(
        org_selectors.org_visible(user=request.user, perm=Perm.CAMPAIGN_CHANGE)
        .filter(path__startswith=root.path, depth__lte=root.depth + 2)
        .order_by("path")[:UNIT_CHOICES]
    )
    if request.method == "POST":
        wanted = set(request.POST.getlist("org"))
        orgs = [o for o in choices if str(o.pk) in wanted]
        weekly_units_set(campaign=campaign, orgs=orgs, actor=request.user)
        return redirect(reverse("campaigns:weekly", args=[campaign.pk]) + f"?org={root.pk}")
    named = set(campaign.weekly_units.values_list("org_id", flat=True))
    return render(
        request,
        "campaigns/weekly_units.html",
        {"campaign": campaign, "choices": [(o, o.pk in named) for o in choices], "base_depth": root.depth},
    )
