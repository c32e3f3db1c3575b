"""Campaign pages: thin views over ``selectors`` and ``services``."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
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
    data = selectors.progress(user=request.user, campaign=campaign, org=org, on=on, with_units=True)
    on_iso = on.isoformat()
    # One URL reversed: the campaign's pages lie below its dashboard (``urls``), and the
    # tables repeat these links per cell.
    dashboard_base = reverse("campaigns:dashboard", args=[campaign.pk])
    lagging_base = f"{dashboard_base}lagging/"
    confirm_base = f"{dashboard_base}confirmations/"
    base = f"{lagging_base}?org={org.pk}&on={on_iso}"
    confirm = f"{confirm_base}?org={org.pk}&on={on_iso}"
    drill = {
        a.action.pk: confirm_base if judging.judged_here(a.action) else lagging_base for a in data["actions"]
    }
    week_start = monday_of(on)
    phase_names = [name for name, _fig in data["phases"]]
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "campaign": campaign,
            "org": org,
            "on": on,
            "date_error": error,
            "data": data,
            "action_rows": _action_rows(data["actions"], base, confirm),
            "phase_rows": _phase_rows(data["phases"], base),
            "phase_names": phase_names,
            "depth_rows": _depth_rows(data, phase_names, base),
            "unit_rows": _unit_rows(
                data["units"], data["actions"], drill, lagging_base, dashboard_base, on_iso
            ),
            "counts": oversight.dashboard_counts(user=request.user, campaign=campaign, org=org, on=on),
            "week": week_label(week_start),
            "soon": [
                (action, due, f"{confirm if judging.judged_here(action) else base}&action={action.pk}")
                for action, due in selectors.deadlines_soon(campaign=campaign, on=on)
            ],
            "lagging_url": base,
            "subtree": compliance.sees_subtree(user=request.user, org=org),
            "on_iso": on_iso,
            "here": dashboard_base,
            "activities_base": reverse("activities:list"),
            "publicity": publicity.publicity_counts(user=request.user, campaign=campaign, org=org, on=on),
            "can_edit_batches": policy.allows_path(request.user, Perm.CAMPAIGN_CHANGE, campaign.root.path),
            "batches": judging.campaign_batches(campaign),
        },
    )


# The dashboard's figure tables are built here as HTML, every value escaped: a dozen units ×
# every action, and every figure a link, is most of the page's template work otherwise.
_EMPTY_ROW = '<tr><td class="text-secondary">暂无数据。</td></tr>'


def _link(url: str, text: object, css: str = "") -> str:
    """A link to ``url`` (a path and query built here from numbers and fixed parts)."""
    cls = f' class="{css}"' if css else ""
    return f'<a{cls} href="{url.replace("&", "&amp;")}">{escape(text)}</a>'


def _action_rows(actions, base: str, confirm: str) -> str:
    rows = []
    for a in actions:
        action, fig = a.action, a.figure
        drill = f"{confirm if judging.judged_here(action) else base}&action={action.pk}"
        due = a.deadline.isoformat() if a.deadline else f"{action.get_period_display()} {action.times} 次"
        rows.append(
            "<tr>"
            f'<td class="cell-title">{escape(action.name)}</td>'
            f'<td data-label="环节">{escape(action.phase.name if action.phase else "贯穿始终")}</td>'
            f'<td data-label="截止">{escape(due)}</td>'
            f'<td class="text-end" data-label="适用">{_link(drill + "&status=all", fig.applicable)}</td>'
            f'<td class="text-end" data-label="完成">{_link(drill + "&status=met", fig.met)}</td>'
            f'<td class="text-end" data-label="未完成">'
            f"{_link(drill + '&status=not_met', fig.not_met, 'text-danger' if fig.not_met else 'text-secondary')}</td>"
            f'<td class="text-end" data-label="未到期">{_link(drill + "&status=not_due", fig.not_due, "text-secondary")}</td>'
            f'<td class="text-end" data-label="完成率">{fig.rate_text}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value escaped above


def _phase_rows(phases, base: str) -> str:
    rows = []
    for name, fig in phases:
        q = f"{base}&phase={quote(name, safe='/')}"
        rows.append(
            f"<tr><td>{escape(name)}</td>"
            f'<td class="text-end">{_link(q + "&status=met", fig.met)}/{_link(q + "&status=all", fig.applicable)}</td>'
            f'<td class="text-end">{fig.rate_text}</td></tr>'
        )
    return mark_safe("".join(rows) or _EMPTY_ROW)  # noqa: S308 - every value escaped above


def _depth_rows(data: dict, phase_names: list[str], base: str) -> str:
    """The 上热中温下冷 table: per depth below the org, its figure and its rate per phase."""
    rows = []
    quoted = [quote(name, safe="/") for name in phase_names]
    for d, fig in data["depths"]:
        q = f"{base}&depth={d}"
        cells = []
        for name, pf in zip(quoted, data["depth_phases"].get(d, []), strict=True):
            inner = _link(f"{q}&phase={name}&status=all", pf.rate_text) if pf.applicable else "—"
            cells.append(f'<td class="text-end">{inner}</td>')
        rows.append(
            f"<tr><td>{selectors.depth_label(d)}</td>"
            f'<td class="text-end">{_link(q + "&status=met", fig.met)}/{fig.judged}</td>'
            f'<td class="text-end">{_link(q + "&status=not_due", fig.not_due, "text-secondary")}</td>'
            f'<td class="text-end" data-depth-rate>{fig.rate_text}</td>' + "".join(cells) + "</tr>"
        )
    return mark_safe("\n".join(rows) or _EMPTY_ROW)  # noqa: S308 - every value escaped above


def _unit_rows(units, actions, drill: dict[int, str], lagging: str, dashboard: str, on_iso: str) -> str:
    """The 下级单位 table, each figure with the link to the results behind it."""
    rows = []
    for u in units:
        q = f"?org={u.org.pk}&on={on_iso}"
        fig = u.overall
        cells = []
        for a in actions:
            cell = u.actions.get(a.action.pk)
            if cell is None:
                cells.append('<td class="text-end">—</td>')
                continue
            url = f"{drill[a.action.pk]}{q}&action={a.action.pk}&status=all"
            cells.append(f'<td class="text-end">{_link(url, cell.rate_text)}</td>')
        rows.append(
            "<tr>"
            f'<td class="text-nowrap">{_link(dashboard + q, u.org.name)}</td>'
            f'<td class="text-end">{_link(f"{lagging}{q}&status=met", fig.met)}</td>'
            f'<td class="text-end">{_link(f"{lagging}{q}&status=not_met", fig.not_met, "text-danger")}</td>'
            f'<td class="text-end">{_link(f"{lagging}{q}&status=not_due", fig.not_due, "text-secondary")}</td>'
            f'<td class="text-end" data-unit-rate>{fig.rate_text}</td>' + "".join(cells) + "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value escaped above


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
