"""Forms of the org and member pages.

Forms only parse input. The domain checks are the services' own (``services.org_check``,
``services.member_check``) so a page shows exactly the messages the API and the importer give,
next to the field they concern; whatever a service still rejects on save is put back on the
form with ``add_service_errors``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404

from dangjian.core.forms import StyledForm, add_service_errors
from dangjian.core.permissions import Perm

from . import selectors, services
from .choices import Mobility, PositionTitle, Standing
from .models import Member, Org

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---------------------------------------------------------------- orgs

_ORG_FIELDS = forms.fields_for_model(
    Org,
    fields=list(services.ORG_FIELDS),
    widgets={"founded_on": DATE, "term_start": DATE, "term_due": DATE, "records_from": DATE},
)


class OrgForm(StyledForm):
    """Create (under ``parent``) or edit an org."""

    def __init__(self, *args: Any, parent: Org | None, editing: bool = False, **kwargs: Any) -> None:
        self.base_fields = {k: v for k, v in _ORG_FIELDS.items()}
        if editing:
            self.base_fields["changed_on"] = forms.DateField(
                label="类别变更生效日期",
                required=False,
                widget=DATE,
                help_text="改变组织类别、单位类别或领导班子标记时填写，不填为今天；此前开始的期间仍按原来的情况判定",
            )
        super().__init__(*args, **kwargs)
        self.parent = parent
        self.fields["term_due"].help_text = "留空则按实际换届时间和任期自动计算"
        self.fields["term_years"].help_text = "留空则按组织类别取默认任期"
        self.fields["term_start"].help_text = "党组、党工委、临时党支部不实行换届，任期各项留空"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        add_service_errors(self, services.org_check(cleaned, parent=self.parent))
        return cleaned

    @staticmethod
    def initial_for(org: Org) -> dict[str, Any]:
        return {f: getattr(org, f) for f in services.ORG_FIELDS}


class OrgPickField(forms.IntegerField):
    """An org chosen with the org picker (a search box filling a hidden id)."""

    widget = forms.HiddenInput


class OrgMoveForm(StyledForm):
    new_parent = OrgPickField(label="新的上级组织", error_messages={"required": "请选择新的上级组织"})

    def __init__(self, *args: Any, user: Any, org: Org, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.org = user, org

    def clean_new_parent(self) -> Org:
        try:
            parent = selectors.access_org(
                user=self.user, pk=self.cleaned_data["new_parent"], perm=Perm.ORG_CHANGE
            )
        except Http404:
            raise ValidationError("该组织不存在，或您无权在其下设立组织") from None
        if parent.path.startswith(self.org.path):
            raise ValidationError("不能把组织移到它自己或它的下级组织之下")
        return parent


# ---------------------------------------------------------------- members

MEMBER_FORM_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "status",
    "joined_on",
    "full_member_on",
    "probation_extension_months",
    "occupation",
    "standing",
    "party_group",
    "lost_contact",
    "lost_contact_on",
    "leading_cadre",
    "landline",
    "address",
    "note",
]

_MEMBER_FIELDS = forms.fields_for_model(
    Member,
    fields=MEMBER_FORM_FIELDS,
    widgets={
        "birth_date": DATE,
        "joined_on": DATE,
        "full_member_on": DATE,
        "lost_contact_on": DATE,
    },
)


class MemberForm(StyledForm):
    """Create a member in ``org`` or edit ``member``.

    On edit, an empty 身份证号 or 手机号 keeps the stored value (the page never holds it in
    clear); on create the 身份证号 is required.
    """

    def __init__(self, *args: Any, org: Org, member: Member | None = None, **kwargs: Any) -> None:
        fields: dict[str, forms.Field] = {}
        for name, field in _MEMBER_FIELDS.items():
            fields[name] = field
            if name == "name":
                fields["id_number"] = forms.CharField(
                    label="公民身份证号",
                    max_length=18,
                    required=member is None,
                    help_text="留空则不修改" if member else "18 位，末位可为 X；出生日期和性别须与之一致",
                )
        fields["phone"] = forms.CharField(
            label="手机号", max_length=20, required=False, help_text="留空则不修改" if member else ""
        )
        self.base_fields = fields
        super().__init__(*args, **kwargs)
        self.org, self.member = org, member
        self.fields["standing"].required = False
        group_field = self.fields["party_group"]
        group_field.queryset = selectors.org_groups(org=org)  # type: ignore[attr-defined]
        if member is not None:
            self.fields["id_number"].widget.attrs["placeholder"] = member.id_number_masked
            self.fields["phone"].widget.attrs["placeholder"] = member.phone_masked

    def service_data(self) -> dict[str, Any]:
        """Cleaned values as the services take them (blank PII dropped on edit)."""
        data = {k: v for k, v in self.cleaned_data.items() if k in MEMBER_FORM_FIELDS}
        data["standing"] = data.get("standing") or Standing.NORMAL
        for key in ("id_number", "phone"):
            value = (self.cleaned_data.get(key) or "").strip()
            if value or (self.member is None and key == "id_number"):
                data[key] = value
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        data = self.service_data()
        if self.member is not None:
            current = {f: getattr(self.member, f) for f in services.MEMBER_FIELDS}
            data = current | data
        add_service_errors(self, services.member_check(data, org=self.org))
        return cleaned

    @staticmethod
    def initial_for(member: Member) -> dict[str, Any]:
        initial = {f: getattr(member, f) for f in MEMBER_FORM_FIELDS if f != "party_group"}
        initial["party_group"] = member.party_group_id
        return initial


class TransferForm(StyledForm):
    to_org = OrgPickField(label="转入组织", error_messages={"required": "请选择转入组织"})
    on = forms.DateField(label="转接日期", widget=DATE)
    reason = forms.CharField(label="转接原因", max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_to_org(self) -> Org:
        try:
            return selectors.access_org(
                user=self.user, pk=self.cleaned_data["to_org"], perm=Perm.MEMBER_TRANSFER
            )
        except Http404:
            raise ValidationError("转入组织不存在，或您无权向其转入党员") from None


class PositionAssignForm(StyledForm):
    org = forms.ModelChoiceField(label="任职组织", queryset=Org.objects.none(), empty_label=None)
    title = forms.ChoiceField(label="职务", choices=PositionTitle.choices)
    started_on = forms.DateField(label="任职日期", widget=DATE)

    def __init__(self, *args: Any, user: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = selectors.member_position_orgs(  # type: ignore[attr-defined]
            user=user, member=member
        )


class MemberDeleteForm(StyledForm):
    reason = forms.CharField(label="删除原因", max_length=200, error_messages={"required": "请填写删除原因"})


class EndDateForm(StyledForm):
    """The end date of a post or of a 流动 period."""

    ended_on = forms.DateField(label="结束日期", widget=DATE)


class MobilityStartForm(StyledForm):
    direction = forms.ChoiceField(label="流动方向", choices=Mobility.choices)
    place = forms.CharField(label="外出流向/流入地", max_length=200)
    host_org_name = forms.CharField(label="流入地党组织名称", max_length=120, required=False)
    contact = forms.CharField(label="联系方式", max_length=100, required=False)
    started_on = forms.DateField(label="开始日期", widget=DATE)
