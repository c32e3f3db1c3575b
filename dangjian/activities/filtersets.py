"""The one FilterSet for activity records: used by the list page, the API and the ledger exports."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.http import Http404, QueryDict

from dangjian.core.permissions import Perm

from . import selectors
from .models import Activity, ActivityKind

_PERIOD = re.compile(r"^(\d{4})(?:(?:-|年)?(?:(Q|q)([1-4])|(H|h)([12])|(\d{1,2})月?))?$")


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """'2026' → the year; '2026Q3' → a quarter; '2026H1' → a half-year; '2026-05' → a month."""
    m = _PERIOD.match((text or "").strip())
    if not m:
        raise ValueError("期间格式应为 2026、2026Q3、2026H1 或 2026-05")
    year = int(m.group(1))
    if not 1949 <= year <= 2100:
        raise ValueError("期间的年份不正确")
    if m.group(3):
        q = int(m.group(3))
        first_month, last_month = 3 * q - 2, 3 * q
    elif m.group(5):
        h = int(m.group(5))
        first_month, last_month = 6 * h - 5, 6 * h
    elif m.group(6):
        month = int(m.group(6))
        if not 1 <= month <= 12:
            raise ValueError("期间的月份应为 1 至 12")
        first_month = last_month = month
    else:
        first_month, last_month = 1, 12
    return (
        dt.date(year, first_month, 1),
        dt.date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


class ActivityFilterForm(forms.Form):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        org_id = data.get("org")
        if org_id:
            try:
                data["org_obj"] = selectors.org_for_viewing(user=self.user, pk=org_id)
            except Http404:
                self.add_error("org", "组织不存在，或您无权查看")
        period = data.get("period")
        if period:
            try:
                data["period_from"], data["period_to"] = parse_period(period)
            except ValueError as exc:
                self.add_error("period", str(exc))
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return data


def _noop(queryset: Any, name: str, value: Any) -> Any:
    return queryset


class ActivityFilterSet(django_filters.FilterSet):
    """Filters: org (id; its subtree), kind (one or more), period (2026 / 2026Q3 / 2026H1 / 2026-05),
    date_from, date_to, q (topic contains). Build with ``user=``; ``qs`` is scoped to the user."""

    org = django_filters.NumberFilter(label="组织（含下级）", method=_noop)
    # Several kinds may be asked for at once (?kind=party_lecture&kind=special_lecture): a
    # requirement that counts 党课 and 专题党课 links to the records of both.
    kind = django_filters.MultipleChoiceFilter(label="类型", choices=ActivityKind.choices, method=_noop)
    period = django_filters.CharFilter(label="期间", method=_noop)
    date_from = django_filters.DateFilter(
        label="起始日期", method=_noop, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="截止日期", method=_noop, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = django_filters.CharFilter(label="议题", method=_noop)

    class Meta:
        model = Activity
        fields: list[str] = []
        form = ActivityFilterForm

    def __init__(self, data: Any = None, *, user: Any, perm: str = Perm.ACTIVITY_VIEW, **kwargs: Any) -> None:
        if isinstance(data, QueryDict) and "" in data.getlist("kind"):
            # "?kind=" is how the single type select said 全部类型: links kept from then still work.
            data = data.copy()
            data.setlist("kind", [k for k in data.getlist("kind") if k])
        self.user = user
        super().__init__(data, queryset=selectors.activity_visible(user=user, perm=perm), **kwargs)

    @property
    def form(self) -> Any:
        if not hasattr(self, "_form"):
            Form = self.get_form_class()
            if self.is_bound:
                self._form = Form(self.data, prefix=self.form_prefix, user=self.user)
            else:
                self._form = Form(prefix=self.form_prefix, user=self.user)
        return self._form

    def filters_dict(self) -> dict[str, Any]:
        """The cleaned filters as the selectors take them."""
        data = self.form.cleaned_data
        date_from = max(filter(None, (data.get("date_from"), data.get("period_from"))), default=None)
        date_to = min(filter(None, (data.get("date_to"), data.get("period_to"))), default=None)
        return {
            "org": data.get("org_obj"),
            "kinds": list(data.get("kind") or ()),
            "date_from": date_from,
            "date_to": date_to,
            "q": (data.get("q") or "").strip(),
        }

    def filter_queryset(self, queryset: Any) -> Any:
        return selectors.apply_filters(queryset, self.filters_dict())

    def errors_text(self) -> str:
        labels = {name: f.label for name, f in self.filters.items()}
        return "；".join(
            f"{labels.get(field, field)}：{'，'.join(msgs)}" for field, msgs in self.form.errors.items()
        )
