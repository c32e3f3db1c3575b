"""宣传报道: units record reports about their campaign work in the media; the dashboard and the
通报 count them by level ("中央、省级媒体宣传报道 N 条次").

Recording needs 记录组织生活 on the unit (its own org or one in its subtree) inside the campaign;
reading follows the campaign's figures (查看达标情况): the chosen org's subtree, or the org alone
for roles that see only their own org.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from dangjian.core import policy
from dangjian.core.audit import audit
from dangjian.core.ledger import check_date, clean_text, raise_if, who
from dangjian.core.permissions import Perm
from dangjian.orgs.models import Org
from dangjian.requirements import selectors as compliance

from .figures import figures_changed
from .models import Campaign, Publicity, PublicityLevel

LINK_SCHEMES = ("http://", "https://")


def _scope(*, user: Any, campaign: Campaign, org: Org) -> Q:
    """The rows a read for ``org`` covers (its subtree or itself), within the user's scope."""
    rows = (
        policy.subtree_q("org_path", org.path) if compliance.sees_subtree(user=user, org=org) else Q(org=org)
    )
    return Q(campaign=campaign) & rows & policy.scope_q(user, Perm.COMPLIANCE_VIEW, path_field="org_path")


def publicity_list(
    *, user: Any, campaign: Campaign, org: Org, level: str | None = None
) -> QuerySet[Publicity]:
    qs = Publicity.objects.filter(_scope(user=user, campaign=campaign, org=org))
    if level:
        qs = qs.filter(level=level)
    return qs.select_related("org").order_by("-published_on", "-pk")


def publicity_counts(*, user: Any, campaign: Campaign, org: Org, on: dt.date | None = None) -> dict[str, int]:
    """Reports by media level for ``org`` (as the campaign figures read it), published on or
    before ``on``: ``{"central", "province", "city", "county", "central_province", "total"}``.
    The dashboard and the 通报 print ``central_province`` as "中央、省级媒体宣传报道 N 条次"."""
    where = _scope(user=user, campaign=campaign, org=org)
    if on is not None:
        where &= Q(published_on__lte=on)
    rows = Publicity.objects.filter(where).order_by().values_list("level").annotate(n=Count("pk"))
    by_level = dict(rows)
    out = {level: by_level.get(level, 0) for level in PublicityLevel.values}
    out["central_province"] = out[PublicityLevel.CENTRAL] + out[PublicityLevel.PROVINCE]
    out["total"] = sum(by_level.values())
    return out


def can_record(user: Any, org: Org) -> bool:
    return policy.allows_path(user, Perm.ACTIVITY_CHANGE, org.path)


def record_orgs(*, user: Any, campaign: Campaign, limit: int = 300) -> QuerySet[Org]:
    """Orgs inside the campaign the user may record for (their own and their subtree's)."""
    return (
        Org.objects.alive()
        .filter(policy.subtree_q("path", campaign.root.path))
        .filter(policy.scope_q(user, Perm.ACTIVITY_CHANGE))
        .order_by("path")[:limit]
    )


@transaction.atomic
def publicity_create(
    *,
    campaign: Campaign,
    org: Org,
    actor: Any,
    media: Any,
    level: Any,
    title: Any,
    published_on: Any,
    link: Any = "",
) -> Publicity:
    """Record one 宣传报道 of ``org``. Chinese errors by field; nothing saved on any."""
    errors: dict[str, str] = {}
    values = {
        "media": clean_text(errors, "media", media, "媒体名称", 100, required=True),
        "title": clean_text(errors, "title", title, "标题", 200, required=True),
        "link": clean_text(errors, "link", link, "链接", 500),
    }
    if level not in PublicityLevel.values:
        errors["level"] = f"请选择媒体级别：{'、'.join(PublicityLevel.labels)}"
    day = check_date(errors, "published_on", published_on, "刊发日期")
    if day is None and "published_on" not in errors:
        errors["published_on"] = "请填写刊发日期"
    elif day is not None and not campaign.starts_on <= day <= campaign.ends_on:
        errors["published_on"] = (
            f"刊发日期 {day} 不在主题教育期间（{campaign.starts_on} 至 {campaign.ends_on}）"
        )
    if values["link"] and "link" not in errors:
        if not values["link"].lower().startswith(LINK_SCHEMES) or len(values["link"]) < 10:
            errors["link"] = "链接应为以 http:// 或 https:// 开头的网址"
    if not org.path.startswith(campaign.root.path):
        errors["org"] = f"{org.name} 不在 {campaign.root.name} 之下，不参加该主题教育"
    raise_if(errors)
    item = Publicity(
        campaign=campaign,
        org=org,
        org_path=org.path,
        level=level,
        published_on=day,
        created_by=who(actor),
        **values,
    )
    try:
        item.full_clean(exclude=["org_path"])
    except ValidationError as exc:
        if "link" in getattr(exc, "error_dict", {}):
            raise ValidationError({"link": "链接应为以 http:// 或 https:// 开头的网址"}) from exc
        raise
    item.save()
    audit(actor=actor, verb="campaign.publicity_create", target=item, org_path=org.path, level=level)
    figures_changed(campaign_ids=[campaign.pk])
    return item
