"""Forms of the 调研 pages: shape and widgets only; the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from dangjian.core.forms import StyledForm
from dangjian.rectification.models import DeadlineType

from .models import VisitMethod

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TopicForm(StyledForm):
    org = forms.TypedChoiceField(label="组织", coerce=int, choices=())
    title = forms.CharField(label="课题", max_length=200)
    lead_leader = forms.CharField(label="牵头领导", max_length=50)
    team = forms.CharField(label="参与部门/人员", required=False, max_length=300)
    campaign = forms.CharField(label="所属主题教育", required=False, max_length=100)
    parent_topic = forms.TypedChoiceField(
        label="回答的上级课题（同题调研）", coerce=int, required=False, empty_value=None, choices=()
    )
    planned_visits = forms.CharField(
        label="调研计划（地点、时间、方式）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    report_due = forms.DateField(label="报告应交日期", required=False, widget=DATE)

    def __init__(self, *args: Any, orgs: Any = (), parents: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]
        self.fields["parent_topic"].choices = [("", "（不回答上级课题）")] + [
            (t.pk, f"{t.org.name}：{t.title}") for t in parents
        ]


class VisitForm(StyledForm):
    visited_on = forms.DateField(label="日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=200)
    method = forms.ChoiceField(label="方式", choices=VisitMethod.choices)
    people_met = forms.CharField(label="接触对象", required=False, max_length=300)
    findings = forms.CharField(label="发现的问题和情况", widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(StyledForm):
    file = forms.FileField(
        label="调研报告（.docx 或 .pdf）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
    )
    summary = forms.CharField(label="报告摘要", widget=forms.Textarea(attrs={"rows": 3}))


class ConvertProblemForm(StyledForm):
    description = forms.CharField(label="发现的问题", widget=forms.Textarea(attrs={"rows": 2}))
    target = forms.CharField(label="整改目标（量化）", required=False)
    patron_leader = forms.CharField(label="挂钩包案领导", required=False, max_length=50)
    deadline_type = forms.ChoiceField(label="整改时限类型", choices=DeadlineType.choices)
    due_on = forms.DateField(label="整改时限", required=False, widget=DATE)


class ConvertSuggestionForm(StyledForm):
    problem = forms.TypedChoiceField(label="对应的整改问题", coerce=int, choices=())
    text = forms.CharField(label="对策建议（转为整改措施）", widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label="责任人", required=False, max_length=50)
    due_on = forms.DateField(label="完成时限", required=False, widget=DATE)

    def __init__(self, *args: Any, problems: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [(p.pk, str(p)) for p in problems]
