"""Reads of campaigns. Every function starts from the scoping policy.

A user sees a campaign when one of their 查看达标情况 grants overlaps the campaign's subtree
(the grant lies inside it, or the campaign inside the grant). Figures come from the engine's
stored results of the campaign's rules (``BatchRule``), read for the chosen org's subtree, or
the org alone for roles that see only their own org.

Progress on a day ``on``: the periods of the campaign's rules that started on or before
``on``; a period ending on or after ``on`` and not yet met counts as 未到期. 完成率 = 达标 ÷
(达标 + 未达标): only judged cells count, 未到期 is shown apart — the compliance dashboards'
rule (``requirements.selectors.Tally``). In percent with one decimal.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Length

from dangjian.core import policy
from dangjian.orgs.models import Org
from dangjian.requirements import selectors as compliance
from dangjian.requirements.engine.periods import parse_span
from dangjian.requirements.models import ComplianceResult, ComplianceRollup, Status

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
    """Cells of one figure: 达标, 未达标, 未到期; 完成率 = 达标 ÷ (达标 + 未达标)."""

    met: int = 0
    not_met: int = 0
    not_due: int = 0

    @property
    def applicable(self) -> int:
        return self.met + self.not_met + self.not_due

    @property
    def judged(self) -> int:
        return self.met + self.not_met

    @property
    def rate(self) -> float | None:
        return round(100 * self.met / self.judged, 1) if self.judged else None

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
            "judged": self.judged,
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


def _campaign_rules(campaign: Campaign) -> list[BatchRule]:
    """The campaign's engine rules with their actions (``judging.campaign_config``)."""

    def load() -> list[BatchRule]:
        # Only the requirement's deadline is read from here: its JSON rules are left unparsed.
        # The actions are the campaign's (``judging.campaign_actions``), read once.
        rules = list(
            BatchRule.objects.filter(batch__campaign=campaign)
            .select_related("requirement")
            .defer(
                "requirement__applies_to",
                "requirement__counts",
                "requirement__counting",
                "requirement__note",
            )
        )
        actions = {a.pk: a for a in judging.campaign_actions(campaign)}
        for rule in rules:
            rule.action = actions[rule.action_id]
        return rules

    return judging.campaign_config(campaign, "rules", load)


def rule_actions(campaign: Campaign) -> dict[int, int]:
    """Requirement id → required action id, for the campaign's engine rules."""
    return {r.requirement_id: r.action_id for r in _campaign_rules(campaign)}


