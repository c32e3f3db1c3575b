"""一周一计划、一周一调度: weeks, the plan services and the generated 调度表.

Weeks are ISO weeks (``2026-W49``), stored by their Monday. A named unit (``WeeklyUnit``) files a
plan for the current week or the next (no later); at the week's end every item is marked done or
not done with a note, which closes the plan. The 调度表 of an org lists the named units of its
subtree: who filed, who finished, who is behind — generated from the plans, never typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.audit import audit
from dangjian.orgs.models import Org

from .figures import figures_changed
from .models import Campaign, RequiredAction, WeeklyPlan, WeeklyPlanItem, WeeklyUnit
from .services import CampaignError

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
MAX_ITEMS = 30


def parse_week(text: str) -> dt.date:
    """``2026-W49`` → its Monday; ValueError with a Chinese message otherwise."""
    m = WEEK_RE.match(text or "")
    if not m:
        raise ValueError(f"周次 {text!r} 格式应为 YYYY-Www，如 2026-W49")
    try:
        return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ValueError(f"周次 {text} 不存在") from None


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class ItemInput:
    text: str
    owner: str
    due_on: dt.date
    action_id: int | None = None


def _check_plan(
    *, campaign: Campaign, org: Org, week_start: dt.date, items: Sequence[ItemInput]
) -> list[str]:
    messages = []
    this_week = monday_of(timezone.localdate())
    if week_start > this_week + dt.timedelta(days=7):
        messages.append(f"只能填报本周或下周的计划：{week_label(week_start)} 超前一周以上")
    if not WeeklyUnit.objects.filter(campaign=campaign, org=org).exists():
        messages.append(f"{org.name} 不在 {campaign.name} 一周一计划的单位名单中")
    if week_start + dt.timedelta(days=6) < campaign.starts_on or week_start > campaign.ends_on:
        messages.append(
            f"{week_label(week_start)} 不在主题教育期间（{campaign.starts_on} 至 {campaign.ends_on}）"
        )
    if not items:
        messages.append("计划至少要有一项")
    if len(items) > MAX_ITEMS:
        messages.append(f"计划最多 {MAX_ITEMS} 项")
    actions = set(RequiredAction.objects.filter(campaign=campaign).values_list("pk", flat=True))
    week_end = week_start + dt.timedelta(days=6)
    for i, item in enumerate(items, 1):
        if not item.text.strip():
            messages.append(f"第 {i} 项 事项：不能为空")
        if not item.owner.strip():
            messages.append(f"第 {i} 项 责任人：不能为空")
        if not week_start <= item.due_on <= week_end:
            messages.append(f"第 {i} 项 完成日期：{item.due_on} 不在本周（{week_start} 至 {week_end}）之内")
        if item.action_id is not None and item.action_id not in actions:
            messages.append(f"第 {i} 项 对应规定动作：不是本主题教育的规定动作")
    return messages


@transaction.atomic
def weekly_units_set(*, campaign: Campaign, orgs: Sequence[Org], actor: Any) -> None:
    """The units that file weekly plans (each inside the campaign)."""
    outside = [o.name for o in orgs if not o.path.startswith(campaign.root.path)]
    if outside:
        raise CampaignError([f"{'、'.join(outside)} 不在 {campaign.root.name} 之下"])
    WeeklyUnit.objects.filter(campaign=campaign).exclude(org__in=orgs).delete()
    have = set(WeeklyUnit.objects.filter(campaign=campaign).values_list("org_id", flat=True))
    WeeklyUnit.objects.bulk_create([WeeklyUnit(campaign=campaign, org=o) for o in orgs if o.pk not in have])
    audit(actor=actor, verb="campaign.weekly_units", target=campaign, org_path=campaign.root.path,
          orgs=[o.pk for o in orgs])  # fmt: skip
    figures_changed(campaign_ids=[campaign.pk])


@transaction.atomic
def weekly_plan_file(
    *, campaign: Campaign, org: Org, week_start: dt.date, items: Sequence[ItemInput], actor: Any
) -> WeeklyPlan:
    """File (or refile, until closed) a unit's plan for a week; all items replaced at once."""
    messages = _check_plan(campaign=campaign, org=org, week_start=week_start, items=items)
    plan = (
        WeeklyPlan.objects.select_for_update()
        .filter(campaign=campaign, org=org, week_start=week_start)
        .first()
    )
    if plan is not None and plan.closed_at is not None:
        messages.append(f"{week_label(week_start)} 的计划已调度，不能再修改")
    if messages:
        raise CampaignError(messages)
    if plan is None:
        plan = WeeklyPlan(campaign=campaign, org=org, org_path=org.path, week_start=week_start)
        plan.created_by = actor if getattr(actor, "is_authenticated", False) else None
        plan.save()
    else:
        plan.items.all().delete()
        plan.save(update_fields=["updated_at"])
    WeeklyPlanItem.objects.bulk_create(
        [
            WeeklyPlanItem(
                plan=plan,
                text=i.text.strip(),
                owner=i.owner.strip(),
                due_on=i.due_on,
                action_id=i.action_id,
                order=n,
            )  # fmt: skip
            for n, i in enumerate(items, 1)
        ]
    )
    audit(actor=actor, verb="campaign.weekly_plan_file", target=plan, org_path=org.path,
          week=week_label(week_start), items=len(items))  # fmt: skip
    figures_changed(campaign_ids=[campaign.pk])  # 上下一般粗 compares the plans' items
    return plan


