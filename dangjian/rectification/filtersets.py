"""The one FilterSet of the rectification ledger: the list page, the API and the Excel export."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.core.policy import subtree_q

from . import selectors
from .models import OPEN_STATUSES, DeadlineType, Problem, ProblemSource, ProblemStatus

WARNING_CHOICES = [
    ("any", "有任何提示"),
    ("unquantified", "未量化"),
    ("generic", "一般化"),
    ("restates_problem", "措施复述问题"),
    ("no_owner_or_date", "无责任人或时限"),
    ("near_duplicate", "上下一般粗/雷同"),
    ("self_verified", "销号无佐证或自证"),
]
DUE_CHOICES = [("overdue", "已逾期"), ("soon", "即将到期")]


class ProblemFilterForm(forms.Form):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        self.org_obj: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        org_id = data.get("org")
        if org_id:
            try:
                self.org_obj = selectors.org_for_view(user=self.user, pk=org_id)
            except Http404:
                self.add_error("org", "组织不存在，或您无权查看")
        return data


class ProblemFilterSet(django_filters.FilterSet):
    """Filters: org (its subtree), status, source, deadline_type, warning (a detector code or
    ``any``), due (overdue / soon), activity (the 生活会 that found it), q (text contains)."""

    org = django_filters.NumberFilter(label="组织（含下级）", method="filter_org")
    status = django_filters.ChoiceFilter(label="状态", choices=ProblemStatus.choices)
    source = django_filters.ChoiceFilter(label="来源", choices=ProblemSource.choices)
    deadline_type = django_filters.ChoiceFilter(label="时限", choices=DeadlineType.choices)
    warning = django_filters.ChoiceFilter(
        label="形式主义提示", choices=WARNING_CHOICES, method="filter_warning"
    )
    due = django_filters.ChoiceFilter(label="到期", choices=DUE_CHOICES, method="filter_due")
    activity = django_filters.NumberFilter(label="生活会记录", field_name="activity_id")
    q = django_filters.CharFilter(label="关键词", method="filter_q")

    class Meta:
        model = Problem
        fields: list[str] = []
        form = ProblemFilterForm

    def __init__(self, data: Any = None, *, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(data, queryset=selectors.problem_list(user=user), **kwargs)

    @property
    def form(self) -> Any:
        if not hasattr(self, "_form"):
            Form = self.get_form_class()
            self._form = Form(self.data if self.is_bound else None, prefix=self.form_prefix, user=self.user)
        return self._form

    def filter_org(self, queryset: QuerySet[Problem], name: str, value: Any) -> QuerySet[Problem]:
        org = self.form.org_obj
        return queryset.filter(subtree_q("org_path", org.path)) if org else queryset

    def filter_warning(self, queryset: QuerySet[Problem], name: str, value: str) -> QuerySet[Problem]:
        if value == "any":
            return selectors.any_warning(queryset)
        return selectors.with_warning(queryset, value) if value else queryset

    def filter_due(self, queryset: QuerySet[Problem], name: str, value: str) -> QuerySet[Problem]:
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(status__in=OPEN_STATUSES, due_on__lt=today)
        if value == "soon":
            soon = selectors.problem_soon_due(user=self.user, today=today).values("pk")
            return queryset.filter(pk__in=soon)
        return queryset

    def filter_q(self, queryset: QuerySet[Problem], name: str, value: str) -> QuerySet[Problem]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(description__contains=value) | Q(manifestation__contains=value))

    def errors_text(self) -> str:
        labels = {name: f.label for name, f in self.filters.items()}
        return "；".join(f"{labels.get(f, f)}：{'，'.join(m)}" for f, m in self.form.errors.items())
