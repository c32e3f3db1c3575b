"""Pages of 调查研究: the topic list with the office's lists, a topic's visits, report and
conversion list. Thin: selectors fetch and authorise (404), services write."""

from __future__ import annotations

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

from . import selectors, services
from .filtersets import TopicFilterSet
from .forms import ConvertProblemForm, ConvertSuggestionForm, ReportForm, TopicForm, VisitForm

PAGE_SIZE = 50
LISTS = {
    "without_visits": ("没有走访记录的课题", selectors.without_visits),
    "overdue": ("报告逾期未交", selectors.overdue_reports),
    "not_converted": ("报告已交但未转化（调而不研、研而不用）", selectors.reports_not_converted),
    "unanswered": ("下级无人作答的课题（同题作答）", selectors.unanswered_upper_topics),
}


def _need_view(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.RESEARCH_VIEW):
        raise PermissionDenied("您无权查看调查研究")


@login_required
@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    _need_view(request)
    which = request.GET.get("list", "")
    if which in LISTS:
        title, build = LISTS[which]
        qs = build(user=request.user).order_by("-created_at", "-pk")
        filterset = None
    else:
        title = "全部课题"
        filterset = TopicFilterSet(request.GET or None, user=request.user)
        qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    context = {
        "title": title,
        "which": which,
        "lists": [(k, v[0]) for k, v in LISTS.items()],
        "counts": selectors.office_counts(user=request.user),
        "filterset": filterset,
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_change": selectors.can_change(request.user),
    }
    return render(request, "research/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_change(request.user):
        raise PermissionDenied("您无权登记调研课题")
    orgs = selectors.change_orgs(user=request.user)
    org = orgs[0] if orgs else None
    if request.method == "POST" and request.POST.get("org", "").isdigit():
        org = next((o for o in orgs if o.pk == int(request.POST["org"])), org)
    parents = list(selectors.answerable_topics(org=org).select_related("org")[:200]) if org else []
    form = TopicForm(request.POST or None, orgs=orgs, parents=parents)
    if request.method == "POST":
        if form.is_valid():
            cd = form.cleaned_data
            target = selectors.org_for_change(user=request.user, pk=cd.pop("org"))
            parent = cd.pop("parent_topic")
            try:
                topic = services.topic_create(
                    org=target,
                    actor=request.user,
                    parent_topic=selectors.parent_topic_for(org=target, pk=parent) if parent else None,
                    **cd,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已登记课题")
                return redirect("research:detail", pk=topic.pk)
        return render(request, "research/form.html", {"form": form}, status=400)
    return render(request, "research/form.html", {"form": form})


def _detail(request: HttpRequest, topic: Any, *, status: int = 200, **forms: Any) -> HttpResponse:
    data = selectors.topic_detail(topic=topic)
    context = {
        "topic": topic,
        **data,
        "can_change": selectors.can_change_topic(request.user, topic),
        "visit_form": forms.get("visit_form") or VisitForm(),
        "report_form": forms.get("report_form") or ReportForm(),
        "problem_form": forms.get("problem_form") or ConvertProblemForm(),
        "suggestion_form": forms.get("suggestion_form")
        or ConvertSuggestionForm(problems=data["converted_problems"]),
    }
    return render(request, "research/detail.html", context, status=status)


@login_required
@require_GET
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.access_topic(user=request.user, pk=pk))


def _act(request: HttpRequest, topic: Any, form: Any, name: str, run: Any, done: str) -> HttpResponse:
    return run_form(
        request,
        form=form,
        run=run,
        done=done,
        success=lambda: redirect("research:detail", pk=topic.pk),
        failure=lambda bad: _detail(request, topic, status=400, **{name: bad}),
    )


@login_required
@require_POST
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.access_topic(user=request.user, pk=pk, perm=Perm.RESEARCH_CHANGE)
    return _act(
        request,
        topic,
        VisitForm(request.POST),
        "visit_form",
        lambda cd: services.visit_add(topic=topic, actor=request.user, **cd),
        "已记录走访",
    )


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.access_topic(user=request.user, pk=pk, perm=Perm.RESEARCH_CHANGE)
    return _act(
        request,
        topic,
        ReportForm(request.POST, request.FILES),
        "report_form",
        lambda cd: services.report_submit(
            topic=topic, actor=request.user, file=cd["file"], summary=cd["summary"]
        ),
        "已提交调研报告",
    )


@login_required
@require_POST
def convert_problem(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.access_report(user=request.user, topic_pk=pk, perm=Perm.RESEARCH_CHANGE)
    return _act(
        request,
        report.topic,
        ConvertProblemForm(request.POST),
        "problem_form",
        lambda cd: services.convert_problem(report=report, actor=request.user, **cd),
        "已转为整改问题",
    )


@login_required
@require_POST
def convert_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.access_report(user=request.user, topic_pk=pk, perm=Perm.RESEARCH_CHANGE)
    problems = selectors.topic_detail(topic=report.topic)["converted_problems"]
    form = ConvertSuggestionForm(request.POST, problems=problems)

    def run(cd: dict[str, Any]) -> None:
        problem = selectors.problem_of_report(report=report, pk=cd.pop("problem"))
        services.convert_suggestion(report=report, actor=request.user, problem=problem, **cd)

    return _act(request, report.topic, form, "suggestion_form", run, "已转为整改措施")


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = selectors.access_report(user=request.user, topic_pk=pk)
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.original_name)
