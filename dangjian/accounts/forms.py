from __future__ import annotations

from django import forms

from .services import NAME_MAX


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="用途",
        max_length=NAME_MAX,
        required=False,
        help_text="例如“财务系统对接”，便于日后辨认和吊销",
    )
