"""Campaign pages for what units record besides activities: 宣传报道, the 人工确认 of manual
actions, the batch edit of the campaign office, and 流动党员 / 三新 self-study. Thin views over
``publicity``, ``confirmations``, ``services`` and ``selfstudy``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core import policy
from dangjian.core.forms import StyledForm, run_form
from dangjian.core.permissions import Perm
from dangjian.orgs import selectors as org_selectors
from dangjian.requirements import selectors as compliance

from . import confirmations, publicity, selectors, selfstudy
from .models import PublicityLevel, SelfStudyKind
from .services import CampaignError, batch_edit
from .views import _context

PAGE_SIZE = 50


def _date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


# ---------------------------------------------------------------- 宣传报道


class PublicityForm(StyledForm):
    org = forms.TypedChoiceField(label="单位", coerce=int, choices=())
    media = forms.CharField(label="媒体名称", max_length=100)
    level = forms.ChoiceField(label="媒体级别", choices=PublicityLevel.choices)
    title = forms.CharField(label="标题", max_length=200)
    published_on = _date_field("刊发日期")
    link = forms.CharField(
        label="链接", max_length=500, required=False, help_text="以 http:// 或 https:// 开头"
    )

    def __init__(self, *args: Any, orgs: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]


@login_required
@require_GET
def publicity_list(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, org, on, error = _context(request, pk)
    level = request.GET.get("level") or None
    if level not in (None, *PublicityLevel.values):
        level = None
    rows = publicity.publicity_list(user=request.user, campaign=campaign, org=org, level=level)
    return render(
        request,
        "campaigns/publicity_list.html",
        {
            "campaign": campaign,
            "org": org,
            "level": level,
            "levels": PublicityLevel.choices,
            "counts": publicity.publicity_counts(user=request.user, campaign=campaign, org=org),
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "can_record": policy.has_perm(request.user, Perm.ACTIVITY_CHANGE),
            "query": f"org={org.pk}" + (f"&level={level}" if level else ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def publicity_new(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.access_campaign(user=request.user, pk=pk)
    orgs = list(publicity.record_orgs(user=request.user, campaign=campaign))
    if not orgs:
        raise PermissionDenied("您无权为该主题教育登记宣传报道")
    initial = {"org": request.GET.get("org"), "published_on": timezone.localdate()}
    form = PublicityForm(request.POST or None, orgs=orgs, initial=initial)

    def page(f: PublicityForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "campaigns/record_form.html",
            {"form": f, "campaign": campaign, "title": "登记宣传报道"},
            status=status,
        )

    if request.method != "POST":
        return page(form)
    allowed = {o.pk: o for o in orgs}

    def run(cd: dict[str, Any]) -> None:
        org = allowed.get(cd.pop("org"))
        if org is None:
            raise ValidationError({"org": "请选择您可以登记的单位"})
        publicity.publicity_create(campaign=campaign, org=org, actor=request.user, **cd)

    return run_form(
        request,
        form=form,
        run=run,
        done="已登记宣传报道",
        success=lambda: redirect(
            reverse("campaigns:publicity", args=[campaign.pk]) + f"?org={form.cleaned_data.get('org') or ''}"
        ),
        failure=lambda f: page(f, 400),
    )


# ---------------------------------------------------------------- 人工确认


class ConfirmForm(StyledForm):
    done_on = _date_field("完成日期")
    note = forms.CharField(label="说明", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.FileField(label="佐证材料（可选）", required=False)


@login_required
@require_GET
def confirmation_list(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, org, on, error = _context(request, pk)
    subtree = compliance.sees_subtree(user=request.user, org=org)
    cells = confirmations.cells_for(user=request.user, campaign=campaign, org=org, on=on, subtree=subtree)
    # ?action=<id>&status=not_met: the cells behind one figure of the dashboard.
    action = request.GET.get("action") or ""
    status = request.GET.get("status") or ""
    status = "" if status == "all" else status
    cells = [
        c
        for c in cells
        if (not action.isdigit() or c.action.pk == int(action)) and (not status or c.status == status)
    ]
    rows = [(c, c.action.manual and confirmations.can_confirm(request.user, c.org)) for c in cells]
    return render(
        request,
        "campaigns/confirmations.html",
        {"campaign": campaign, "org": org, "on": on, "date_error": error, "rows": rows},
    )


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.access_campaign(user=request.user, pk=pk)
    org = org_selectors.access_org(
        user=request.user, pk=request.GET.get("org") or 0, perm=Perm.ACTIVITY_CHANGE
    )
    if not org.path.startswith(campaign.root.path):
        raise policy.not_found()
    raw = request.GET.get("action") or ""
    action = campaign.actions.filter(pk=int(raw) if raw.isdigit() else 0, manual=True).first()
    if action is None:
        raise policy.not_found()
    form = ConfirmForm(request.POST or None, request.FILES or None, initial={"done_on": timezone.localdate()})

    def page(f: ConfirmForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "campaigns/record_form.html",
            {
                "form": f,
                "campaign": campaign,
                "title": f"确认完成：{action.name} · {org.name}",
                "multipart": True,
                "hint": action.note,
            },
            status=status,
        )

    if request.method != "POST":
        return page(form)
    return run_form(
        request,
        form=form,
        run=lambda cd: confirmations.confirmation_create(
            action=action,
            org=org,
            actor=request.user,
            done_on=cd["done_on"],
            note=cd["note"],
            attachment=cd.get("attachment"),
        ),
        done=f"已确认“{action.name}”完成",
        success=lambda: redirect(reverse("campaigns:confirmations", args=[campaign.pk]) + f"?org={org.pk}"),
        failure=lambda f: page(f, 400),
    )


@login_required
@require_POST
def confirmation_withdraw(request: HttpRequest, cpk: int) -> HttpResponse:
    row = confirmations.access_confirmation(user=request.user, pk=cpk)
    try:
        confirmations.confirmation_withdraw(
            confirmation=row, actor=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已撤回“{row.action.name}”的确认")
    return redirect(reverse("campaigns:confirmations", args=[row.action.campaign_id]) + f"?org={row.org_id}")


# ---------------------------------------------------------------- 批次调整


ORG_CHOICES = 300


@login_required
@require_http_methods(["GET", "POST"])
def batch_edit_view(request: HttpRequest, pk: int, batch_pk: int) -> HttpResponse:
    """The campaign office edits a batch: dates, orgs, and deadlines of its one-off actions."""
    campaign = selectors.access_campaign(user=request.user, pk=pk)
    if not policy.allows_path(request.user, Perm.CAMPAIGN_CHANGE, campaign.root.path):
        raise PermissionDenied("只有主题教育牵头党组织的管理员可以调整批次")
    batch = selectors.access_batch(campaign=campaign, pk=batch_pk)
    root = campaign.root
    current = list(batch.orgs.all())
    choices = {
        o.pk: o
        for o in org_selectors.org_visible(user=request.user, perm=Perm.CAMPAIGN_CHANGE)
        .filter(path__startswith=root.path, depth__lte=root.depth + 2)
        .order_by("path")[:ORG_CHOICES]
    }
    for o in current:
        choices.setdefault(o.pk, o)
    from .judging import action_deadline

    actions = [
        (a, action_deadline(a, batch, campaign.template))
        for a in campaign.actions.filter(period="once").order_by("order")
        if not a.batch_names or batch.name in a.batch_names
    ]
    errors: list[str] = []
    values = {
        "starts_on": batch.starts_on.isoformat(),
        "ends_on": batch.ends_on.isoformat(),
        "orgs": {o.pk for o in current},
        "deadlines": {a.code: (batch.deadlines or {}).get(a.code, "") for a, _ in actions},
    }
    if request.method == "POST":
        values = {
            "starts_on": request.POST.get("starts_on", ""),
            "ends_on": request.POST.get("ends_on", ""),
            "orgs": {int(x) for x in request.POST.getlist("org") if x.isdigit()},
            "deadlines": {a.code: request.POST.get(f"deadline_{a.code}", "").strip() for a, _ in actions},
        }
        parsed: dict[str, Any] = {}
        for key, label in (("starts_on", "开始日期"), ("ends_on", "结束日期")):
            try:
                parsed[key] = dt.date.fromisoformat(values[key])
            except ValueError:
                errors.append(f"{label}：{values[key] or '空'} 不是有效日期，格式应为 YYYY-MM-DD")
        deadlines: dict[str, dt.date | None] = {}
        for code, raw in values["deadlines"].items():
            try:
                deadlines[code] = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                errors.append(f"规定动作 {code} 的截止日期：{raw} 不是有效日期，格式应为 YYYY-MM-DD")
        orgs = [choices[i] for i in values["orgs"] if i in choices]
        if not errors:
            try:
                batch_edit(
                    batch=batch,
                    starts_on=parsed["starts_on"],
                    ends_on=parsed["ends_on"],
                    orgs=orgs,
                    deadlines=deadlines,
                    actor=request.user,
                )
            except CampaignError as exc:
                errors = exc.messages
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, f"已保存批次 {batch.name} 的调整")
                return redirect(reverse("campaigns:batch_edit", args=[campaign.pk, batch.pk]))
    return render(
        request,
        "campaigns/batch_edit.html",
        {
            "campaign": campaign,
            "batch": batch,
            "batches": campaign.batches.order_by("order"),
            "values": values,
            "choices": sorted(choices.values(), key=lambda o: o.path),
            "base_depth": root.depth,
            "actions": actions,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- 流动党员、三新 自学


class MaterialForm(StyledForm):
    title = forms.CharField(label="学习资料", max_length=200)
    channel = forms.ChoiceField(label="送达方式", choices=[(c, c) for c in selfstudy.CHANNELS])
    sent_on = _date_field("送达日期")
    members = forms.TypedMultipleChoiceField(
        label="送达的党员", coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, members: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(m.pk, f"{m.name}（{why}）") for m, why in members]
        self.fields["members"].widget.attrs["class"] = "form-check-input"


@login_required
@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest, pk: int) -> HttpResponse:
    """The branch's page: its 流动党员 and 三新 members, materials sent, their self-study."""
    campaign = selectors.access_campaign(user=request.user, pk=pk)
    org = org_selectors.access_org(user=request.user, pk=request.GET.get("org") or 0, perm=Perm.ACTIVITY_VIEW)
    if not org.path.startswith(campaign.root.path):
        raise policy.not_found()
    today = timezone.localdate()
    eligible = selfstudy.eligible_members(org=org, on=today)
    can_send = selfstudy.can_send(request.user, org)
    form = MaterialForm(request.POST or None, members=eligible, initial={"sent_on": today})

    def page(f: MaterialForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "campaigns/materials.html",
            {
                "campaign": campaign,
                "org": org,
                "form": f if can_send else None,
                "eligible": eligible,
                **selfstudy.branch_records(user=request.user, campaign=campaign, org=org),
            },
            status=status,
        )

    if request.method != "POST":
        return page(form)
    if not can_send:
        raise PermissionDenied("您无权为该组织登记学习资料送达")
    by_pk = {m.pk: m for m, _ in eligible}
    return run_form(
        request,
        form=form,
        run=lambda cd: selfstudy.material_send(
            campaign=campaign,
            members=[by_pk[i] for i in cd["members"] if i in by_pk],
            actor=request.user,
            title=cd["title"],
            channel=cd["channel"],
            sent_on=cd["sent_on"],
        ),
        done="已登记学习资料送达",
        success=lambda: redirect(reverse("campaigns:materials", args=[campaign.pk]) + f"?org={org.pk}"),
        failure=lambda f: page(f, 400),
    )


