"""The one FilterSet of 典型案例: the list page and the API."""

from __future__ import annotations

from typing import Any

import django_filters

from . import selectors
from .models import CaseKind, CaseStatus, TypicalCase


class CaseFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="类型", choices=CaseKind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=CaseStatus.choices)

    class Meta:
        model = TypicalCase
        fields: list[str] = []

    def __init__(self, data: Any = None, *, user: Any, **kwargs: Any) -> None:
        super().__init__(data, queryset=selectors.case_list(user=user), **kwargs)
