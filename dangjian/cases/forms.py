"""Forms of the 典型案例 pages."""

from __future__ import annotations

from typing import Any

from django import forms

from dangjian.core.forms import StyledForm

from .models import CaseKind


def _area(label: str, required: bool = False) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": 3}))


class CaseForm(StyledForm):
    org = forms.TypedChoiceField(label="报送单位", coerce=int, choices=())
    kind = forms.ChoiceField(label="类型", choices=CaseKind.choices)
    title = forms.CharField(label="案例名称", max_length=200)
    event = _area("基本事实", True)
    nature = _area("性质")
    harm = _area("危害")
    cause = _area("原因")
    lesson = _area("教训/经验")
    measures = _area("整改或推广措施")

    def __init__(self, *args: Any, orgs: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(label="审核意见", choices=[("approve", "通过"), ("return", "退回修改")])
    comment = forms.CharField(
        label="意见（退回时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
