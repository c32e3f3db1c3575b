"""流动党员 and 三新 members in a campaign: the branch marks study materials sent; the member
records self-study (自学) and 党性分析 on their phone.

Who: a member of a branch inside the campaign who is 流出 that day (a ``MobilityRecord`` OUT), or
whose branch sits in a 三新 unit (``sector`` 非公企业 or 社会组织). Each record is also written as a
one-person 交流研讨 of the member's branch (异地参加 for a 流出 member), so it counts toward the
campaign's per-member actions through the engine like any record, and the branch never enters it
again (record once).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dangjian.activities.models import ActivityKind, AttendanceStatus
from dangjian.activities.services import activity_create, away_member_ids
from dangjian.core import policy
from dangjian.core.audit import audit
from dangjian.core.ledger import check_date, clean_text, raise_if, who
from dangjian.orgs.choices import Sector
from dangjian.orgs.models import Member, Org

from .figures import figures_changed
from .models import Campaign, SelfStudy, SelfStudyKind, StudyMaterial

THREE_NEW_SECTORS = (Sector.PRIVATE_ENTERPRISE, Sector.SOCIAL_ORG)
CHANNELS = ("线上推送", "邮寄", "当面送达")


def is_eligible(member: Member, on: dt.date) -> bool:
    """流出 on ``on``, or in a 三新 unit's branch."""
    return member.org.sector in THREE_NEW_SECTORS or member.pk in away_member_ids(
        member_ids=[member.pk], on=on
    )


def eligible_members(*, org: Org, on: dt.date) -> list[tuple[Member, str]]:
    """The branch's current members who study this way, each with why (流动党员 / 三新)."""
    members = list(Member.objects.alive().filter(org=org).order_by("name", "pk"))
    away = away_member_ids(member_ids=[m.pk for m in members], on=on)
    three_new = org.sector in THREE_NEW_SECTORS
    out = []
    for m in members:
        if m.pk in away:
            out.append((m, "流动党员"))
        elif three_new:
            out.append((m, "三新组织党员"))
    return out


