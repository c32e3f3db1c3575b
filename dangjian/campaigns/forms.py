from __future__ import annotations

from django import forms

from .templates import load_templates


class StartForm(forms.Form):
    """启动主题教育: template, lead org, and optionally one batch on other dates."""

    template = forms.ChoiceField(label="模板")
    root = forms.IntegerField(label="牵头党组织", min_value=1, widget=forms.Select)
    batch = forms.CharField(label="批次", max_length=20, required=False, help_text="留空则启动模板的全部批次")
    starts_on = forms.DateField(
        label="批次开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label="批次结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, roots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.code, t.name) for t in load_templates().values()]
        self.fields["root"].widget.choices = [(o.pk, o.name) for o in roots]

    def clean(self):
        data = super().clean()
        if data.get("batch") and not (data.get("starts_on") and data.get("ends_on")):
            self.add_error("starts_on", "指定批次时请填写开始和结束日期")
        if not data.get("batch") and (data.get("starts_on") or data.get("ends_on")):
            self.add_error("batch", "填写日期时请写明是哪个批次（如“第二批”）")
        return data
