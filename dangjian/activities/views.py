"""Pages for activity records. Thin: fetch-and-authorise through the selectors, write through the
services, render. An object outside the user's scope, or in scope but not changeable by the user,
answers 404; a page the user's roles never allow (recording for a 党员) answers 403.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core import policy
from dangjian.core.paging import BadCursor
from dangjian.core.permissions import Perm

from . import exports, selectors, services
from .filtersets import ActivityFilterSet, parse_period
from .forms import KIND_ORDER, ActivityForm, DeleteForm, attendance_from
from .models import ActivityKind, AttendanceStatus

# Rows a page of the list (each row two lines; a phone shows about six at once). Measured on the
# yanbian data, fifty rows cost about 1 ms (11 %) more per request than thirty: reading the
# rows and their kinds, and writing them.
PAGE_SIZE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _service_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


# The module's fixed links (tabs, filter form, exports), by key and URL name.
_URL_NAMES = ("list", "calendar", "mine", "absences", "create", "export_records", "export_attendance")


@lru_cache(maxsize=8)
def _urls(script_prefix: str) -> dict[str, str]:
    """The module's fixed links, resolved once per process (and script prefix) as the page
    frame's are: a ``{% url %}`` costs about 50 µs, and the list page wrote nine of them."""
    return {name: reverse(f"activities:{name}") for name in _URL_NAMES}


@receiver(setting_changed)
def _clear_urls(**kwargs: Any) -> None:
    _urls.cache_clear()


def _tabs(request: HttpRequest) -> dict[str, Any]:
    return {
        "can_record": selectors.can_record(request.user),
        "can_lists": selectors.can_see_lists(request.user),
        "links": _urls(get_script_prefix()),
    }


