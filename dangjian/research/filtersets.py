"""The one FilterSet of 调研选题: the list page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from . import selectors
from .models import ResearchTopic, TopicStatus


class TopicFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=TopicStatus.choices)
    q = django_filters.CharFilter(label="课题包含", method="filter_q")

    class Meta:
        model = ResearchTopic
        fields: list[str] = []

    def __init__(self, data: Any = None, *, user: Any, **kwargs: Any) -> None:
        super().__init__(data, queryset=selectors.topic_list(user=user), **kwargs)

    def filter_q(self, queryset: QuerySet[ResearchTopic], name: str, value: str) -> QuerySet[ResearchTopic]:
        value = (value or "").strip()
        return queryset.filter(title__contains=value) if value else queryset
