"""Pages of the rectification ledger. Thin: fetch-and-authorise through the selectors, write
through the services, render. An item outside the user's scope, or one the user may see but
not act on, answers 404; a page no grant of the user allows answers 403. A form with errors
answers 400 with the errors beside their fields."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core import policy
from dangjian.core.forms import add_service_errors, run_form
from dangjian.core.permissions import Perm
from dangjian.orgs.excel.reader import WorkbookError

from . import excel, selectors, services
from .detector import LABELS
from .filtersets import WARNING_CHOICES, ProblemFilterSet
from .forms import LedgerImportForm, MeasureForm, ProblemForm, ProgressForm, RequestCloseForm, VerifyForm
from .models import DeadlineType, ProblemStatus

PAGE_SIZE = 50
OFFICE_LIST_SHOWN = 50  # rows of each office list on its page (the rest through the ledger's filter)


def _need_view(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.RECTIFICATION_VIEW):
        raise PermissionDenied("您无权查看检视整改台账")


@login_required
@require_GET
def problem_list(request: HttpRequest) -> HttpResponse:
    _need_view(request)
    filterset = ProblemFilterSet(request.GET or None, user=request.user)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.rows_of_page(page.object_list)
    short = dict(WARNING_CHOICES)
    for p in page.object_list:
        p.warning_badges = [(code, short.get(code, code)) for code in p.warning_codes]
    counts = selectors.status_counts(user=request.user)
    context = {
        "filterset": filterset,
        "filter_errors": filterset.errors_text() if filterset.is_bound else "",
        "page": page,
        "counts": counts,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in ProblemStatus.choices],
        "can_change": selectors.can_change(request.user),
        "can_export": policy.has_perm(request.user, Perm.EXPORT),
        "can_import": policy.has_perm(request.user, Perm.IMPORT) and selectors.can_change(request.user),
        "query": request.GET.urlencode(),
    }
    return render(request, "rectification/list.html", context)


@login_required
@require_GET
def office_lists(request: HttpRequest) -> HttpResponse:
    """逾期、即将到期、没有挂钩包案领导的县(市、区)."""
    _need_view(request)
    overdue = selectors.problem_overdue(user=request.user).order_by("due_on", "pk")
    soon = selectors.problem_soon_due(user=request.user).order_by("due_on", "pk")
    context = {
        # the most pressing first; the counts are the whole lists, linked to the filtered ledger
        "overdue": selectors.rows_of_page(overdue.values_list("pk", flat=True)[:OFFICE_LIST_SHOWN]),
        "overdue_count": overdue.count(),
        "soon": selectors.rows_of_page(soon.values_list("pk", flat=True)[:OFFICE_LIST_SHOWN]),
        "soon_count": soon.count(),
        "no_patron": selectors.counties_without_patron(user=request.user),
        "stale_long_term": selectors.rows_of_page(
            selectors.long_term_without_recent_note(user=request.user).values_list("pk", flat=True)[
                :OFFICE_LIST_SHOWN
            ]
        ),
        "progress_days": selectors.progress_days(),
        "soon_days": selectors.soon_days(),
    }
    return render(request, "rectification/lists.html", context)


def _form_page(
    request: HttpRequest, form: ProblemForm, *, title: str, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(request, "rectification/form.html", {"form": form, "title": title, **extra}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_change(request.user):
        raise PermissionDenied("您无权登记检视问题")
    orgs = selectors.change_orgs(user=request.user)
    activity = None
    activity_pk = request.POST.get("activity") or request.GET.get("activity")
    if activity_pk:
        activity = selectors.activity_for_link(user=request.user, pk=activity_pk)
    initial: dict[str, Any] = {"deadline_type": DeadlineType.DEADLINE}
    if activity is not None:
        initial |= {"activity": activity.pk, "org": activity.org_id, "source": "life_meeting"}
    form = ProblemForm(request.POST or None, orgs=orgs, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            org = selectors.org_for_change(user=request.user, pk=form.cleaned_data["org"])
            try:
                problem = services.problem_create(
                    org=org,
                    actor=request.user,
                    activity=activity,
                    measures=form.measures(),
                    **form.problem_data(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已登记")
                return redirect("rectification:detail", pk=problem.pk)
        return _form_page(request, form, title="登记检视问题", status=400, activity=activity)
    return _form_page(request, form, title="登记检视问题", activity=activity)


@login_required
@require_http_methods(["GET", "POST"])
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.access_problem(user=request.user, pk=pk, perm=Perm.RECTIFICATION_CHANGE)
    initial = {f: getattr(problem, f) for f in services.TEXT_FIELDS} | {
        "org": problem.org_id,
        "source": problem.source,
        "deadline_type": problem.deadline_type,
        "due_on": problem.due_on,
    }
    form = ProblemForm(request.POST or None, orgs=[problem.org], initial=initial, with_measures=False)
    form.fields["org"].disabled = True
    if request.method == "POST":
        if form.is_valid():
            try:
                services.problem_update(problem=problem, actor=request.user, data=form.problem_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("rectification:detail", pk=problem.pk)
        return _form_page(request, form, title="修改检视问题", status=400, problem=problem)
    return _form_page(request, form, title="修改检视问题", problem=problem)


def _detail(request: HttpRequest, problem: Any, *, status: int = 200, **forms: Any) -> HttpResponse:
    can_change = selectors.can_change_problem(request.user, problem)
    context = {
        "problem": problem,
        **selectors.problem_detail(problem=problem),
        "labels": LABELS,
        "can_change": can_change,
        "can_verify": selectors.can_verify_problem(request.user, problem),
        "measure_form": forms.get("measure_form") or MeasureForm(),
        "close_form": forms.get("close_form") or RequestCloseForm(),
        "verify_form": forms.get("verify_form") or VerifyForm(),
        "progress_form": forms.get("progress_form") or ProgressForm(),
    }
    return render(request, "rectification/detail.html", context, status=status)


@login_required
@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.access_problem(user=request.user, pk=pk))


def _act(request: HttpRequest, problem: Any, form: Any, name: str, run: Any, done: str) -> HttpResponse:
    return run_form(
        request,
        form=form,
        run=run,
        done=done,
        success=lambda: redirect("rectification:detail", pk=problem.pk),
        failure=lambda bad: _detail(request, problem, status=400, **{name: bad}),
    )


@login_required
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.access_problem(user=request.user, pk=pk, perm=Perm.RECTIFICATION_CHANGE)
    return _act(
        request,
        problem,
        MeasureForm(request.POST),
        "measure_form",
        lambda cd: services.measure_add(problem=problem, actor=request.user, **cd),
        "已添加整改措施",
    )


@login_required
@require_POST
def problem_start(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.access_problem(user=request.user, pk=pk, perm=Perm.RECTIFICATION_CHANGE)
    try:
        services.problem_start(problem=problem, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _detail(request, problem, status=400)
    messages.success(request, "已开始整改")
    return redirect("rectification:detail", pk=problem.pk)


@login_required
@require_POST
def problem_progress(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.access_problem(user=request.user, pk=pk, perm=Perm.RECTIFICATION_CHANGE)
    return _act(
        request,
        problem,
        ProgressForm(request.POST),
        "progress_form",
        lambda cd: services.problem_progress_note(problem=problem, actor=request.user, note=cd["note"]),
        "已记录进展",
    )


@login_required
@require_POST
def problem_request_close(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.access_problem(user=request.user, pk=pk, perm=Perm.RECTIFICATION_CHANGE)
    return _act(
        request,
        problem,
        RequestCloseForm(request.POST, request.FILES),
        "close_form",
        lambda cd: services.problem_request_close(
            problem=problem, actor=request.user, note=cd["note"], files=cd["files"]
        ),
        "已申请销号，等待上级审核",
    )


@login_required
@require_POST
def problem_verify(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.access_problem_for_verify(user=request.user, pk=pk)
    return _act(
        request,
        problem,
        VerifyForm(request.POST),
        "verify_form",
        lambda cd: services.problem_verify(
            problem=problem, actor=request.user, approve=cd["decision"] == "approve", reason=cd["reason"]
        ),
        "已审核",
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    evidence = selectors.access_evidence(user=request.user, problem_pk=pk, pk=evidence_pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)


@login_required
@require_GET
def duplicate_report(request: HttpRequest) -> HttpResponse:
    """上下一般粗: near-duplicate problems (``?kind=measure``: measures) of different orgs within
    the user's scope."""
    _need_view(request)
    kind = "measure" if request.GET.get("kind") == "measure" else "problem"
    summary = selectors.duplicate_summary(user=request.user, kind=kind)
    return render(request, "rectification/duplicates.html", {"summary": summary, "kind": kind})