def _quarter(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _presets(today: dt.date, org: Any, kinds: list[str]) -> list[tuple[str, str]]:
    """The period shortcuts of the list, each with its query (the chosen org and kinds kept)."""
    keep = [("org", org)] if org else []
    keep += [("kind", k) for k in kinds]
    periods = (
        ("本月", f"{today:%Y-%m}"),
        ("本季度", _quarter(today)),
        ("本年", str(today.year)),
        ("上一年", str(today.year - 1)),
    )
    return [(label, urlencode([("period", value), *keep])) for label, value in periods]


# ---------------------------------------------------------------- list


def _list_rows(rows: list[dict[str, Any]]) -> None:
    """Adds to each list row (a dict of ``selectors.LIST_FIELDS``) what its line shows, as plain
    strings: the template then writes values only, without a tag or filter per row.

    The link is the detail path under the list's own (``<pk>/``, see urls.py), reversed once:
    ``reverse`` costs about 50 µs a call, as much as the rest of a row."""
    base = _urls(get_script_prefix())["list"]
    kinds = selectors.kinds_by_activity(activity_ids=[a["pk"] for a in rows])
    for a in rows:
        a["url"] = f"{base}{a['pk']}/"
        a["kinds"] = kinds.get(a["pk"], [])
        a["starts"] = timezone.localtime(a["starts_at"]).strftime("%Y-%m-%d %H:%M")
        counts = f" · 应到 {a['expected_count']} 实到 {a['present_count']}" if a["expected_count"] else ""
        a["meta"] = a["org__name"] + counts


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    """Newest first, a keyset page at a time. Without a date filter the list shows the last
    RECENT_MONTHS months (the page says so); the count stops at the cap."""
    filterset = ActivityFilterSet(request.GET, user=request.user)
    filterset.is_valid()
    filters = filterset.filters_dict()
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("page", None)
    recent_from = None
    if not filters["date_from"] and not filters["date_to"]:
        recent_from = selectors.recent_window_start(today)
        filters["date_from"] = recent_from
    export_query = query.copy()
    if recent_from:
        export_query["date_from"] = recent_from.isoformat()
    try:
        page = selectors.activity_page(
            user=request.user,
            filters=filters,
            cursor=request.GET.get("cursor"),
            size=PAGE_SIZE,
            fields=selectors.PAGE_FIELDS,
        )
    except BadCursor as exc:
        messages.warning(request, str(exc))
        page = selectors.activity_page(
            user=request.user, filters=filters, cursor=None, size=PAGE_SIZE, fields=selectors.PAGE_FIELDS
        )
    _list_rows(page.object_list)
    kind_selected = filterset.data.getlist("kind")  # empty values already dropped
    return render(
        request,
        "activities/list.html",
        {
            "filterset": filterset,
            "kind_selected": kind_selected,
            "kind_key": ",".join(sorted(k for k in kind_selected if k in ActivityKind.values)),
            "kind_chips": lambda: [(v, label, v in kind_selected) for v, label in ActivityKind.choices],
            "page": page,
            "recent_from": recent_from,
            "picked_org": filters["org"],
            **_tabs(request),
            "can_export": policy.has_perm(request.user, Perm.EXPORT)
            and selectors.can_see_lists(request.user),
            "query": query.urlencode(),
            "export_query": export_query.urlencode(),
            "presets": _presets(today, filterset.data.get("org"), kind_selected),
        },
    )


# ---------------------------------------------------------------- create / edit


def _people_context(
    *,
    org: Any,
    kinds: list[str],
    on: dt.date,
    current: dict[int, tuple[str, str]] | None = None,
    member_ids: list[int] | None = None,
    known: list[int] | tuple[int, ...] = (),
    selected: dict[str, Any] | None = None,
    lecturer_name: str = "",
) -> dict[str, Any]:
    """Context of the attendee partial: the attendance rows and the 主持人/记录人/授课人 options."""
    if org is None:
        return {"people_org": None, "rows": [], "options": [], "selected": {}}
    rows = services.attendee_rows(
        org=org, kinds=kinds, on=on, current=current, member_ids=member_ids, known=known
    )
    selected = dict(selected or {})
    if not selected.get("host"):
        selected["host"] = selectors.org_secretary_id(org=org)
    return {
        "people_org": org,
        "rows": rows,
        "options": list(selectors.org_members_for_select(org=org).values_list("pk", "name")),
        "selected": {k: int(v) if str(v).isdigit() else None for k, v in selected.items()},
        "statuses": AttendanceStatus,
        "expected": len(rows),
        "present": sum(1 for r in rows if r.status in services.ATTENDED),
        "show_lecturer": bool(set(kinds) & services.LECTURE_KINDS),
        "lecturer_name": lecturer_name,
    }


def _current_from(data: Any) -> dict[int, tuple[str, str]]:
    return {r["member_id"]: (r["status"], r["reason"]) for r in attendance_from(data)}


def _date_or_today(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return timezone.localdate()


def _kind_groups(org: Any, checked: list[str]) -> dict[str, Any]:
    """The form's kinds in two groups: those the rules in force ask of ``org`` (shown), the rest
    behind 更多 (opened when one of them is already chosen). All shown when nothing says."""
    asked = selectors.kinds_for_org(org=org)
    every = [(k.value, k.label) for k in KIND_ORDER]
    if not asked:
        return {"kinds_main": every, "kinds_more": [], "kinds_more_open": False, "checked_kinds": checked}
    more = [(v, label) for v, label in every if v not in asked]
    return {
        "kinds_main": [(v, label) for v, label in every if v in asked],
        "kinds_more": more,
        "kinds_more_open": any(v in checked for v, _ in more),
        "checked_kinds": checked,
    }


def _render_form(
    request: HttpRequest, form: ActivityForm, people: dict[str, Any], status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"form": form, "kind_order": KIND_ORDER, "orgs": selectors.recording_orgs(user=request.user)}
    context |= _kind_groups(people.get("people_org"), [str(k) for k in form["kinds"].value() or []])
    crumbs = [("组织生活", reverse("activities:list"))]
    activity = extra.get("activity")
    if activity is not None:
        crumbs.append((activity.topic, reverse("activities:detail", args=[activity.pk])))
    context = {**context, **people, **extra, "crumbs": crumbs}
    return render(request, "activities/form.html", context, status=status)


def _posted_org(request: HttpRequest, form: ActivityForm) -> Any:
    org = form.cleaned_data.get("org") if hasattr(form, "cleaned_data") else None
    if org is None and str(request.POST.get("org", "")).isdigit():
        try:
            org = selectors.org_for_recording(user=request.user, pk=request.POST["org"])
        except Http404:
            org = None
    return org


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_record(request.user):
        raise PermissionDenied("您无权记录组织生活")
    if request.method == "POST":
        form = ActivityForm(request.POST, request.FILES, user=request.user)
        attendance = attendance_from(request.POST)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                activity = services.activity_create(
                    org=cd["org"],
                    kinds=cd["kinds"],
                    actor=request.user,
                    attendance=attendance,
                    files=cd["attachments"],
                    **form.service_data(),
                )
            except ValidationError as exc:
                form.add_service_errors(_service_errors(exc))
            else:
                messages.success(
                    request, f"已记录。应到 {activity.expected_count}，实到 {activity.present_count}。"
                )
                return redirect("activities:detail", pk=activity.pk)
        people = _people_context(
            org=_posted_org(request, form),
            kinds=request.POST.getlist("kinds"),
            on=_date_or_today(request.POST.get("held_date")),
            current=_current_from(request.POST),
            member_ids=[r["member_id"] for r in attendance] or None,
            selected={k: request.POST.get(k) for k in ("host", "recorder", "lecturer")},
            lecturer_name=request.POST.get("lecturer_name", ""),
        )
        return _render_form(request, form, people, title="记录组织生活", status=400)
    org = None
    if str(request.GET.get("org", "")).isdigit():
        org = selectors.org_for_recording(user=request.user, pk=request.GET["org"])
    org = org or selectors.default_recording_org(user=request.user)
    # ``kind`` (repeatable) pre-selects kinds: a to-do item's 去记录 link names what is due.
    kinds = [k for k in request.GET.getlist("kind") if k in ActivityKind.values]
    now = timezone.localtime()
    form = ActivityForm(
        user=request.user,
        initial={
            "org": org.pk if org else None,
            "kinds": kinds,
            "held_date": now.date(),
            "start_time": now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0).time(),
        },
    )
    people = _people_context(org=org, kinds=kinds, on=now.date())
    return _render_form(request, form, people, title="记录组织生活")


@login_required
@require_GET
def activity_attendees(request: HttpRequest) -> HttpResponse:
    """The attendee list (and host/recorder options) for the org and kinds chosen so far (htmx)."""
    if not selectors.can_record(request.user):
        raise PermissionDenied("您无权记录组织生活")
    org = selectors.org_for_recording(user=request.user, pk=request.GET.get("org"))
    people = _people_context(
        org=org,
        kinds=request.GET.getlist("kinds"),
        on=_date_or_today(request.GET.get("held_date")),
        current=_current_from(request.GET),
        selected={k: request.GET.get(k) for k in ("host", "recorder", "lecturer")},
        lecturer_name=request.GET.get("lecturer_name", ""),
    )
    response = render(request, "activities/form.html#people", people)
    if request.GET.get("with_kinds"):
        # The org changed: the kinds it is asked for come along, swapped in out of band.
        kinds = _kind_groups(org, request.GET.getlist("kinds")) | {"oob": True}
        response.content += render(request, "activities/form.html#kinds", kinds).content
    return response


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.access_activity(user=request.user, pk=pk, perm=Perm.ACTIVITY_CHANGE)
    kinds = selectors.activity_kinds(activity=activity)
    attachments = list(selectors.activity_attachments(activity=activity))
    if request.method == "POST":
        form = ActivityForm(request.POST, request.FILES, user=request.user)
        attendance = attendance_from(request.POST)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.activity_update(
                    activity=activity,
                    actor=request.user,
                    org=cd["org"],
                    kinds=cd["kinds"],
                    attendance=attendance,
                    files=cd["attachments"],
                    remove_attachments=[
                        int(x) for x in request.POST.getlist("remove_attachment") if x.isdigit()
                    ],
                    **form.service_data(),
                )
            except ValidationError as exc:
                form.add_service_errors(_service_errors(exc))
            else:
                messages.success(request, "已保存修改。")
                return redirect("activities:detail", pk=activity.pk)
        people = _people_context(
            org=_posted_org(request, form),
            kinds=request.POST.getlist("kinds"),
            on=_date_or_today(request.POST.get("held_date")),
            current=_current_from(request.POST),
            member_ids=[r["member_id"] for r in attendance] or None,
            known=list(activity.attendances.values_list("member_id", flat=True)),
            selected={k: request.POST.get(k) for k in ("host", "recorder", "lecturer")},
            lecturer_name=request.POST.get("lecturer_name", ""),
        )
        return _render_form(
            request, form, people, title="修改记录", activity=activity, attachments=attachments, status=400
        )
    start = timezone.localtime(activity.starts_at)
    form = ActivityForm(
        user=request.user,
        initial={
            "org": activity.org_id,
            "kinds": kinds,
            "held_date": start.date(),
            "start_time": start.time().replace(second=0, microsecond=0),
            "end_time": timezone.localtime(activity.ends_at).time() if activity.ends_at else None,
            "place": activity.place,
            "topic": activity.topic,
            "lecturer_name": activity.lecturer_name,
            "content": activity.content,
            "resolutions": activity.resolutions,
            "observers": activity.observers,
        },
    )
    rows = list(activity.attendances.values_list("member_id", "status", "reason"))
    people = _people_context(
        org=activity.org,
        kinds=kinds,
        on=activity.held_on,
        current={m: (s, r) for m, s, r in rows},
        member_ids=[m for m, _, _ in rows] if rows else None,
        known=[m for m, _, _ in rows],
        selected={
            "host": activity.host_id,
            "recorder": activity.recorder_id,
            "lecturer": activity.lecturer_id,
        },
        lecturer_name=activity.lecturer_name,
    )
    return _render_form(request, form, people, title="修改记录", activity=activity, attachments=attachments)


# ---------------------------------------------------------------- detail / delete


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.access_activity(user=request.user, pk=pk)
    rows = list(selectors.activity_attendance(user=request.user, activity=activity))
    groups = {s: [r for r in rows if r.status == s] for s in AttendanceStatus.values}
    return render(
        request,
        "activities/detail.html",
        {
            "activity": activity,
            "kinds": selectors.kinds_by_activity(activity_ids=[activity.pk]).get(activity.pk, []),
            "rows": rows,
            "groups": [(AttendanceStatus(s).label, s, groups[s]) for s in AttendanceStatus.values],
            "attachments": selectors.activity_attachments(activity=activity),
            "can_change": selectors.sees_whole(request.user, Perm.ACTIVITY_CHANGE, activity.org_path),
            "whole": selectors.sees_whole(request.user, Perm.ACTIVITY_VIEW, activity.org_path),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.access_activity(user=request.user, pk=pk, perm=Perm.ACTIVITY_CHANGE)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_delete(
                activity=activity, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for field, msgs in _service_errors(exc).items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(request, "记录已删除（保留删除原因，可由系统管理员查询）。")
            return redirect("activities:list")
    return render(request, "activities/delete.html", {"activity": activity, "form": form})


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    attachment = selectors.access_attachment(user=request.user, activity_pk=pk, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件已丢失") from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


# ---------------------------------------------------------------- calendar / mine / absences


@login_required
@require_GET
def activity_calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        first, _ = parse_period(request.GET.get("month") or f"{today:%Y-%m}")
    except ValueError:
        first = today.replace(day=1)
    org = None
    if request.GET.get("org"):
        org = selectors.org_for_viewing(user=request.user, pk=request.GET["org"])
    else:
        org = selectors.default_recording_org(user=request.user)
        if org is None:
            orgs = selectors.viewing_orgs(user=request.user, limit=1)
            org = orgs[0] if orgs else None
        if org is None and getattr(request.user, "member", None) is not None:
            org = request.user.member.org
    weeks = (
        selectors.activity_calendar(user=request.user, org=org, year=first.year, month=first.month)
        if org
        else []
    )
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "activities/calendar.html",
        {
            "org": org,
            "first": first,
            "weeks": weeks,
            "prev": f"{prev_month:%Y-%m}",
            "next": f"{next_month:%Y-%m}" if next_month <= today.replace(day=1) else None,
            "weekdays": "一二三四五六日",
            **_tabs(request),
        },
    )


_STATUS_BADGES = {AttendanceStatus.ABSENT: "bg-red-lt", AttendanceStatus.LEAVE: "bg-yellow-lt"}
_STATUS_LABELS = dict(AttendanceStatus.choices)


def _mine_rows(rows: list[dict[str, Any]]) -> None:
    """Adds to each history row what its line shows, as plain strings (as ``_list_rows``)."""
    base = _urls(get_script_prefix())["list"]
    for r in rows:
        r["url"] = f"{base}{r['activity_id']}/"
        r["badge"] = _STATUS_BADGES.get(r["status"], "bg-green-lt")
        r["status_label"] = _STATUS_LABELS.get(r["status"], r["status"])
        starts = timezone.localtime(r["activity__starts_at"]).strftime("%Y-%m-%d %H:%M")
        parts = (starts, r["activity__org__name"], "、".join(r["kinds"]), r["reason"])
        r["line"] = " · ".join(part for part in parts if part)


@login_required
@require_GET
def activity_mine(request: HttpRequest) -> HttpResponse:
    member = selectors.own_member(user=request.user)
    participation = None
    if member is not None:
        participation = selectors.member_participation(user=request.user, member=member)
        _mine_rows(participation.rows)
    return render(
        request,
        "activities/mine.html",
        {
            "member": member,
            "p": participation,
            "count_cards": [(label, participation.counts[value]) for value, label in AttendanceStatus.choices]
            if participation
            else [],
            **_tabs(request),
        },
    )


@login_required
@require_GET
def activity_absences(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_lists(request.user):
        raise PermissionDenied("只有书记和党务工作者可以查看连续缺席提醒")
    org = None
    if request.GET.get("org"):
        org = selectors.org_for_viewing(user=request.user, pk=request.GET["org"])
    flags = selectors.absence_flags(user=request.user, org=org)
    return render(
        request,
        "activities/absences.html",
        {
            "flags": flags,
            "org": org,
            "threshold": selectors.absence_threshold(),
            **_tabs(request),
            "window": selectors.absence_window_days(),
        },
    )


# ---------------------------------------------------------------- ledgers


def _export(request: HttpRequest, ledger: str) -> HttpResponse:
    if not (policy.has_perm(request.user, Perm.EXPORT) and selectors.can_see_lists(request.user)):
        raise PermissionDenied("您无权导出台账")
    if request.GET.get("org"):
        selectors.org_for_viewing(user=request.user, pk=request.GET["org"])  # 404 outside the scope
    filterset = ActivityFilterSet(request.GET, user=request.user, perm=Perm.EXPORT)
    if not filterset.is_valid():
        messages.error(request, "导出条件有误：" + filterset.errors_text())
        return redirect(reverse("activities:list") + "?" + request.GET.urlencode())
    filters = filterset.filters_dict()
    org = filters["org"]
    name = org.name if org else "全部可见组织"
    out = exports.spooled()
    writer = exports.write_records if ledger == "records" else exports.write_attendance
    rows = writer(
        out,
        activities=filterset.qs,
        org_name=name,
        date_from=filters["date_from"],
        date_to=filters["date_to"],
    )
    services.export_logged(actor=request.user, ledger=ledger, org=org, filters=filters, rows=rows)
    out.seek(0)
    title = "三会一课记录" if ledger == "records" else "考勤统计"
    stamp = timezone.localtime().strftime("%Y%m%d")
    return FileResponse(out, as_attachment=True, filename=f"{title}_{name}_{stamp}.xlsx", content_type=XLSX)


@login_required
@require_GET
def export_records(request: HttpRequest) -> HttpResponse:
    return _export(request, "records")


@login_required
@require_GET
def export_attendance(request: HttpRequest) -> HttpResponse:
    return _export(request, "attendance")
