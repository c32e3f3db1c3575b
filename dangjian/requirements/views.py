"""Compliance pages: thin views over ``selectors``."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from dangjian.core import policy

from . import engine, selectors
from .engine import Span
from .models import Requirement


def _org(request: HttpRequest):
    raw = request.GET.get("org")
    if raw:
        return selectors.access_compliance_org(user=request.user, pk=raw)
    org = selectors.default_org(user=request.user)
    if org is None:
        raise policy.not_found()
    return org


def _window(request: HttpRequest) -> tuple[Span, str]:
    try:
        return selectors.resolve_period(request.GET.get("period")), ""
    except ValueError as exc:
        return selectors.resolve_period(None), str(exc)


def _requirement(request: HttpRequest) -> Requirement | None:
    raw = request.GET.get("requirement")
    return selectors.access_requirement(code_or_id=raw) if raw else None


def _digest(shown: object) -> str:
    """A cache key for a fragment from everything it shows (``repr`` of plain values): equal
    figures and names give the same HTML, any change gives a new key, so nothing is invalidated."""
    return hashlib.md5(repr(shown).encode(), usedforsecurity=False).hexdigest()


def _context(request: HttpRequest, **extra) -> dict:
    window, error = extra.pop("window_and_error")
    return {
        "window": window,
        "window_label": selectors.window_label(window),
        "period_error": error,
        # The picker's options depend on the day only: the template caches them under the day
        # and the chosen window, and calls the function on a miss.
        "period_choices": selectors.period_choices,
        "period_choices_day": engine.today().isoformat(),
        **extra,
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    selectors.require_view(user=request.user)
    org = _org(request)
    window, error = _window(request)
    data = selectors.dashboard(user=request.user, org=org, window=window)
    return render(
        request,
        "requirements/dashboard.html",
        _context(request, window_and_error=(window, error), org=org, data=data),
        status=400 if error else 200,
    )


@login_required
def lagging(request: HttpRequest) -> HttpResponse:
    selectors.require_view(user=request.user)
    org = _org(request)
    window, error = _window(request)
    requirement = _requirement(request)
    qs = selectors.lagging(user=request.user, org=org, window=window, requirement=requirement)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    urls = selectors.result_records_urls(results=page.object_list)
    rows = [
        {
            "result": r,
            "org_id": r.org_id,
            "org_name": r.org_name,
            "requirement_name": r.requirement.name,
            "period": f"{r.period_start.isoformat()} 至 {r.period_end.isoformat()}",
            "explanation": r.explanation,
            "records_url": url,
        }
        for r, url in zip(page.object_list, urls, strict=True)
    ]
    # The rows are cached under all they show, like the drill-down's table (their links to the
    # orgs are reversed only when the rows are rendered).
    rows_key = _digest([[v for k, v in row.items() if k != "result"] for row in rows])
    return render(
        request,
        "requirements/lagging.html",
        _context(
            request,
            window_and_error=(window, error),
            org=org,
            requirement=requirement,
            page=page,
            rows=rows,
            rows_key=rows_key,
        ),
        status=400 if error else 200,
    )


@login_required
def drill(request: HttpRequest) -> HttpResponse:
    selectors.require_view(user=request.user)
    org = _org(request)
    window, error = _window(request)
    requirement = _requirement(request)
    data = selectors.drill(user=request.user, org=org, window=window, requirement=requirement)
    # The links of a row share one query string (ids and a period key need no quoting).
    drill_url, dashboard_url, lagging_url = (
        reverse(f"compliance:{name}") for name in ("drill", "dashboard", "lagging")
    )
    tail = f"&requirement={requirement.pk}" if requirement else ""
    for row in data["rows"]:
        overview = f"org={row.org_id}&period={window.key}"
        row.links = {
            "drill": f"{drill_url}?{overview}{tail}",
            "overview": f"{dashboard_url}?{overview}",
            "lagging": f"{lagging_url}?{overview}{tail}",
        }
    # The table (about 250 cells) is cached under everything it shows: the same figures of the
    # same orgs render to the same HTML, and any change of a figure is a new key.
    shown = (
        drill_url,
        window.key,
        requirement.pk if requirement else None,
        [f.rule.name for f in data["figures"]],
        [row.signature() for row in data["rows"]],
    )
    data["table_key"] = _digest(shown)
    return render(
        request,
        "requirements/drill.html",
        _context(request, window_and_error=(window, error), org=org, data=data, requirement=requirement),
        status=400 if error else 200,
    )


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    selectors.require_view(user=request.user)
    org = _org(request)
    items = selectors.todo(user=request.user, org=org)
    return render(
        request,
        "requirements/todo.html",
        {"org": org, "items": items, "period_label": selectors.todo_label()},
    )


@login_required
@require_GET
def missing(request: HttpRequest, pk: int) -> HttpResponse:
    """The names behind a to-do item's "N 名党员尚未参加" (members the user may see)."""
    result = selectors.access_result(user=request.user, pk=pk)
    members = selectors.result_missing_members(user=request.user, result=result)
    context = {
        "result": result,
        "members": members,
        "crumbs": [("本期待办", f"{reverse('compliance:todo')}?org={result.org_id}")],
    }
    return render(request, "requirements/missing.html", context)


@login_required
def org_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    org = selectors.access_compliance_org(user=request.user, pk=org_id)
    rows = selectors.org_status(user=request.user, org=org)
    return render(request, "requirements/org.html", {"org": org, "rows": rows})