@transaction.atomic
def weekly_plan_close(*, plan: WeeklyPlan, results: Mapping[int, tuple[bool, str]], actor: Any) -> WeeklyPlan:
    """一周一调度: mark every item done or not done (a note is required when not done)."""
    plan = WeeklyPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.closed_at is not None:
        raise CampaignError([f"{week_label(plan.week_start)} 的计划已调度"])
    items = list(plan.items.all())
    messages = []
    for n, item in enumerate(items, 1):
        if item.pk not in results:
            messages.append(f"第 {n} 项（{item.text}）：请标明完成或未完成")
            continue
        done, note = results[item.pk]
        if not done and not note.strip():
            messages.append(f"第 {n} 项（{item.text}）说明：未完成的事项须写明原因")
    unknown = set(results) - {i.pk for i in items}
    if unknown:
        messages.append("有不属于该计划的事项")
    if messages:
        raise CampaignError(messages)
    for item in items:
        item.done, item.note = results[item.pk][0], results[item.pk][1].strip()[:200]
    WeeklyPlanItem.objects.bulk_update(items, ["done", "note"])
    plan.closed_at = timezone.now()
    plan.save(update_fields=["closed_at", "updated_at"])
    audit(actor=actor, verb="campaign.weekly_plan_close", target=plan, org_path=plan.org_path,
          done=sum(1 for i in items if i.done), not_done=sum(1 for i in items if not i.done))  # fmt: skip
    figures_changed(campaign_ids=[plan.campaign_id])
    return plan


def dispatch(*, campaign: Campaign, org: Org, week_start: dt.date, unit_q: Q) -> dict[str, Any]:
    """The 调度表 of ``org``'s subtree for a week: every named unit (filtered by ``unit_q``, the
    caller's scope) with whether it filed, closed, and its items done / not done / open."""
    units = list(
        WeeklyUnit.objects.filter(campaign=campaign, org__path__startswith=org.path)
        .filter(unit_q)
        .select_related("org")
        .order_by("org__path")
    )
    plans = {
        p.org_id: p
        for p in WeeklyPlan.objects.filter(
            campaign=campaign, week_start=week_start, org_id__in=[u.org_id for u in units]
        ).annotate(
            n=Count("items"),
            n_done=Count("items", filter=Q(items__done=True)),
            n_not_done=Count("items", filter=Q(items__done=False)),
        )
    }
    rows = []
    for u in units:
        p = plans.get(u.org_id)
        n = p.n if p else 0
        done = p.n_done if p else 0
        not_done = p.n_not_done if p else 0
        closed = bool(p and p.closed_at)
        rows.append(
            {
                "org_id": u.org_id,
                "org_name": u.org.name,
                "org_path": u.org.path,
                "plan_id": p.pk if p else None,
                "filed": p is not None,
                "closed": closed,
                "items": n,
                "done": done,
                "not_done": not_done,
                "open": n - done - not_done,
                "behind": p is None
                or not_done > 0
                or (not closed and week_start + dt.timedelta(days=6) < timezone.localdate()),
            }
        )
    return {
        "week": week_label(week_start),
        "starts_on": week_start,
        "ends_on": week_start + dt.timedelta(days=6),
        "units": rows,
        "filed": sum(1 for r in rows if r["filed"]),
        "finished": sum(1 for r in rows if r["closed"] and r["not_done"] == 0),
        "behind": sum(1 for r in rows if r["behind"]),
    }
