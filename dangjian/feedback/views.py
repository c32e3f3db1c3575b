"""投诉建议 pages: write one and follow its answers; system administrators answer them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from dangjian.core.forms import add_service_errors
from dangjian.core.permissions import Perm

from . import selectors, services
from .forms import FeedbackForm, ReplyForm
from .models import FeedbackStatus

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def feedback_index(request: HttpRequest) -> HttpResponse:
    form = FeedbackForm(request.POST or None, initial={"page_url": request.GET.get("from", "")[:300]})
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已提交，系统管理员答复后会显示在下面的列表中")
            return redirect("feedback:index")
    status = request.GET.get("status", "")
    page = Paginator(selectors.feedback_list(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "status": status,
        "statuses": FeedbackStatus.choices,
        "can_reply": selectors.can_reply(request.user),
    }
    return render(request, "feedback/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        feedback = selectors.access_feedback(user=request.user, pk=pk, perm=Perm.FEEDBACK_REPLY)
    else:
        feedback = selectors.access_feedback(user=request.user, pk=pk)
    can_reply = selectors.can_reply(request.user)
    form = ReplyForm(request.POST or None, initial={"reply": feedback.reply}) if can_reply else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.feedback_reply(feedback=feedback, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已答复")
            return redirect("feedback:detail", pk=feedback.pk)
    crumbs = [("投诉建议", reverse("feedback:index"))]
    return render(request, "feedback/detail.html", {"feedback": feedback, "form": form, "crumbs": crumbs})
