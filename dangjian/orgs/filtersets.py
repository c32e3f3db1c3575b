"""One FilterSet per listable model, shared by the pages, the Excel export and the JSON API.

The FilterSets only parse and validate the query; the filtering itself is done by the scoped
selectors (``selectors.member_list`` / ``selectors.org_list``), so every consumer gets the same
scope and the same rules. An ``org``/``subtree`` id the user cannot see is a validation error
on that field (and the result is empty), never a silent widening.

Usage::

    fs = MemberFilterSet(request.GET, user=request.user)
    if not fs.is_valid(): ...  # fs.errors holds Chinese messages per field
    members = fs.qs            # scoped, filtered, ordered QuerySet[Member]
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import Http404, QueryDict

from dangjian.core.permissions import Perm

from . import selectors
from .choices import (
    EDUCATION_CHOICES,
    OCCUPATION_CHOICES,
    Gender,
    MemberStatus,
    OccupationGroup,
    OrgKind,
    Sector,
    Standing,
)
from .models import Member, Org

MOBILITY_CHOICES = (("out", "流出党员"), ("in", "流入党员"), ("none", "非流动党员"))
ORG_NOT_VISIBLE = "组织不存在，或不在您的权限范围内"


class OrgIdFilter(django_filters.Filter):
    """An org id in the query string; the form resolves it to a visible ``Org``."""

    field_class = forms.IntegerField


class _SharedFields(dict):
    """A form class's ``base_fields`` that each form instance shares instead of deep-copying:
    the filter forms never change a field per instance, and copying ten fields with their
    choice lists cost as much as the member list's SQL."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


class _ScopedFilterForm(forms.Form):
    """Resolves org ids through ``selectors.access_org`` so out-of-scope ids are rejected."""

    user: Any = None
    org_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.org_fields:
            pk = cleaned.get(name)
            if pk in (None, ""):
                cleaned[name] = None
                continue
            try:
                cleaned[name] = selectors.access_org(user=self.user, pk=pk, perm=Perm.ORG_VIEW)
            except Http404:
                self.add_error(name, ORG_NOT_VISIBLE)
        return cleaned


class _MemberFilterForm(_ScopedFilterForm):
    org_fields = ("org",)


class _OrgFilterForm(_ScopedFilterForm):
    org_fields = ("subtree",)


class _QueryData(QueryDict):
    """A query string whose ``get`` of an absent key is a dict lookup: QueryDict raises and
    catches an exception for each absent key, and a filter form asks for every field."""

    @classmethod
    def of(cls, data: QueryDict) -> _QueryData:
        copy = cls(mutable=True)
        for key, values in data.lists():
            copy.setlist(key, values)
        copy._mutable = False
        return copy

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key, default) if key in self else default


class _ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet bound to a user whose ``qs`` comes from a scoped selector."""

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        user: Any = None,
        prefix: str | None = None,
    ) -> None:
        # Not django-filter's __init__: it deep-copies every filter per instance so that each
        # can filter a queryset; here the filters only describe the form (the selectors do the
        # filtering), so they are shared and the form class is built once per FilterSet class.
        self.user = user if user is not None else getattr(request, "user", None)
        self.is_bound = data is not None
        self.data = _QueryData.of(data) if isinstance(data, QueryDict) else (data or QueryDict())
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            for field in form_class.base_fields.values():
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)
            form_class.base_fields = _SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return form_class

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            if self.is_bound:
                self._form = form_class(self.data, prefix=self.form_prefix)
            else:
                self._form = form_class(prefix=self.form_prefix)
            self._form.user = self.user
        return self._form

    def filter_values(self) -> dict[str, Any]:
        """The cleaned filter values (empty ones dropped); {} when unbound."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "")}

    def select(self, filters: dict[str, Any]) -> QuerySet:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            if self.is_bound and not self.form.is_valid():
                self._qs = self.select({}).none()
            else:
                self._qs = self.select(self.filter_values())
        return self._qs


ANY = "不限"
YES_NO = forms.Select(choices=(("", ANY), ("true", "是"), ("false", "否")))


def _noop(queryset: QuerySet, name: str, value: Any) -> QuerySet:
    return queryset


class MemberFilterSet(_ScopedFilterSet):
    """Filters of the member list (page, Excel export, API)."""

    q = django_filters.CharFilter(label="姓名或拼音", method=_noop)
    org = OrgIdFilter(label="组织（含下级）", method=_noop)
    status = django_filters.ChoiceFilter(
        label="人员类别", choices=MemberStatus.choices, empty_label=ANY, method=_noop
    )
    occupation_group = django_filters.ChoiceFilter(
        label="工作岗位类别", choices=OccupationGroup.choices, empty_label=ANY, method=_noop
    )
    occupation = django_filters.ChoiceFilter(
        label="工作岗位", choices=OCCUPATION_CHOICES, empty_label=ANY, method=_noop
    )
    gender = django_filters.ChoiceFilter(label="性别", choices=Gender.choices, empty_label=ANY, method=_noop)
    education = django_filters.ChoiceFilter(
        label="学历", choices=EDUCATION_CHOICES, empty_label=ANY, method=_noop
    )
    standing = django_filters.ChoiceFilter(
        label="党籍状态", choices=Standing.choices, empty_label=ANY, method=_noop
    )
    mobility = django_filters.ChoiceFilter(
        label="流动党员", choices=MOBILITY_CHOICES, empty_label=ANY, method=_noop
    )
    leading_cadre = django_filters.BooleanFilter(label="县处级以上领导干部", widget=YES_NO, method=_noop)
    lost_contact = django_filters.BooleanFilter(label="失联党员", widget=YES_NO, method=_noop)

    class Meta:
        model = Member
        fields: list[str] = []
        form = _MemberFilterForm

    def select(self, filters: dict[str, Any]) -> QuerySet[Member]:
        return selectors.member_list(user=self.user, filters=filters)


class OrgFilterSet(_ScopedFilterSet):
    """Filters of org lists (search box, API)."""

    q = django_filters.CharFilter(label="组织名称或所在单位", method=_noop)
    kind = django_filters.ChoiceFilter(
        label="组织类别", choices=OrgKind.choices, empty_label=ANY, method=_noop
    )
    sector = django_filters.ChoiceFilter(
        label="单位类别", choices=Sector.choices, empty_label=ANY, method=_noop
    )
    subtree = OrgIdFilter(label="上级组织（含下级）", method=_noop)

    class Meta:
        model = Org
        fields: list[str] = []
        form = _OrgFilterForm

    def __init__(
        self, data: Any = None, queryset: QuerySet | None = None, *, perm: str = Perm.ORG_VIEW, **kw: Any
    ):
        """``perm``: list only orgs where the user holds it (e.g. transfer targets)."""
        self.perm = perm
        super().__init__(data, queryset, **kw)

    def select(self, filters: dict[str, Any]) -> QuerySet[Org]:
        return selectors.org_list(user=self.user, filters=filters, perm=self.perm)
