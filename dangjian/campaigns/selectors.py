"""Reads of campaigns. Every function starts from the scoping policy.

A user sees a campaign when one of their 查看达标情况 grants overlaps the campaign's subtree
(the grant lies inside it, or the campaign inside the grant). Figures come from the engine's
stored results of the campaign's rules (``BatchRule``), read for the chosen org's subtree, or
the org alone for roles that see only their own org.

Progress on a day ``on``: the periods of the campaign's rules that started on or before
``on``; a period ending on or after ``on`` and not yet met counts as 未到期. 完成率 = 达标 ÷
适用 (未到期 included in 适用), in percent with one decimal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length

from dangjian.activities.models import ActivityKindEntry
from dangjian.core import policy
from dangjian.orgs.models import Org
from dangjian.requirements import selectors as compliance
from dangjian.requirements.models import ComplianceResult, Status

from . import judging
from .models import Batch, BatchRule, Campaign, RequiredAction, WeeklyPlan

PERM = compliance.PERM
STEPLEN = Org.steplen
IDLE_DAYS = 14
SOON_DAYS = 7


def _overlap_q(user: Any) -> Q:
    q = Q(pk__in=[])
    for g in policy.user_grants(user):
        if PERM not in g.perms:
            continue
        if g.path is None:
            return Q()
        ancestors = [g.path[: d * STEPLEN] for d in range(1, len(g.path) // STEPLEN + 1)]
        q |= Q(root__path__in=ancestors)
        if g.include_descendants:
            q |= Q(root__path__startswith=g.path)
    return q


def campaign_visible(*, user: Any) -> QuerySet[Campaign]:
    """Campaigns the user may see (403 for roles that never see compliance)."""
    compliance.require_view(user=user)
    return Campaign.objects.filter(_overlap_q(user)).select_related("root")


def campaign_list(*, user: Any) -> QuerySet[Campaign]:
    return campaign_visible(user=user).order_by("-starts_on", "-pk")


def access_campaign(*, user: Any, pk: Any) -> Campaign:
    """Fetch and authorise: missing and out-of-scope both raise 404."""
    campaign = campaign_visible(user=user).filter(pk=pk).first()
    if campaign is None:
        raise policy.not_found()
    return campaign


def campaign_org(*, user: Any, campaign: Campaign, org_id: int | None) -> Org:
    """The org whose progress is read: ``org_id`` (in scope and in the campaign), or the
    campaign's root when the user sees it, else the user's highest org inside the campaign."""
    if org_id is not None:
        org = compliance.access_compliance_org(user=user, pk=org_id)
        if not org.path.startswith(campaign.root.path):
            raise policy.not_found()
        return org
    root = campaign.root
    if policy.allows_path(user, PERM, root.path):
        return root
    highest = (
        compliance.compliance_orgs(user=user)
        .filter(path__startswith=root.path)
        .order_by("depth", "path")
        .first()
    )
    if highest is None:
        raise policy.not_found()
    return highest


@dataclass
class Figure:
    """Cells of one figure: 达标, 未达标, 未到期; 完成率 = 达标 ÷ 适用."""

    met: int = 0
    not_met: int = 0
    not_due: int = 0

    @property
    def applicable(self) -> int:
        return self.met + self.not_met + self.not_due

    @property
    def rate(self) -> float | None:
        return round(100 * self.met / self.applicable, 1) if self.applicable else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate:.1f}%"

    def add(self, status: str, n: int) -> None:
        if status == Status.MET:
            self.met += n
        elif status == Status.NOT_MET:
            self.not_met += n
        elif status == Status.NOT_DUE:
            self.not_due += n

    def as_dict(self) -> dict[str, Any]:
        return {
            "applicable": self.applicable,
            "met": self.met,
            "not_met": self.not_met,
            "not_due": self.not_due,
            "rate": self.rate,
        }


@dataclass
class ActionFigure:
    action: RequiredAction
    deadline: dt.date | None
    figure: Figure = field(default_factory=Figure)


def _results(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> QuerySet[ComplianceResult]:
    rule_ids = list(
        BatchRule.objects.filter(batch__campaign=campaign).values_list("requirement_id", flat=True)
    )
    qs = ComplianceResult.objects.filter(requirement_id__in=rule_ids, period_start__lte=on)
    if compliance.sees_subtree(user=user, org=org):
        return qs.filter(policy.subtree_q("org_path", org.path))
    return qs.filter(org_id=org.pk)


def _status_on(status: str, period_end: dt.date, on: dt.date) -> str:
    return Status.NOT_DUE if status == Status.NOT_MET and period_end >= on else status


def progress(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> dict[str, Any]:
    """Overall, per required action (in order), per phase and per depth below ``org``."""
    rules = list(
        BatchRule.objects.filter(batch__campaign=campaign).select_related(
            "action", "action__phase", "requirement"
        )
    )
    action_of = {r.requirement_id: r.action for r in rules}
    # Actions judged from a ledger or by confirmation (``judging``), computed on read.
    outside_cells = judging.cells(
        campaign=campaign,
        on=on,
        scope=judging.read_scope(subtree=compliance.sees_subtree(user=user, org=org), org=org),
    )
    actions = {
        a.pk: ActionFigure(a, None)
        for a in RequiredAction.objects.filter(campaign=campaign).select_related("phase")
    }
    for r in rules:
        fig = actions[r.action_id]
        if r.requirement.deadline and (fig.deadline is None or r.requirement.deadline > fig.deadline):
            fig.deadline = r.requirement.deadline
    rows = (
        _results(user=user, campaign=campaign, org=org, on=on)
        .exclude(status=Status.NO_RECORDS)
        .values("requirement_id", "status", "period_end")
        .annotate(length=Length("org_path"), n=Count("pk"))
    )
    overall = Figure()
    depths: dict[int, Figure] = defaultdict(Figure)
    phases: dict[str, Figure] = defaultdict(Figure)
    base = len(org.path) // STEPLEN
    for row in rows:
        status = _status_on(row["status"], row["period_end"], on)
        action = action_of[row["requirement_id"]]
        n = row["n"]
        overall.add(status, n)
        actions[action.pk].figure.add(status, n)
        depths[row["length"] // STEPLEN - base].add(status, n)
        phases[action.phase.name if action.phase else "贯穿始终"].add(status, n)
    for cell in outside_cells:
        fig = actions[cell.action.pk]
        if cell.deadline and (fig.deadline is None or cell.deadline > fig.deadline):
            fig.deadline = cell.deadline
        overall.add(cell.status, 1)
        fig.figure.add(cell.status, 1)
        depths[len(cell.org.path) // STEPLEN - base].add(cell.status, 1)
        phases[cell.action.phase.name if cell.action.phase else "贯穿始终"].add(cell.status, 1)
    return {
        "org": org,
        "on": on,
        "overall": overall,
        "actions": list(actions.values()),
        "phases": [(name, phases[name]) for name in _phase_order(campaign) if name in phases],
        "depths": [(d, depths[d]) for d in sorted(depths)],
    }


def _phase_order(campaign: Campaign) -> list[str]:
    return [*campaign.phases.values_list("name", flat=True), "贯穿始终"]


def depth_label(rel: int) -> str:
    return "本级" if rel == 0 else f"下{'一二三四五六七八九'[rel - 1] if rel <= 9 else rel}级"


def lagging_units(
    *, user: Any, campaign: Campaign, org: Org, on: dt.date, action: RequiredAction | None = None
) -> QuerySet[ComplianceResult]:
    """The results behind 未达标 figures (periods ended before ``on``), with their orgs."""
    qs = _results(user=user, campaign=campaign, org=org, on=on).filter(
        status=Status.NOT_MET, period_end__lt=on
    )
    if action is not None:
        qs = qs.filter(requirement__campaign_rule__action=action)
    return qs.select_related("org", "requirement").order_by("org_path", "period_start")


def deadlines_soon(
    *, campaign: Campaign, on: dt.date, days: int = SOON_DAYS
) -> list[tuple[RequiredAction, dt.date]]:
    """Required actions due within ``days`` from ``on`` (one-off deadlines and period ends)."""
    out = []
    for r in BatchRule.objects.filter(batch__campaign=campaign).select_related("action", "requirement"):
        due = r.requirement.deadline
        if due is not None and on <= due <= on + dt.timedelta(days=days):
            out.append((r.action, due))
    return sorted(out, key=lambda x: (x[1], x[0].order))


def idle_units(*, user: Any, campaign: Campaign, org: Org, on: dt.date, days: int = IDLE_DAYS) -> list[Org]:
    """Orgs in the batch scope judged by the campaign (with results) whose last record of a
    kind the campaign counts is more than ``days`` days before ``on`` (or none)."""
    judged = _results(user=user, campaign=campaign, org=org, on=on).values("org_id").distinct()
    kinds = sorted({k for a in campaign.actions.filter(manual=False) for k in a.counts})
    since = on - dt.timedelta(days=days)
    active = ActivityKindEntry.objects.filter(
        kind__in=kinds, is_active=True, held_on__gt=since, held_on__lte=on
    ).values("org_id")
    return list(Org.objects.filter(pk__in=judged).exclude(pk__in=active).order_by("path"))


def org_todo(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> list[dict[str, Any]]:
    """The org's own campaign items not yet met whose period contains ``on`` or is still open,
    with deadlines (the earliest first)."""
    rows = (
        _results(user=user, campaign=campaign, org=org, on=on)
        .filter(org_id=org.pk, status=Status.NOT_DUE, period_end__gte=on)
        .select_related("requirement", "requirement__campaign_rule__action")
        .order_by("period_end", "requirement__order")
    )
    items = [
        {
            "action": r.requirement.campaign_rule.action,
            "due": r.period_end,
            "count": r.count,
            "required": r.required,
            "explanation": r.explanation,
        }
        for r in rows
    ]
    # Actions counted from a ledger or confirmed by hand (``judging``), still open for the org.
    items += [
        {"action": c.action, "due": c.deadline, "count": None, "required": None, "explanation": c.explanation}
        for c in judging.cells(campaign=campaign, on=on, scope=judging.read_scope(subtree=False, org=org))
        if c.status == Status.NOT_DUE
    ]
    return sorted(items, key=lambda i: (i["due"] or dt.date.max, i["action"].order))


def weekly_dispatch(*, user: Any, campaign: Campaign, org: Org, week_start: dt.date) -> dict[str, Any]:
    """The 调度表 of ``org``'s subtree (the named units the user sees) for one week."""
    from .weekly import dispatch

    unit_q = policy.scope_q(user, PERM, path_field="org__path")
    return dispatch(campaign=campaign, org=org, week_start=week_start, unit_q=unit_q)


def access_plan(*, user: Any, pk: Any, perm: str = PERM) -> WeeklyPlan:
    """Fetch and authorise a weekly plan (its unit's path under ``perm``): 404 otherwise."""
    plan = (
        WeeklyPlan.objects.filter(pk=pk).select_related("campaign", "org").first()
        if str(pk).isdigit()
        else None
    )
    if plan is None or not policy.allows_path(user, perm, plan.org_path):
        raise policy.not_found()
    return plan


def access_batch(*, campaign: Campaign, pk: Any) -> Batch:
    """A batch of a campaign the caller has already authorised: 404 otherwise."""
    batch = (
        Batch.objects.filter(campaign=campaign, pk=pk).prefetch_related("orgs").first()
        if str(pk).isdigit()
        else None
    )
    if batch is None:
        raise policy.not_found()
    return batch