def _results(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> QuerySet[ComplianceResult]:
    rule_ids = [r.requirement_id for r in _campaign_rules(campaign)]
    qs = ComplianceResult.objects.filter(requirement_id__in=rule_ids, period_start__lte=on)
    if compliance.sees_subtree(user=user, org=org):
        return qs.filter(policy.subtree_q("org_path", org.path))
    return qs.filter(org_id=org.pk)


def _status_on(status: str, period_end: dt.date, on: dt.date) -> str:
    return Status.NOT_DUE if status == Status.NOT_MET and period_end >= on else status


@functools.lru_cache(maxsize=4096)
def _period_end(key: str) -> dt.date:
    """The last day of the period named by a result's key (one-off keys carry their deadline)."""
    if key.startswith("D"):
        return dt.date.fromisoformat(key[1:])
    span = parse_span(key)
    assert span is not None, key
    return span.end


def _cells(
    *, campaign: Campaign, org_ids: list[int], on: dt.date, subtree: bool
) -> Iterator[tuple[int, int, int, str, int]]:
    """(org id, requirement id, depth below the org, status on ``on``, cells) for each org: its
    own results, and with ``subtree`` the engine's materialized roll-ups of its descendants (so
    a figure for the whole prefecture reads a few hundred rows, not every result)."""
    rule_ids = [r.requirement_id for r in _campaign_rules(campaign)]
    if not org_ids or not rule_ids:
        return
    own = (
        ComplianceResult.objects.filter(org_id__in=org_ids, requirement_id__in=rule_ids, period_start__lte=on)
        .exclude(status=Status.NO_RECORDS)
        .order_by()
        .values_list("org_id", "requirement_id", "period_key", "status")
    )
    for org_id, rid, key, status in own:
        yield org_id, rid, 0, _status_on(status, _period_end(key), on), 1
    if not subtree:
        return
    rolls = (
        ComplianceRollup.objects.filter(org_id__in=org_ids, requirement_id__in=rule_ids, period_start__lte=on)
        .order_by()
        .values_list("org_id", "requirement_id", "period_key", "rel_depth", "met", "not_met", "not_due")
    )
    for org_id, rid, key, rel, met, not_met, not_due in rolls:
        if met:
            yield org_id, rid, rel, Status.MET, met
        if not_met:
            yield org_id, rid, rel, (Status.NOT_DUE if _period_end(key) >= on else Status.NOT_MET), not_met
        if not_due:
            yield org_id, rid, rel, Status.NOT_DUE, not_due


def _action_figures(campaign: Campaign) -> dict[int, ActionFigure]:
    actions = {a.pk: ActionFigure(a, None) for a in judging.campaign_actions(campaign)}
    for r in _campaign_rules(campaign):
        fig = actions.get(r.action_id)
        if fig and r.requirement.deadline and (fig.deadline is None or r.requirement.deadline > fig.deadline):
            fig.deadline = r.requirement.deadline
    return actions


def phase_name(action: RequiredAction) -> str:
    return action.phase.name if action.phase else "贯穿始终"


def progress(
    *, user: Any, campaign: Campaign, org: Org, on: dt.date, with_units: bool = False
) -> dict[str, Any]:
    """Overall, per required action (in order), per phase, per depth below ``org`` and per
    phase at each depth; with ``with_units`` also ``units`` (``unit_progress``), read by the
    same two queries."""
    action_of = {r.requirement_id: r.action_id for r in _campaign_rules(campaign)}
    actions = _action_figures(campaign)
    subtree = compliance.sees_subtree(user=user, org=org)
    units = {c.pk: UnitFigure(c) for c in _children(user=user, org=org)} if with_units and subtree else {}
    overall = Figure()
    depths: dict[int, Figure] = defaultdict(Figure)
    phases: dict[str, Figure] = defaultdict(Figure)
    depth_phases: dict[tuple[int, str], Figure] = defaultdict(Figure)
    # Summed per (org, action, depth, status) first: the figures add a few dozen sums, not a
    # few hundred rows.
    tally: dict[tuple[int, int, int, str], int] = defaultdict(int)
    for org_id, rid, rel, status, n in _cells(
        campaign=campaign, org_ids=[org.pk, *units], on=on, subtree=subtree
    ):
        tally[(org_id, action_of[rid], rel, status)] += n
    phase_of = {pk: phase_name(a.action) for pk, a in actions.items()}
    for (org_id, action_id, rel, status), n in tally.items():
        if action_id not in actions:
            continue
        if org_id != org.pk:
            unit = units[org_id]
            unit.overall.add(status, n)
            unit.actions[action_id].add(status, n)
            continue
        overall.add(status, n)
        actions[action_id].figure.add(status, n)
        depths[rel].add(status, n)
        phases[phase_of[action_id]].add(status, n)
        depth_phases[(rel, phase_of[action_id])].add(status, n)
    # Actions judged from a ledger or by confirmation (``judging``), computed on read: one
    # cell each, counted in every figure the engine's cells are.
    outside = judging.cells(
        campaign=campaign, on=on, scope=judging.read_scope(subtree=subtree, org=org), confirmers=False
    )
    base = len(org.path) // STEPLEN
    unit_of = {u.org.path: u for u in units.values()}
    unit_len = len(org.path) + STEPLEN
    for cell in outside:
        fig = actions[cell.action.pk]
        if cell.deadline and (fig.deadline is None or cell.deadline > fig.deadline):
            fig.deadline = cell.deadline
        overall.add(cell.status, 1)
        fig.figure.add(cell.status, 1)
        rel = len(cell.org.path) // STEPLEN - base
        depths[rel].add(cell.status, 1)
        phases[phase_name(cell.action)].add(cell.status, 1)
        depth_phases[(rel, phase_name(cell.action))].add(cell.status, 1)
        home = unit_of.get(cell.org.path[:unit_len]) if rel else None
        if home is not None:
            home.overall.add(cell.status, 1)
            home.actions[cell.action.pk].add(cell.status, 1)
    order = {
        phase_name(a.action): (a.action.phase.order if a.action.phase else 1 << 15) for a in actions.values()
    }
    phase_names = sorted(phases, key=lambda name: (order.get(name, 1 << 15), name))
    return {
        "org": org,
        "on": on,
        "overall": overall,
        "actions": list(actions.values()),
        "phases": [(name, phases[name]) for name in phase_names],
        "depths": [(d, depths[d]) for d in sorted(depths)],
        "depth_phases": {
            d: [depth_phases.get((d, name), Figure()) for name in phase_names] for d in sorted(depths)
        },
        "units": [u for u in units.values() if u.overall.applicable],
        # The ledger-counted and confirmed cells (``judging.Cell``) behind the figures above.
        "outside": outside,
    }


@dataclass
class UnitFigure:
    """One unit (a child org of the chosen one, with its subtree): overall and per action."""

    org: Org
    overall: Figure = field(default_factory=Figure)
    actions: dict[int, Figure] = field(default_factory=lambda: defaultdict(Figure))


def _children(*, user: Any, org: Org) -> list[Org]:
    return [
        c
        for c in Org.objects.alive()
        .filter(policy.subtree_q("path", org.path), depth=org.depth + 1)
        .only("pk", "path", "depth", "name")
        .order_by("path")
        if policy.allows_path(user, PERM, c.path)
    ]


def unit_progress(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> list[UnitFigure]:
    """Each next-level org of ``org`` in scope with its subtree's figures (those with campaign
    cells), in tree order; empty for roles that see only their own org (``progress``'s units)."""
    return progress(user=user, campaign=campaign, org=org, on=on, with_units=True)["units"]


def ranked_units(units: list[UnitFigure]) -> list[UnitFigure]:
    """Units by rate (highest first), units not yet judged last, then tree order."""
    return sorted(units, key=lambda u: (u.overall.rate is None, -(u.overall.rate or 0), u.org.path))


STATUS_FILTERS = {"met": "完成", "not_met": "未完成", "not_due": "未到期"}


def records_behind(
    *,
    user: Any,
    campaign: Campaign,
    org: Org,
    on: dt.date,
    action: RequiredAction | None = None,
    status: str = "not_met",
    rel_depth: int | None = None,
    phase: str | None = None,
) -> QuerySet[ComplianceResult]:
    """The results behind a figure of the dashboard: ``status`` on day ``on`` (met, not_met —
    periods ended before ``on`` — or not_due), optionally of one action, one phase and one
    depth below ``org``; with their orgs, in tree order."""
    qs = _results(user=user, campaign=campaign, org=org, on=on)
    if status == "met":
        qs = qs.filter(status=Status.MET)
    elif status == "not_due":
        qs = qs.filter(Q(status=Status.NOT_DUE) | Q(status=Status.NOT_MET, period_end__gte=on))
    elif status == "all":
        qs = qs.exclude(status=Status.NO_RECORDS)
    else:
        qs = qs.filter(status=Status.NOT_MET, period_end__lt=on)
    rules = _campaign_rules(campaign)
    if action is not None:
        qs = qs.filter(requirement_id__in=[r.requirement_id for r in rules if r.action_id == action.pk])
    if phase is not None:
        qs = qs.filter(requirement_id__in=[r.requirement_id for r in rules if phase_name(r.action) == phase])
    if rel_depth is not None:
        qs = qs.annotate(_len=Length("org_path")).filter(_len=len(org.path) + rel_depth * STEPLEN)
    return qs.select_related("org", "requirement").order_by("org_path", "period_start")


def outside_behind(
    *,
    user: Any,
    campaign: Campaign,
    org: Org,
    on: dt.date,
    action: RequiredAction | None = None,
    status: str = "not_met",
    rel_depth: int | None = None,
    phase: str | None = None,
) -> list[judging.Cell]:
    """The ledger-counted and confirmed cells behind a figure, filtered as ``records_behind``
    filters the engine's results (the two together are every cell the figure counts)."""
    if action is not None and not judging.judged_here(action):
        return []
    scope = judging.read_scope(subtree=compliance.sees_subtree(user=user, org=org), org=org)
    base = len(org.path) // STEPLEN
    return [
        c
        for c in judging.cells(campaign=campaign, on=on, scope=scope, actions=[action] if action else None)
        if (status == "all" or c.status == status)
        and (phase is None or phase_name(c.action) == phase)
        and (rel_depth is None or len(c.org.path) // STEPLEN - base == rel_depth)
    ]


def depth_label(rel: int) -> str:
    return "本级" if rel == 0 else f"下{'一二三四五六七八九'[rel - 1] if rel <= 9 else rel}级"


def lagging_units(
    *, user: Any, campaign: Campaign, org: Org, on: dt.date, action: RequiredAction | None = None
) -> QuerySet[ComplianceResult]:
    """The results behind 未达标 figures (periods ended before ``on``), with their orgs."""
    return records_behind(user=user, campaign=campaign, org=org, on=on, action=action, status="not_met")


def deadlines_soon(
    *, campaign: Campaign, on: dt.date, days: int = SOON_DAYS
) -> list[tuple[RequiredAction, dt.date]]:
    """Required actions due within ``days`` from ``on`` (one-off deadlines and period ends), the
    engine's and those judged from a ledger or by confirmation (per batch)."""
    out = []
    for r in _campaign_rules(campaign):
        due = r.requirement.deadline
        if due is not None and on <= due <= on + dt.timedelta(days=days):
            out.append((r.action, due))
    outside = judging.outside_actions(campaign)
    for batch in judging.campaign_batches(campaign) if outside else ():
        for action in outside:
            if action.batch_names and batch.name not in action.batch_names:
                continue
            due = judging.action_deadline(action, batch, campaign.template) or batch.ends_on
            if on <= due <= on + dt.timedelta(days=days) and (action, due) not in out:
                out.append((action, due))
    return sorted(out, key=lambda x: (x[1], x[0].order))


def idle_units(*, user: Any, campaign: Campaign, org: Org, on: dt.date, days: int = IDLE_DAYS) -> list[Org]:
    """Units without campaign activity in the last ``IDLE_DAYS`` days (``oversight.idle_units``)."""
    from .oversight import idle_units as idle

    return list(idle(user=user, campaign=campaign, org=org, on=on))


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