def member_campaigns(*, member: Member, on: dt.date) -> QuerySet[Campaign]:
    """Running campaigns whose batches hold the member's branch on ``on`` (for the member's own
    page: a 党员 reads no campaign figures, only where their own records go)."""
    path = member.org_path
    ancestors = [path[: i * Org.steplen] for i in range(1, len(path) // Org.steplen + 1)]
    return (
        Campaign.objects.filter(
            batches__orgs__path__in=ancestors, batches__starts_on__lte=on, batches__ends_on__gte=on
        )
        .distinct()
        .order_by("-starts_on", "pk")
    )


def _in_campaign(
    errors: dict[str, str], field: str, day: dt.date | None, campaign: Campaign, label: str
) -> None:
    if day is None:
        errors.setdefault(field, f"请填写{label}")
        return
    last = min(campaign.ends_on, timezone.localdate())
    if not campaign.starts_on <= day <= last:
        errors[field] = f"{label} {day} 应在主题教育开始（{campaign.starts_on}）之后、不晚于 {last}"


@transaction.atomic
def material_send(
    *, campaign: Campaign, members: list[Member], actor: Any, title: Any, channel: Any, sent_on: Any
) -> list[StudyMaterial]:
    """Mark study materials sent to each of ``members`` (流动党员 or 三新). Nothing saved on any error."""
    errors: dict[str, str] = {}
    text = clean_text(errors, "title", title, "学习资料", 200, required=True)
    if channel not in CHANNELS:
        errors["channel"] = f"请选择送达方式：{'、'.join(CHANNELS)}"
    day = check_date(errors, "sent_on", sent_on, "送达日期")
    if "sent_on" not in errors:
        _in_campaign(errors, "sent_on", day, campaign, "送达日期")
    if not members:
        errors["members"] = "请选择送达的党员"
    wrong = [m.name for m in members if not m.org_path.startswith(campaign.root.path)]
    if wrong:
        errors["members"] = f"{'、'.join(wrong)} 不在该主题教育的范围内"
    elif day is not None and "sent_on" not in errors:
        other = [m.name for m in members if not is_eligible(m, day)]
        if other:
            errors["members"] = (
                f"{'、'.join(other)} 既不是流动党员，也不在三新组织，请通知其参加支部的集中学习"
            )
    raise_if(errors)
    rows = [
        StudyMaterial.objects.create(
            campaign=campaign,
            member=m,
            org_path=m.org_path,
            title=text,
            channel=channel,
            sent_on=day,
            created_by=who(actor),
        )
        for m in members
    ]
    for row in rows:
        audit(actor=actor, verb="campaign.material_send", target=row, org_path=row.org_path, title=text)
    figures_changed(campaign_ids=[campaign.pk])
    return rows


@transaction.atomic
def self_study_record(
    *,
    campaign: Campaign,
    member: Member,
    actor: Any,
    kind: Any,
    studied_on: Any,
    content: Any,
    material: StudyMaterial | None = None,
) -> SelfStudy:
    """The member's 自学 or 党性分析, counted as a one-person 交流研讨 of their branch."""
    errors: dict[str, str] = {}
    text = clean_text(errors, "content", content, "学习内容和体会", 3000, required=True)
    if kind not in SelfStudyKind.values:
        errors["kind"] = "请选择类型：自学或党性分析"
    day = check_date(errors, "studied_on", studied_on, "日期")
    if "studied_on" not in errors:
        _in_campaign(errors, "studied_on", day, campaign, "日期")
    if not member.org_path.startswith(campaign.root.path):
        errors["campaign"] = f"您所在的党组织不参加{campaign.name}"
    elif day is not None and "studied_on" not in errors and not is_eligible(member, day):
        errors["campaign"] = "自学记录供流动党员和三新组织党员使用；请参加支部组织的集中学习和交流研讨"
    if material is not None and material.member_id != member.pk:
        errors["material"] = "所选学习资料不是送达给您的"
    raise_if(errors)
    assert day is not None
    away = member.pk in away_member_ids(member_ids=[member.pk], on=day)
    label = SelfStudyKind(kind).label
    activity = activity_create(
        org=member.org,
        kinds=[ActivityKind.SEMINAR],
        actor=actor,
        attendance=[
            {
                "member_id": member.pk,
                "status": AttendanceStatus.ELSEWHERE if away else AttendanceStatus.PRESENT,
            }
        ],
        topic=f"{campaign.name}：{member.name}{label}（{'流动党员' if away else '三新组织党员'}）"[:200],
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
        content=text,
    )
    row = SelfStudy.objects.create(
        campaign=campaign,
        member=member,
        org_path=member.org_path,
        kind=kind,
        studied_on=day,
        content=text,
        material=material,
        activity=activity,
        created_by=who(actor),
    )
    audit(actor=actor, verb="campaign.self_study", target=row, org_path=row.org_path, kind=kind)
    figures_changed(campaign_ids=[campaign.pk])  # the record's own event moves it again after commit
    return row


def branch_records(*, user: Any, campaign: Campaign, org: Org) -> dict[str, Any]:
    """Materials sent and self-study of the branch's members in the campaign (the branch's view)."""
    q = Q(campaign=campaign, org_path=org.path)
    return {
        "materials": list(StudyMaterial.objects.filter(q).select_related("member")[:500]),
        "studies": list(SelfStudy.objects.filter(q).select_related("member")[:500]),
    }


def member_records(*, member: Member) -> dict[str, Any]:
    """The member's own materials received and self-study records (their page)."""
    return {
        "materials": list(StudyMaterial.objects.filter(member=member).select_related("campaign")[:50]),
        "studies": list(SelfStudy.objects.filter(member=member).select_related("campaign")[:50]),
    }


def can_send(user: Any, org: Org) -> bool:
    from dangjian.core.permissions import Perm

    return policy.allows_path(user, Perm.ACTIVITY_CHANGE, org.path)
