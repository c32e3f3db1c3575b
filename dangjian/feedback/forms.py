from __future__ import annotations

from django import forms

from dangjian.core.forms import StyledForm

from .models import FeedbackCategory


class FeedbackForm(StyledForm):
    category = forms.ChoiceField(
        label="类别",
        choices=FeedbackCategory.choices,
        error_messages={"required": "请选择类别", "invalid_choice": "类别不在可选范围内，请重新选择"},
    )
    subject = forms.CharField(label="标题", max_length=100, error_messages={"required": "请填写标题"})
    text = forms.CharField(
        label="内容",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写内容"},
        help_text="哪个页面、要求填什么、重复在哪里，写得越具体越好处理。",
    )
    page_url = forms.CharField(label="涉及的页面（可不填）", max_length=300, required=False)


class ReplyForm(StyledForm):
    reply = forms.CharField(
        label="答复", widget=forms.Textarea(attrs={"rows": 4}), error_messages={"required": "请填写答复"}
    )