class SelfStudyForm(StyledForm):
    campaign = forms.TypedChoiceField(label="主题教育", coerce=int, choices=())
    kind = forms.ChoiceField(label="类型", choices=SelfStudyKind.choices)
    studied_on = _date_field("日期")
    content = forms.CharField(
        label="学习内容和体会", max_length=3000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, campaigns: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(c.pk, c.name) for c in campaigns]


@login_required
@require_http_methods(["GET", "POST"])
def self_study(request: HttpRequest) -> HttpResponse:
    """The member's own page (phone-friendly): record 自学 / 党性分析; see materials sent."""
    member = getattr(request.user, "member", None)
    if member is None or member.deleted_at is not None:
        raise PermissionDenied("您的账号没有关联党员信息，请联系党务管理员关联")
    today = timezone.localdate()
    campaigns = list(selfstudy.member_campaigns(member=member, on=today))
    form = SelfStudyForm(request.POST or None, campaigns=campaigns, initial={"studied_on": today})
    context = {
        "member": member,
        "eligible": selfstudy.is_eligible(member, today),
        "campaigns": campaigns,
        **selfstudy.member_records(member=member),
    }

    def page(f: SelfStudyForm, status: int = 200) -> HttpResponse:
        return render(request, "campaigns/self_study.html", {**context, "form": f}, status=status)

    if request.method != "POST":
        return page(form)
    by_pk = {c.pk: c for c in campaigns}

    def run(cd: dict[str, Any]) -> None:
        campaign = by_pk.get(cd["campaign"])
        if campaign is None:
            raise ValidationError({"campaign": "请选择您所在党组织参加的主题教育"})
        selfstudy.self_study_record(
            campaign=campaign,
            member=member,
            actor=request.user,
            kind=cd["kind"],
            studied_on=cd["studied_on"],
            content=cd["content"],
        )

    return run_form(
        request,
        form=form,
        run=run,
        done="已记录，计入主题教育交流研讨",
        success=lambda: redirect("campaigns:self_study"),
        failure=lambda f: page(f, 400),
    )
