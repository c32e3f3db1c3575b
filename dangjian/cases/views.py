"""Pages of 典型案例: list, write, submit, and review level by level. Thin views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core import policy
from dangjian.core.forms import add_service_errors
from dangjian.core.permissions import Perm

from . import selectors, services
from .filtersets import CaseFilterSet
from .forms import CaseForm, ReviewForm
from .models import CaseStatus

PAGE_SIZE = 50


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.CASE_VIEW):
        raise PermissionDenied("您无权查看典型案例")
    filterset = CaseFilterSet(request.GET or None, user=request.user)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    context = {
        "filterset": filterset,
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "awaiting": selectors.awaiting_my_review(user=request.user),
        "can_change": selectors.can_change(request.user),
    }
    return render(request, "cases/list.html", context)


def _form(request: HttpRequest, form: CaseForm, title: str, status: int = 200) -> HttpResponse:
    return render(request, "cases/form.html", {"form": form, "title": title}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_change(request.user):
        raise PermissionDenied("您无权报送典型案例")
    form = CaseForm(request.POST or None, orgs=selectors.change_orgs(user=request.user))
    if request.method == "POST":
        if form.is_valid():
            cd = form.cleaned_data
            org = selectors.org_for_change(user=request.user, pk=cd.pop("org"))
            try:
                case = services.case_create(org=org, actor=request.user, **cd)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已保存草稿，确认无误后请报送")
                return redirect("cases:detail", pk=case.pk)
        return _form(request, form, "撰写典型案例", 400)
    return _form(request, form, "撰写典型案例")


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.access_case(user=request.user, pk=pk, perm=Perm.CASE_CHANGE)
    initial = {f: getattr(case, f) for f in (*services.FIELDS, "kind")} | {"org": case.org_id}
    form = CaseForm(request.POST or None, orgs=[case.org], initial=initial)
    form.fields["org"].disabled = True
    if request.method == "POST":
        if form.is_valid():
            cd = form.cleaned_data
            cd.pop("org")
            try:
                services.case_update(case=case, actor=request.user, data=cd)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("cases:detail", pk=case.pk)
        return _form(request, form, "修改典型案例", 400)
    return _form(request, form, "修改典型案例")


def _detail(request: HttpRequest, case: Any, *, status: int = 200, review_form: Any = None) -> HttpResponse:
    context = {
        "case": case,
        "history": selectors.case_history(case=case),
        "can_change": selectors.can_change_case(request.user, case)
        and case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED),
        "can_review": services.can_review_case(request.user, case),
        "review_form": review_form or ReviewForm(),
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.access_case(user=request.user, pk=pk))


@login_required
@require_POST
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.access_case(user=request.user, pk=pk, perm=Perm.CASE_CHANGE)
    try:
        services.case_submit(case=case, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _detail(request, case, status=400)
    messages.success(request, "已报送，等待上级整改整治组审核")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_review(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.access_case_for_review(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.case_review(
                case=case,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已审核")
            return redirect("cases:detail", pk=case.pk)
    return _detail(request, case, status=400, review_form=form)
