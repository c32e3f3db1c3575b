"""人工确认 of ``manual`` required actions: the org (or a level above it) confirms "已完成" with a
note and an optional attachment, and may withdraw it. Who and when are kept on the row (a
withdrawal keeps the row) and in the audit trail; only a current confirmation counts (``judging``).

Confirming needs 记录组织生活 on the org: its own office, or an office above it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import policy
from dangjian.core.audit import audit
from dangjian.core.ledger import check_date, check_files, clean_text, raise_if, who
from dangjian.core.permissions import Perm
from dangjian.orgs.models import Org

from . import judging
from .figures import figures_changed
from .models import ActionConfirmation, Campaign, RequiredAction


def can_confirm(user: Any, org: Org) -> bool:
    return policy.allows_path(user, Perm.ACTIVITY_CHANGE, org.path)


def access_confirmation(*, user: Any, pk: Any) -> ActionConfirmation:
    """A confirmation the user may withdraw (记录组织生活 on its org): 404 otherwise."""
    row = (
        ActionConfirmation.objects.filter(pk=pk).select_related("action", "action__campaign", "org").first()
        if str(pk).isdigit()
        else None
    )
    if row is None or not can_confirm(user, row.org):
        raise policy.not_found()
    return row


def cells_for(*, user: Any, campaign: Campaign, org: Org, on: dt.date, subtree: bool) -> list[judging.Cell]:
    """The cells of the actions judged by confirmation or ledger for ``org`` (and its subtree)."""
    return judging.cells(campaign=campaign, on=on, scope=judging.read_scope(subtree=subtree, org=org))


@transaction.atomic
def confirmation_create(
    *,
    action: RequiredAction,
    org: Org,
    actor: Any,
    done_on: Any,
    note: Any,
    attachment: UploadedFile | None = None,
) -> ActionConfirmation:
    """Confirm ``action`` as done by ``org``. Chinese errors by field; nothing saved on any."""
    campaign = action.campaign
    errors: dict[str, str] = {}
    text = clean_text(errors, "note", note, "说明", 1000, required=True)
    day = check_date(errors, "done_on", done_on, "完成日期")
    today = timezone.localdate()
    if day is None and "done_on" not in errors:
        errors["done_on"] = "请填写完成日期"
    elif day is not None and not campaign.starts_on <= day <= min(campaign.ends_on, today):
        errors["done_on"] = (
            f"完成日期 {day} 应在主题教育开始（{campaign.starts_on}）之后、"
            f"不晚于今天和主题教育结束（{min(campaign.ends_on, today)}）"
        )
    if not action.manual:
        errors["action"] = f"规定动作“{action.name}”由台账或记录自动计算，不需要人工确认"
    elif not judging.cells(campaign=campaign, on=campaign.ends_on, scope=Q(pk=org.pk), actions=[action]):
        errors["org"] = f"规定动作“{action.name}”不适用于 {org.name}"
    if ActionConfirmation.objects.filter(action=action, org=org, withdrawn_at__isnull=True).exists():
        errors["action"] = f"{org.name} 已确认过“{action.name}”；如需更正请先撤回"
    raise_if(errors)
    if attachment is not None:
        check_files([attachment], field="attachment")
    row = ActionConfirmation(
        action=action,
        org=org,
        org_path=org.path,
        done_on=day,
        note=text,
        created_by=who(actor),
    )
    if attachment is not None:
        row.attachment = attachment
        row.attachment_name = (attachment.name or "")[:200]
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError({"action": f"{org.name} 已确认过“{action.name}”；如需更正请先撤回"}) from None
    audit(
        actor=actor,
        verb="campaign.action_confirm",
        target=row,
        org_path=org.path,
        action=action.code,
        done_on=str(day),
    )
    figures_changed(campaign_ids=[campaign.pk])
    return row


@transaction.atomic
def confirmation_withdraw(
    *, confirmation: ActionConfirmation, actor: Any, note: Any = ""
) -> ActionConfirmation:
    row = ActionConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    if row.withdrawn_at is not None:
        raise ValidationError({"note": "该确认已撤回"})
    errors: dict[str, str] = {}
    text = clean_text(errors, "note", note, "撤回原因", 200)
    raise_if(errors)
    row.withdrawn_at = timezone.now()
    row.withdrawn_by = who(actor)
    row.withdraw_note = text
    row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_note", "updated_at"])
    audit(
        actor=actor,
        verb="campaign.action_withdraw",
        target=row,
        org_path=row.org_path,
        action=row.action.code,
        note=text,
    )
    figures_changed(campaign_ids=[row.action.campaign_id])
    return row