# ---------------------------------------------------------------- Excel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The ledger of the filtered problems (any subtree with ?org=) in the offices' columns."""
    _need_view(request)
    if not policy.has_perm(request.user, Perm.EXPORT):
        raise PermissionDenied("您无权导出 Excel")
    filterset = ProblemFilterSet(request.GET or None, user=request.user)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponse(filterset.errors_text(), status=400, content_type="text/plain; charset=utf-8")
    buffer = io.BytesIO()
    excel.ledger_export(filterset.qs if filterset.is_bound else filterset.queryset, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6.xlsx"
    return response


def _need_import(request: HttpRequest) -> None:
    if not (policy.has_perm(request.user, Perm.IMPORT) and selectors.can_change(request.user)):
        raise PermissionDenied("您无权导入整改台账")


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest) -> HttpResponse:
    """Upload → every row checked → errors by row, or a preview to confirm."""
    _need_import(request)
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            upload = excel.upload_keep(uploaded=form.cleaned_data["file"], user_id=request.user.pk)
        except WorkbookError as exc:
            form.add_error("file", str(exc))
        else:
            plan = excel.ledger_validate(path=upload.path, user=request.user, file_name=upload.file_name)
            if plan.ok:
                return render(request, "rectification/import.html", {"plan": plan, "token": upload.token})
            upload.delete()
            context["plan"] = plan
        return render(request, "rectification/import.html", context, status=400)
    return render(
        request, "rectification/import.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def ledger_import_confirm(request: HttpRequest) -> HttpResponse:
    _need_import(request)
    upload = excel.upload_find(token=request.POST.get("token", ""), user_id=request.user.pk)
    if upload is None:
        raise policy.not_found()
    plan = excel.ledger_validate(path=upload.path, user=request.user, file_name=upload.file_name)
    try:
        count = excel.ledger_apply(plan=plan, actor=request.user)
    except ValidationError as exc:
        return render(
            request,
            "rectification/import.html",
            {"form": LedgerImportForm(), "plan": plan, "apply_error": "；".join(exc.messages)},
            status=400,
        )
    finally:
        upload.delete()
    messages.success(request, f"已导入 {count} 个问题")
    return redirect("rectification:list")
