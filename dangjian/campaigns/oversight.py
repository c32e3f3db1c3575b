"""Oversight reads of a campaign: 上下一般粗 (copied plans and records), units without campaign
activity, and the burden the campaign puts on each org (DESIGN decision 7).

Every function is scoped like ``selectors``: the chosen org comes from ``selectors.campaign_org``
and its subtree is read only when the user's grant covers it. The dashboard shows the counts of
the slower reads stored in the database (``OversightFigures``, one row per org, scope and day,
shared by every server process): recomputed when the campaign's ``figures_version`` moved
(``figures.figures_changed``) and
the row is older than ``CACHE_SECONDS``, or when it is older than ``MAX_AGE_SECONDS``. Their own
pages always read afresh.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone

from dangjian.activities.models import Activity, ActivityKindEntry
from dangjian.core import policy
from dangjian.orgs.models import Org
from dangjian.requirements import selectors as compliance
from dangjian.requirements.models import ComplianceResult, ComplianceRollup, Status

from . import selectors
from .models import Campaign, OversightFigures, WeeklyPlan, WeeklyPlanItem, WeeklyUnit

STEPLEN = Org.steplen
COPY_WINDOW_DAYS = 30
CACHE_SECONDS = 300  # a change shows on the dashboard within this
MAX_AGE_SECONDS = 3600  # recomputed at least this often, even when no change was announced
KEEP_DAYS = 2  # stored figures computed longer ago are dropped when another is stored
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Text compared word for word: whitespace and punctuation (Chinese or not) removed."""
    return _PUNCT.sub("", text or "").lower()


def _parent_path(path: str) -> str:
    return path[:-STEPLEN]


def _subtree_q(user: Any, org: Org, field: str) -> Q:
    if compliance.sees_subtree(user=user, org=org):
        return policy.subtree_q(field, org.path)
    return Q(**{field: org.path})


# ---------------------------------------------------------------- 上下一般粗


@dataclass
class Copy:
    """A unit's plan or record identical, word for word, to one of the level above's."""

    kind: str  # "计划" or "记录"
    org: Org
    above: Org
    text: str
    day: dt.date
    url: str = ""


def copied_plans(*, user: Any, campaign: Campaign, org: Org, week_start: dt.date) -> list[Copy]:
    """Weekly plans of the week whose items (in order, normalised) equal those of the plan of the
    nearest named unit above the unit."""
    plans = list(
        WeeklyPlan.objects.filter(campaign=campaign, week_start=week_start)
        .filter(_subtree_q(user, org, "org_path") | Q(org_path__in=_ancestor_paths(org.path)))
        .values_list("pk", "org_id", "org_path")
    )
    if not plans:
        return []
    texts: dict[int, list[str]] = defaultdict(list)
    items = (
        WeeklyPlanItem.objects.filter(plan_id__in=[p[0] for p in plans])
        .order_by("plan_id", "order", "pk")
        .values_list("plan_id", "text")
    )
    for plan_id, text in items:
        texts[plan_id].append(normalise(text))
    by_path = {path: (pk, org_id) for pk, org_id, path in plans}
    hits = []
    for pk, org_id, path in sorted(plans, key=lambda p: p[2]):
        if not path.startswith(org.path) or not texts[pk]:
            continue
        above = next((by_path[a] for a in reversed(_ancestor_paths(path)) if a in by_path), None)
        if above is not None and texts[above[0]] == texts[pk]:
            hits.append((org_id, above[1], "；".join(texts[pk])[:80]))
    orgs = Org.objects.in_bulk({h[0] for h in hits} | {h[1] for h in hits})
    return [Copy("计划", orgs[o], orgs[a], text, week_start) for o, a, text in hits]


