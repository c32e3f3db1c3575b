"""Forms of the activity pages. They parse input; every rule is checked by the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import Http404, QueryDict
from django.utils import timezone

from dangjian.core import bounds
from dangjian.orgs.models import Member

from . import selectors, services
from .models import ActivityKind, AttendanceStatus

# Shown first: what a branch records most often.
KIND_ORDER = [
    ActivityKind.THEME_DAY,
    ActivityKind.COMMITTEE_MEETING,
    ActivityKind.GENERAL_MEETING,
    ActivityKind.GROUP_MEETING,
    ActivityKind.PARTY_LECTURE,
    ActivityKind.GROUP_STUDY,
    ActivityKind.ORG_LIFE_MEETING,
    ActivityKind.MEMBER_APPRAISAL,
    ActivityKind.SEMINAR,
    ActivityKind.HEART_TO_HEART_TALK,
    ActivityKind.SPECIAL_LECTURE,
    ActivityKind.CENTRAL_GROUP_STUDY,
    ActivityKind.READING_CLASS,
    ActivityKind.DEMOCRATIC_LIFE_MEETING,
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf,.doc,.docx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _member_or_error(form: forms.Form, field: str, value: Any) -> Member | None:
    if not value:
        return None
    pk = bounds.parse_id(value)
    member = Member.objects.alive().filter(pk=pk).first() if pk else None
    if member is None:  # the same words as for someone of another org: ids are not an oracle
        form.add_error(field, services.person_error(field, org=form.cleaned_data.get("org")))
    return member


class ActivityForm(forms.Form):
    org = forms.IntegerField(label="组织", error_messages={"required": "请选择组织"})
    kinds = forms.MultipleChoiceField(
        label="类型（可多选）",
        choices=[(k.value, k.label) for k in KIND_ORDER],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一种类型", "invalid_choice": "未知的类型：%(value)s"},
    )
    held_date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写日期", "invalid": "日期格式不正确"},
    )
    start_time = forms.TimeField(
        label="开始",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "请填写开始时间", "invalid": "时间格式不正确"},
    )
    end_time = forms.TimeField(
        label="结束",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "时间格式不正确"},
    )
    place = forms.CharField(label="地点", required=False, max_length=200)
    topic = forms.CharField(label="议题/主题", max_length=200, error_messages={"required": "请填写议题/主题"})
    host = forms.IntegerField(label="主持人", required=False)
    recorder = forms.IntegerField(label="记录人", required=False)
    lecturer = forms.IntegerField(label="授课人", required=False)
    lecturer_name = forms.CharField(label="外请授课人", required=False, max_length=50)
    content = forms.CharField(label="内容/纪要", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    resolutions = forms.CharField(label="决议事项", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    observers = forms.CharField(label="列席人员", required=False, max_length=200)
    attachments = MultipleFileField(label="附件（可选：照片、PDF、Word）", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        self.attendance_errors: list[str] = []
        super().__init__(*args, **kwargs)

    def clean_held_date(self) -> Any:
        day = self.cleaned_data["held_date"]
        if error := bounds.record_date_error(day, "日期"):
            raise forms.ValidationError(error)
        return day

    def clean_org(self) -> Any:
        try:
            return selectors.org_for_recording(user=self.user, pk=self.cleaned_data["org"])
        except Http404:
            raise forms.ValidationError("组织不存在，或您无权为其记录组织生活") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for field in ("host", "recorder", "lecturer"):
            data[field] = _member_or_error(self, field, data.get(field))
        day, start, end = data.get("held_date"), data.get("start_time"), data.get("end_time")
        if day and start:
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(day, start))
            if end:
                data["ends_at"] = timezone.make_aware(dt.datetime.combine(day, end))
        return data

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "topic": d["topic"],
            "starts_at": d["starts_at"],
            "ends_at": d.get("ends_at"),
            "place": d.get("place", ""),
            "host": d.get("host"),
            "recorder": d.get("recorder"),
            "lecturer": d.get("lecturer"),
            "lecturer_name": d.get("lecturer_name", ""),
            "content": d.get("content", ""),
            "resolutions": d.get("resolutions", ""),
            "observers": d.get("observers", ""),
        }

    # Service errors name model fields; show them next to the inputs that produce them.
    ERROR_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        self.attendance_errors = list(errors.get("attendance", []))
        for field, messages in errors.items():
            target = self.ERROR_FIELDS.get(field, field)
            if target not in self.fields:
                target = None
            for message in messages:
                self.add_error(target, message)


def attendance_from(data: QueryDict) -> list[dict[str, Any]]:
    """Attendance posted by the form: ``attendee`` ids in order, ``att_<id>``, ``reason_<id>``."""
    rows = []
    for raw in data.getlist("attendee"):
        if not raw.isdigit():
            continue
        rows.append(
            {
                "member_id": int(raw),
                "status": data.get(f"att_{raw}", AttendanceStatus.PRESENT),
                "reason": data.get(f"reason_{raw}", ""),
            }
        )
    return rows


class DeleteForm(forms.Form):
    reason = forms.CharField(label="删除原因", max_length=200, error_messages={"required": "请填写删除原因"})
