"""Page links for lists: numbers around the current page and at the ends (Django's elided page
range), and the list's query as hidden fields for the 跳至 form."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page
from django.http import QueryDict

register = template.Library()


@register.simple_tag
def page_numbers(page: Page) -> list[Any]:
    """E.g. 1 … 4 5 6 … 62 for page 5 of 62 (the ellipsis is Paginator.ELLIPSIS)."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


@register.simple_tag
def query_fields(query: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of an URL query, page left out."""
    return [(k, v) for k, values in QueryDict(query or "").lists() if k != "page" for v in values]