def _ancestor_paths(path: str) -> list[str]:
    return [path[: d * STEPLEN] for d in range(1, len(path) // STEPLEN)]


def copied_records(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> list[Copy]:
    """Campaign records (kinds the campaign counts) of the last ``COPY_WINDOW_DAYS`` days whose
    topic and content equal, word for word, a record of the org directly above in the window."""
    kinds = sorted({k for a in campaign.actions.filter(manual=False) for k in a.counts})
    since = on - dt.timedelta(days=COPY_WINDOW_DAYS)
    scope = _subtree_q(user, org, "org_path")
    parent = _parent_path(org.path)
    rows = list(
        Activity.objects.filter(
            scope | Q(org_path=parent),
            held_on__gt=since,
            held_on__lte=on,
            deleted_at__isnull=True,
            pk__in=ActivityKindEntry.objects.filter(
                kind__in=kinds, held_on__gt=since, held_on__lte=on, is_active=True
            ).values("activity_id"),
        ).values_list("pk", "org_id", "org_path", "topic", "content", "held_on")
    )
    by_org_text: dict[str, set[str]] = defaultdict(set)
    normalised = []
    for pk, org_id, path, topic, content, day in rows:
        text = normalise(topic) + "|" + normalise(content)
        by_org_text[path].add(text)
        normalised.append((pk, org_id, path, topic, text, day))
    hits = [
        r for r in normalised if r[2].startswith(org.path) and r[4] in by_org_text.get(_parent_path(r[2]), ())
    ]
    if not hits:
        return []
    orgs = Org.objects.in_bulk({r[1] for r in hits})
    parents = {o.path: o for o in Org.objects.filter(path__in={_parent_path(r[2]) for r in hits})}
    return [
        Copy(
            "记录",
            orgs[org_id],
            parents[_parent_path(path)],
            topic,
            day,
            reverse("activities:detail", args=[pk]),
        )
        for pk, org_id, path, topic, _text, day in sorted(hits, key=lambda r: (r[2], r[5]))
    ]


# ---------------------------------------------------------------- units without activity


def idle_units(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> QuerySet[Org]:
    """Orgs judged by the campaign's rules in a period containing ``on`` whose last record of a
    kind the campaign counts is more than ``selectors.IDLE_DAYS`` days before ``on`` (or none);
    name and path only, in tree order."""
    rule_ids = [r.requirement_id for r in selectors._campaign_rules(campaign)]
    judged = set(
        ComplianceResult.objects.filter(
            _subtree_q(user, org, "org_path"),
            requirement_id__in=rule_ids,
            period_start__lte=on,
            period_end__gte=on,
        )
        .order_by()
        .values_list("org_id", flat=True)
    )
    kinds = sorted({k for a in campaign.actions.filter(manual=False) for k in a.counts})
    since = on - dt.timedelta(days=selectors.IDLE_DAYS)
    active = set(
        ActivityKindEntry.objects.filter(
            _subtree_q(user, org, "org_path"),
            kind__in=kinds,
            is_active=True,
            held_on__gt=since,
            held_on__lte=on,
        )
        .order_by()
        .values_list("org_id", flat=True)
    )
    return Org.objects.filter(pk__in=sorted(judged - active)).only("pk", "name", "path").order_by("path")


def _counts(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> dict[str, Any]:
    idle = idle_units(user=user, campaign=campaign, org=org, on=on)
    plans = copied_plans(
        user=user, campaign=campaign, org=org, week_start=on - dt.timedelta(days=on.weekday())
    )
    copies = copied_records(user=user, campaign=campaign, org=org, on=on)
    return {
        "idle_count": idle.count(),
        "idle": [[o.pk, o.name] for o in idle[:10]],
        "copied_plans": len(plans),
        "copied_plan_units": [c.org.name for c in plans[:5]],
        "copied_records": len(copies),
    }


def dashboard_counts(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> dict[str, Any]:
    """The dashboard's slower figures (units without activity, copied plans and records) of
    ``org`` on ``on``, as stored (see the module's note); the pages behind them read afresh.
    The figures depend on the user only through the scope (the subtree or the org alone)."""
    subtree = compliance.sees_subtree(user=user, org=org)
    now = timezone.now()
    key: dict[str, Any] = {"campaign": campaign, "org": org, "subtree": subtree, "on": on}
    stored = OversightFigures.objects.filter(**key).values_list("version", "computed_at", "data").first()
    if stored is not None:
        version, computed_at, data = stored
        age = (now - computed_at).total_seconds()
        if age < CACHE_SECONDS or (version == campaign.figures_version and age < MAX_AGE_SECONDS):
            return data
    data = _counts(user=user, campaign=campaign, org=org, on=on)
    try:
        with transaction.atomic():
            OversightFigures.objects.update_or_create(
                **key, defaults={"version": campaign.figures_version, "computed_at": now, "data": data}
            )
            OversightFigures.objects.filter(
                campaign=campaign, computed_at__lt=now - dt.timedelta(days=KEEP_DAYS)
            ).delete()
    except IntegrityError:  # another process stored the same figures first
        pass
    return data


# ---------------------------------------------------------------- burden (DESIGN decision 7)


@dataclass
class Burden:
    """What the campaign asked of orgs this month beside what they recorded."""

    label: str
    orgs: int = 0
    actions: int = 0  # cells of required actions falling in the month (per org, per member rule once)
    plans_asked: int = 0  # weekly plans asked (named units × weeks of the month)
    plans_filed: int = 0
    forms: int = 0  # the campaign asks for no form: every figure comes from records
    records: int = 0  # org-life records entered for the month
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def records_per_org(self) -> str:
        return f"{self.records / self.orgs:.1f}" if self.orgs else "—"


def month_of(on: dt.date) -> tuple[dt.date, dt.date]:
    start = on.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def _mondays(start: dt.date, end: dt.date) -> list[dt.date]:
    """The Mondays of the weeks of a month: a week belongs to the month of its Thursday."""
    thursday = start + dt.timedelta(days=(3 - start.weekday()) % 7)
    out = []
    while thursday <= end:
        out.append(thursday - dt.timedelta(days=3))
        thursday += dt.timedelta(days=7)
    return out


def burden(*, user: Any, campaign: Campaign, org: Org, on: dt.date) -> dict[str, Any]:
    """For the month of ``on``: the org's own burden, and (for those who see the subtree) the
    same summed per level below it."""
    start, end = month_of(on)
    rule_ids = [r.requirement_id for r in selectors._campaign_rules(campaign)]
    subtree = compliance.sees_subtree(user=user, org=org)
    levels: dict[int, Burden] = {}

    def level(rel: int) -> Burden:
        if rel not in levels:
            levels[rel] = Burden(selectors.depth_label(rel))
        return levels[rel]

    month_q = Q(period_start__lte=end, period_end__gte=start)
    own = (
        ComplianceResult.objects.filter(month_q, org_id=org.pk, requirement_id__in=rule_ids)
        .exclude(status=Status.NO_RECORDS)
        .count()
    )
    level(0).actions = own
    level(0).orgs = 1
    mondays = [
        m for m in _mondays(start, end) if campaign.starts_on - dt.timedelta(days=6) <= m <= campaign.ends_on
    ]
    units = WeeklyUnit.objects.filter(campaign=campaign).filter(_subtree_q(user, org, "org__path"))
    plans = WeeklyPlan.objects.filter(campaign=campaign, week_start__in=mondays).filter(
        _subtree_q(user, org, "org_path")
    )
    records = Activity.objects.filter(
        _subtree_q(user, org, "org_path"), held_on__gte=start, held_on__lte=end, deleted_at__isnull=True
    )
    base = len(org.path)
    for length, n in (
        units.order_by().annotate(n_len=Length("org__path")).values_list("n_len").annotate(n=Count("pk"))
    ):
        level((length - base) // STEPLEN).plans_asked += n * len(mondays)
    for length, n in (
        plans.order_by().annotate(n_len=Length("org_path")).values_list("n_len").annotate(n=Count("pk"))
    ):
        level((length - base) // STEPLEN).plans_filed += n
    for length, n in (
        records.order_by().annotate(n_len=Length("org_path")).values_list("n_len").annotate(n=Count("pk"))
    ):
        level((length - base) // STEPLEN).records += n
    if subtree:
        rollups = ComplianceRollup.objects.filter(
            org_id=org.pk,
            requirement_id__in=rule_ids,
            period_start__lte=end,
            period_start__gte=start - dt.timedelta(days=366),
        ).values_list("period_key", "rel_depth", "met", "not_met", "not_due")
        for key, rel, met, not_met, not_due in rollups:
            if selectors._period_end(key) >= start:
                level(rel).actions += met + not_met + not_due
        counts = (
            Org.objects.alive()
            .filter(path__startswith=org.path, depth__gt=org.depth)
            .order_by()
            .values_list("depth")
            .annotate(n=Count("pk"))
        )
        for depth, n in counts:
            if depth - org.depth in levels:
                level(depth - org.depth).orgs = n
    return {
        "month": start,
        "month_end": end,
        "weeks": len(mondays),
        "own": level(0),
        "levels": [levels[d] for d in sorted(levels)] if subtree else [],
    }
