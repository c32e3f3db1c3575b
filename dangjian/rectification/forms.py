"""Forms of the rectification pages: shape and widgets only; the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from dangjian.activities.forms import MultipleFileField
from dangjian.core.forms import StyledForm

from .models import DeadlineType, ProblemSource

MEASURE_ROWS = 3
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProblemForm(StyledForm):
    org = forms.TypedChoiceField(label="责任单位", coerce=int, choices=())
    source = forms.ChoiceField(label="问题来源", choices=ProblemSource.choices)
    description = forms.CharField(label="问题", widget=forms.Textarea(attrs={"rows": 2}))
    manifestation = forms.CharField(
        label="具体表现", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    cause = forms.CharField(label="原因剖析", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.CharField(label="类别", required=False, max_length=50)
    target = forms.CharField(
        label="整改目标（量化）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="写清数字、时间或可检查的对象，例如“6月底前完成全部12个村的台账核对”",
    )
    patron_leader = forms.CharField(label="挂钩包案领导", required=False, max_length=50)
    responsible_leader = forms.CharField(label="责任领导", required=False, max_length=50)
    deadline_type = forms.ChoiceField(label="整改时限类型", choices=DeadlineType.choices)
    due_on = forms.DateField(label="整改时限", required=False, widget=DATE, help_text="限期整改必填")
    activity = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, orgs: list[Any] = (), with_measures: bool = True, **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]
        if with_measures:
            for i in range(1, MEASURE_ROWS + 1):
                self.fields[f"m{i}_text"] = forms.CharField(
                    label=f"整改措施 {i}",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                )
                self.fields[f"m{i}_owner"] = forms.CharField(
                    label=f"措施 {i} 责任人",
                    required=False,
                    max_length=50,
                    widget=forms.TextInput(attrs={"class": "form-control"}),
                )
                self.fields[f"m{i}_due_on"] = forms.DateField(
                    label=f"措施 {i} 完成时限",
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
                )

    def measures(self) -> list[dict[str, Any]]:
        cd = self.cleaned_data
        rows = []
        for i in range(1, MEASURE_ROWS + 1):
            if cd.get(f"m{i}_text") or cd.get(f"m{i}_owner") or cd.get(f"m{i}_due_on"):
                rows.append(
                    {
                        "text": cd.get(f"m{i}_text", ""),
                        "owner": cd.get(f"m{i}_owner", ""),
                        "due_on": cd.get(f"m{i}_due_on"),
                    }
                )
        return rows

    def problem_data(self) -> dict[str, Any]:
        cd = self.cleaned_data
        keys = (
            "source",
            "description",
            "manifestation",
            "cause",
            "category",
            "target",
            "patron_leader",
            "responsible_leader",
            "deadline_type",
            "due_on",
        )
        return {k: cd.get(k) for k in keys}


class MeasureForm(StyledForm):
    text = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label="责任人", required=False, max_length=50)
    due_on = forms.DateField(label="完成时限", required=False, widget=DATE)


class RequestCloseForm(StyledForm):
    note = forms.CharField(label="整改完成情况（销号申请说明）", widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label="佐证材料（照片、PDF、Word）", required=False)


class VerifyForm(StyledForm):
    decision = forms.ChoiceField(
        label="审核意见", choices=[("approve", "同意销号"), ("return", "退回重新整改")]
    )
    reason = forms.CharField(
        label="说明（退回时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProgressForm(StyledForm):
    note = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 2}))


class LedgerImportForm(StyledForm):
    file = forms.FileField(
        label="整改台账（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )
