"""Reads of compliance figures. Every function starts from the scoping policy.

Figures for a subtree come from the materialized rows: an org's own ComplianceResult plus its
ComplianceRollup rows (its descendants, by relative depth). A chosen window (month, quarter,
half year, year) covers, for each requirement, the requirement's own periods that overlap it:
a monthly rule seen over a quarter counts 3 cells per org ("单位·期"), a yearly rule seen in a
month counts the year's cell.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse

from dangjian.activities import selectors as activity_selectors
from dangjian.activities.models import ActivityKindEntry
from dangjian.core import bounds, policy
from dangjian.core.permissions import Perm
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.choices import OrgKind, Standing
from dangjian.orgs.models import Member, Org

from . import engine
from .engine import CURRENT_WORD, Rule, Span, parse_span, span_of
from .models import ComplianceResult, ComplianceRollup, PeriodKind, Requirement, Status

PERM = Perm.COMPLIANCE_VIEW
MSG_NO_PERM = "您无权查看达标情况"
STEPLEN = Org.steplen


# ---------------------------------------------------------------- access


def require_view(*, user: Any) -> None:
    """Roles that never see compliance (党员) get 403; out-of-scope objects still answer 404."""
    if not policy.has_perm(user, PERM):
        raise PermissionDenied(MSG_NO_PERM)


def compliance_orgs(*, user: Any) -> QuerySet[Org]:
    return org_selectors.org_visible(user=user, perm=PERM)


def access_compliance_org(*, user: Any, pk: Any) -> Org:
    """Fetch and authorise: missing and out-of-scope both raise 404."""
    require_view(user=user)
    return org_selectors.access_org(user=user, pk=pk, perm=PERM)


def default_org(*, user: Any) -> Org | None:
    """The user's scope root for compliance: the highest org a grant covers."""
    require_view(user=user)
    grants = [g for g in policy.user_grants(user) if PERM in g.perms]
    alive = Org.objects.filter(deleted_at__isnull=True)
    if any(g.path is None for g in grants):
        return alive.filter(depth=1).order_by("path").first()
    paths = sorted((g.path for g in grants if g.path), key=lambda p: (len(p), p))
    # A grant's own org is in its scope: no need to test the scope on the row.
    return alive.filter(path=paths[0]).first() if paths else None


def sees_subtree(*, user: Any, org: Org) -> bool:
    """Whether the user may see figures of ``org``'s descendants (not only the org itself): a
    grant that reaches below its org (``Grant.subtree``) covers ``org``."""
    return any(PERM in g.perms and g.subtree and g.covers_path(org.path) for g in policy.user_grants(user))


def result_visible(*, user: Any) -> QuerySet[ComplianceResult]:
    return ComplianceResult.objects.filter(policy.scope_q(user, PERM, path_field="org_path"))


def _sections(*, user: Any, org: Org | None) -> list[Q]:
    """The results ``user`` sees (under ``org`` when given) as disjoint org-path ranges in path
    order, each one index range: read one after another they give the rows in path order, where
    one OR of the ranges would make the database sort the whole scope first."""
    if org is not None:
        if sees_subtree(user=user, org=org):
            return [policy.subtree_q("org_path", org.path)]
        return [Q(org_id=org.pk)]
    grants = [g for g in policy.user_grants(user) if PERM in g.perms]
    if any(g.path is None for g in grants):
        return [Q()]
    subtrees = sorted({g.path for g in grants if g.subtree and g.path})
    tops = [p for p in subtrees if not any(p != t and p.startswith(t) for t in subtrees)]
    singles = {g.path for g in grants if not g.subtree and g.path}
    singles = {p for p in singles if not any(p.startswith(t) for t in tops)}
    ranges = [(p, policy.subtree_q("org_path", p)) for p in tops] + [(p, Q(org_path=p)) for p in singles]
    return [q for _p, q in sorted(ranges, key=lambda pq: pq[0])]


# ---------------------------------------------------------------- periods


def last_complete_month(*, on: dt.date | None = None) -> Span:
    on = on or engine.today()
    return span_of(PeriodKind.MONTH, span_of(PeriodKind.MONTH, on).start - dt.timedelta(days=1))


def current_month(*, on: dt.date | None = None) -> Span:
    return span_of(PeriodKind.MONTH, on or engine.today())


def window_label(window: Span, *, on: dt.date | None = None) -> str:
    """The window's name, saying so when it is the default one: "2026年11月（最近完整月份）"."""
    if window == last_complete_month(on=on):
        return f"{window.label}（最近完整月份）"
    return window.label


def todo_label(*, on: dt.date | None = None) -> str:
    """What the to-do list covers: "本期：2026年12月" (items of longer periods say 本季度, 本年度)."""
    return f"本期：{current_month(on=on).label}"


def period_error(key: str, *, on: dt.date | None = None) -> str | None:
    """Why ``key`` cannot be a window (Chinese), or None: malformed, or outside the years from
    the Party's founding (``core.bounds``) to ten years ahead (a future window is empty, not an
    error; years like 9999 overflow the date arithmetic)."""
    span = parse_span(key)
    if span is None:
        return f"期间格式不正确：{key}，应为 2024、2024H1、2024Q2 或 2024-05"
    last_year = (on or engine.today()).year + 10
    if span.end < bounds.PARTY_FOUNDED or span.start.year > last_year:
        return f"期间超出范围：{key}，应在 {bounds.PARTY_FOUNDED.year} 年至 {last_year} 年之间"
    return None


def resolve_period(key: str | None, *, on: dt.date | None = None) -> Span:
    """The chosen window; default the last complete month. Raises ValueError on a bad key."""
    on = on or engine.today()
    if not key:
        return last_complete_month(on=on)
    error = period_error(key, on=on)
    if error:
        raise ValueError(error)
    span = parse_span(key)
    assert span is not None
    return span


def period_choices(*, on: dt.date | None = None) -> list[tuple[str, str]]:
    """Windows offered by the picker: years, half years, quarters and months of the window."""
    on = on or engine.today()
    start = engine.window_start(on)
    out: list[tuple[str, str]] = []
    for kind in (PeriodKind.YEAR, PeriodKind.HALF_YEAR, PeriodKind.QUARTER, PeriodKind.MONTH):
        out += [(s.key, s.label) for s in reversed(engine.spans_overlapping(kind, start, on))]
    return out


def rules(*, requirement: Requirement | None = None) -> list[Rule]:
    rs = engine.active_rules([requirement.pk] if requirement is not None else None)
    return rs


def keys_in(rule: Rule, window: Span, on: dt.date) -> list[Span]:
    """The rule's own periods that overlap the window and have started."""
    return [s for s in rule.spans(window.start, window.end) if s.start <= on]


def access_requirement(*, code_or_id: Any) -> Requirement:
    qs = Requirement.objects.filter(is_active=True)
    text = str(code_or_id or "")
    found = qs.filter(pk=int(text)).first() if text.isdigit() else qs.filter(code=text).first()
    if found is None:
        raise policy.not_found()
    return found


# ---------------------------------------------------------------- figures


# Colours of a rate, by its value (达标率 at least the bound): the tables' badges and the charts.
RATE_TONES: tuple[tuple[float, str, str], ...] = (
    (90.0, "success", "#2fb344"),
    (60.0, "warning", "#f59f00"),
    (0.0, "danger", "#d63939"),
)
NOT_JUDGED_TONE = ("secondary", "#9aa0ac")


def citation(source_title: str, article: str) -> str:
    """《支部工作条例》第十一条: what users see instead of a rule's code."""
    return f"《{source_title}》{article}" if source_title else article


def rate_tone(rate: float | None) -> tuple[str, str]:
    """(Tabler colour name, hex) for a rate; grey when nothing was judged yet."""
    if rate is None:
        return NOT_JUDGED_TONE
    for bound, name, colour in RATE_TONES:
        if rate >= bound:
            return name, colour
    return RATE_TONES[-1][1:]


@dataclass
class Tally:
    """Cells of a figure by status. Only 达标 and 未达标 are judged: the rate is
    达标 ÷ (达标 + 未达标). 未到期 (and any other status) is counted apart and never in the rate."""

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
    def tone(self) -> str:
        return rate_tone(self.rate)[0]

    def add(self, met: int, not_met: int, not_due: int) -> None:
        self.met += met
        self.not_met += not_met
        self.not_due += not_due

    def add_status(self, status: str) -> None:
        if status == Status.MET:
            self.met += 1
        elif status == Status.NOT_MET:
            self.not_met += 1
        elif status == Status.NOT_DUE:
            self.not_due += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "applicable": self.applicable,
            "judged": self.judged,
            "met": self.met,
            "not_met": self.not_met,
            "not_due": self.not_due,
            "rate": self.rate,
        }

    def shown(self) -> dict[str, Any]:
        """``as_dict`` with the colour: what a table cell shows, as a dict (a big table reads
        its cells' figures by key, much cheaper in a template than attributes)."""
        rate = self.rate
        tone = rate_tone(rate)[0]
        return {
            **self.as_dict(),
            "tone": tone,
            "ratio": f"{self.met}/{self.judged}",
            "rate_class": f"badge bg-{tone}-lt" if rate is not None else "text-muted",
            "rate_text": f"{rate}%" if rate is not None else "—",
        }


@dataclass
class RequirementFigure:
    rule: Rule
    spans: list[Span]
    total: Tally = field(default_factory=Tally)

    @property
    def period_label(self) -> str:
        if not self.spans:
            return ""
        if len(self.spans) == 1:
            return self.spans[0].label
        return f"{self.spans[0].label}—{self.spans[-1].label}（{len(self.spans)} 期）"


def _window_rules(window: Span, on: dt.date, only: Requirement | None = None) -> list[RequirementFigure]:
    out = []
    for rule in rules(requirement=only):
        spans = keys_in(rule, window, on)
        if spans:
            out.append(RequirementFigure(rule=rule, spans=spans))
    return out


def _tally_orgs(
    orgs: list[Org], figures: list[RequirementFigure], *, with_subtree: bool, depths: bool = True
) -> tuple[dict[tuple[int, int], Tally], dict[tuple[int, int], Tally]]:
    """({(org, rule): subtree tally}, {(rel depth, rule): tally}) for ``orgs`` (two queries).
    Without ``depths`` the second is left empty and the database sums the rollup rows of an
    org's levels (a drill-down of 20 orgs reads a few hundred rows instead of a thousand)."""
    by_org: dict[tuple[int, int], Tally] = defaultdict(Tally)
    by_depth: dict[tuple[int, int], Tally] = defaultdict(Tally)
    wanted = {(f.rule.id, s.key) for f in figures for s in f.spans}
    keys = {k for _r, k in wanted}
    org_ids = [o.pk for o in orgs]
    if not org_ids or not keys:
        return by_org, by_depth
    own = (
        ComplianceResult.objects.filter(org_id__in=org_ids, period_key__in=keys)
        .values_list("org_id", "requirement_id", "period_key", "status")
        .order_by()  # not the model's order: it joins the requirements to sort
    )
    for org_id, rid, key, status in own:
        if (rid, key) in wanted:
            by_org[(org_id, rid)].add_status(status)
            by_depth[(0, rid)].add_status(status)
    if with_subtree and not depths:
        summed = (
            ComplianceRollup.objects.filter(org_id__in=org_ids, period_key__in=keys)
            .values_list("org_id", "requirement_id", "period_key")
            .annotate(Sum("met"), Sum("not_met"), Sum("not_due"))
            .order_by()
        )
        for org_id, rid, key, met, not_met, not_due in summed:
            if (rid, key) in wanted:
                by_org[(org_id, rid)].add(met, not_met, not_due)
    elif with_subtree:
        rolls = ComplianceRollup.objects.filter(org_id__in=org_ids, period_key__in=keys).values_list(
            "org_id", "requirement_id", "period_key", "rel_depth", "met", "not_met", "not_due"
        )
        for org_id, rid, key, rel, met, not_met, not_due in rolls:
            if (rid, key) in wanted:
                by_org[(org_id, rid)].add(met, not_met, not_due)
                by_depth[(rel, rid)].add(met, not_met, not_due)
    return by_org, by_depth


def _records_query(*, org_id: int, kinds: Any, start: dt.date, end: dt.date) -> str:
    params: dict[str, Any] = {"org": org_id, "date_from": start.isoformat(), "date_to": end.isoformat()}
    if kinds:
        params["kind"] = sorted(kinds)  # every kind the rule counts
    return urlencode(params, doseq=True)


def records_url(*, org: Org, rule: Rule | None, start: dt.date, end: dt.date) -> str:
    """The activity list behind a figure (the activity page's filter names)."""
    query = _records_query(org_id=org.pk, kinds=rule.kinds if rule else (), start=start, end=end)
    return reverse("activities:list") + "?" + query


def result_records_url(*, result: ComplianceResult) -> str:
    return result_records_urls(results=[result])[0]


def result_records_urls(*, results: list[ComplianceResult]) -> list[str]:
    """The activity list behind each result: its org, period and the kinds its rule counts
    (the same query as ``records_url``; ids and ISO dates need no quoting, the kinds of a
    requirement are encoded once)."""
    base = reverse("activities:list")
    kinds: dict[int, str] = {}
    out = []
    for r in results:
        if r.requirement_id not in kinds:
            kinds[r.requirement_id] = "".join(
                f"&{urlencode({'kind': k})}" for k in sorted(r.requirement.counts)
            )
        dates = f"date_from={r.period_start.isoformat()}&date_to={r.period_end.isoformat()}"
        out.append(f"{base}?org={r.org_id}&{dates}{kinds[r.requirement_id]}")
    return out


def dashboard(*, user: Any, org: Org, window: Span, on: dt.date | None = None) -> dict[str, Any]:
    """Per requirement: applicable / met / rate in ``org``'s subtree; by depth; per child org."""
    on = on or engine.today()
    subtree = sees_subtree(user=user, org=org)
    figures = _window_rules(window, on)
    by_org, by_depth = _tally_orgs([org], figures, with_subtree=subtree)
    rows = []
    overall = Tally()
    for f in figures:
        f.total = by_org.get((org.pk, f.rule.id), Tally())
        overall.add(f.total.met, f.total.not_met, f.total.not_due)
        rows.append(
            {
                "figure": f,
                "rule": f.rule,
                "tally": f.total,
                "records_url": records_url(org=org, rule=f.rule, start=f.spans[0].start, end=f.spans[-1].end),
            }
        )
    depth_totals: dict[int, Tally] = defaultdict(Tally)
    for (rel, _rid), t in by_depth.items():
        depth_totals[rel].add(t.met, t.not_met, t.not_due)
    depths = [
        {
            "rel_depth": rel,
            "depth": org.depth + rel,
            "label": "本级" if rel == 0 else f"下{_cn(rel)}级",
            "tally": depth_totals[rel],
        }
        for rel in sorted(depth_totals)
        if depth_totals[rel].applicable
    ]
    return {
        "org": org,
        "window": window,
        "subtree": subtree,
        "rows": rows,
        "overall": overall,
        "depths": depths,
        "chart": {
            "labels": [d["label"] for d in depths],
            "rates": [d["tally"].rate for d in depths],
            "colors": [rate_tone(d["tally"].rate)[1] for d in depths],
            "met": [d["tally"].met for d in depths],
            "judged": [d["tally"].judged for d in depths],
            "not_due": [d["tally"].not_due for d in depths],
        },
    }


def _cn(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


@dataclass
class DrillRow:
    """A child org of the drill-down table and its subtree tally per requirement (in the
    figures' order). ``signature`` is everything the row shows, for a cache key."""

    org: Org
    names: list[str]  # the requirements' names, one per tally
    tallies: list[Tally]
    total: Tally
    links: dict[str, str] = field(default_factory=dict)  # the view's hrefs, by name

    @property
    def org_id(self) -> int:
        return self.org.pk

    @property
    def name(self) -> str:
        return self.org.name

    @property
    def cells(self) -> list[dict[str, Any]]:
        return [{"name": n, **t.shown()} for n, t in zip(self.names, self.tallies, strict=True)]

    @property
    def total_shown(self) -> dict[str, Any]:
        return self.total.shown()

    def signature(self) -> tuple[Any, ...]:
        return (self.org.pk, self.org.name, *((t.met, t.not_met, t.not_due) for t in self.tallies))


def drill(
    *, user: Any, org: Org, window: Span, requirement: Requirement | None = None, on: dt.date | None = None
) -> dict[str, Any]:
    """Each child org of ``org`` (in scope) with its subtree figures per requirement."""
    on = on or engine.today()
    figures = _window_rules(window, on, only=requirement)
    children = (
        list(org_selectors.org_children(user=user, org=org).only("name", "path", "depth").order_by("path"))
        if sees_subtree(user=user, org=org)
        else []
    )
    children = [c for c in children if policy.has_perm_for_path(user, PERM, c.path)]
    by_org, _ = _tally_orgs(children, figures, with_subtree=True, depths=False)
    names = [f.rule.name for f in figures]
    empty = Tally()
    rows = []
    for child in children:
        tallies = [by_org.get((child.pk, f.rule.id), empty) for f in figures]
        total = Tally()
        for t in tallies:
            total.add(t.met, t.not_met, t.not_due)
        if total.applicable:
            rows.append(DrillRow(org=child, names=names, tallies=tallies, total=total))
    return {"org": org, "window": window, "figures": figures, "rows": rows, "requirement": requirement}


# What the lists show of a result (its org only by name, annotated as ``org_name`` rather than a
# joined Org instance per row; requirements, a handful, are fetched once per page instead of
# joined to every row).
ORG_NAME = F("org__name")
RESULT_FIELDS = (
    "requirement",
    "org",
    "org_path",
    "period_key",
    "period_start",
    "period_end",
    "status",
    "count",
    "required",
    "activity_ids",
    "rejected_ids",
)


class LaggingRows:
    """The lagging list of a subtree and window: NOT_MET results by requirement (in its order),
    then org path and period, read like a queryset by ``Paginator`` and the API's ``paginate``.

    ``count()`` is the 未达标 figure of the dashboard (the org's own results plus its
    ComplianceRollup rows, no COUNT over the results); a slice reads, requirement by
    requirement, one range of the (requirement, period, org path) index: one query per
    requirement the slice touches, and one for the requirements themselves. When the
    requirements a slice touches hold few rows in all (``MERGE_ROWS``: a branch's list, where
    each requirement has a row or two), one query reads all of them.
    """

    MERGE_ROWS = 200

    def __init__(self, where: Q, parts: list[tuple[int, list[str], int]]) -> None:
        self.where = where  # the org, or its subtree
        self.parts = parts  # per requirement: its id, its period keys, and how many rows

    def count(self) -> int:
        return sum(n for _rid, _keys, n in self.parts)

    def __len__(self) -> int:
        return self.count()

    def _rows(self, cells: Q) -> QuerySet[ComplianceResult]:
        return (
            ComplianceResult.objects.filter(self.where, cells, status=Status.NOT_MET)
            .only(*RESULT_FIELDS)
            .annotate(org_name=ORG_NAME)
            .order_by("org_path", "period_start", "pk")
        )

    def __getitem__(self, key: slice) -> list[ComplianceResult]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("LaggingRows reads slices only")
        start, stop = key.start or 0, self.count() if key.stop is None else key.stop
        touched = []  # (requirement, its period keys, its row count, the rows [lo, hi) wanted)
        for rid, keys, n in self.parts:
            if stop <= 0:
                break
            if start < n:
                touched.append((rid, keys, n, start, min(stop, n)))
            start, stop = max(start - n, 0), stop - n
        out: list[ComplianceResult] = []
        if len(touched) > 1 and sum(n for _r, _k, n, _lo, _hi in touched) <= self.MERGE_ROWS:
            cells = reduce(or_, (Q(requirement_id=rid, period_key__in=keys) for rid, keys, *_ in touched))
            by_rule: dict[int, list[ComplianceResult]] = defaultdict(list)
            for r in self._rows(cells):  # in path order: split by requirement, each keeps it
                by_rule[r.requirement_id].append(r)
            for rid, _keys, n, lo, hi in touched:
                out += by_rule[rid][:n][lo:hi]
        else:
            for rid, keys, _n, lo, hi in touched:
                out += self._rows(Q(requirement_id=rid, period_key__in=keys))[lo:hi]
        if out:  # one read for the page's requirements
            reqs = Requirement.objects.in_bulk({r.requirement_id for r in out})
            for r in out:
                r.requirement = reqs[r.requirement_id]
        return out


def lagging(
    *, user: Any, org: Org, window: Span, requirement: Requirement | None = None, on: dt.date | None = None
) -> LaggingRows:
    """NOT_MET results in ``org``'s subtree (or of ``org`` alone when the user's grant stops
    there) for the window, by requirement, org and period. ``org`` is already authorised
    (``access_compliance_org`` or ``default_org``): a grant that reaches below it covers its
    whole subtree."""
    on = on or engine.today()
    figures = _window_rules(window, on, only=requirement)
    subtree = sees_subtree(user=user, org=org)
    by_org, _ = _tally_orgs([org], figures, with_subtree=subtree, depths=False)
    where = policy.subtree_q("org_path", org.path) if subtree else Q(org_id=org.pk)
    parts = []
    for f in figures:
        n = by_org.get((org.pk, f.rule.id), Tally()).not_met
        if n:
            parts.append((f.rule.id, [s.key for s in f.spans], n))
    return LaggingRows(where, parts)


RESULTS_COUNT_CAP = 10_000


@dataclass
class ResultPage:
    """One page of the result list: its rows, the count up to ``RESULTS_COUNT_CAP`` and the
    cursor of the next page (None on the last)."""

    rows: list[ComplianceResult]
    count: int
    count_capped: bool
    next_cursor: str | None


def _result_cursor(r: ComplianceResult) -> str:
    return f"{r.org_path}~{r.requirement.order}~{r.period_start.isoformat()}~{r.pk}"


def _after_cursor(cursor: str) -> Q:
    """Rows after the cursor in (org path, requirement order, period start, id) order."""
    bad = ValueError("翻页参数不正确，请从第一页重新开始")
    parts = cursor.split("~")
    if len(parts) != 4 or not parts[0].isalnum() or not parts[1].isdigit() or not parts[3].isdigit():
        raise bad
    try:
        path, order, start, pk = parts[0], int(parts[1]), dt.date.fromisoformat(parts[2]), int(parts[3])
    except (ValueError, OverflowError):
        raise bad from None
    if order > 32767 or pk > 2**63 - 1:
        raise bad
    same_org = Q(requirement__order__gt=order) | Q(requirement__order=order, period_start__gt=start)
    same_org |= Q(requirement__order=order, period_start=start, pk__gt=pk)
    # The lower bound on the path alone keeps the read one index range; the OR decides within it.
    return Q(org_path__gte=path) & (Q(org_path__gt=path) | Q(same_org, org_path=path))


def results(
    *,
    user: Any,
    org: Org | None = None,
    window: Span | None = None,
    requirement: Requirement | None = None,
    status: str | None = None,
    cursor: str | None = None,
    offset: int = 0,
    size: int = 50,
) -> ResultPage:
    """A page of the results the user sees (under ``org`` when given), by org path, requirement
    and period. ``cursor`` (a previous page's ``next_cursor``) continues after that page;
    without it ``offset`` rows (at most the count cap) are skipped. Raises ValueError with a
    Chinese message for a cursor this function did not write."""
    where = Q()
    if window is not None:
        where &= Q(period_start__lte=window.end, period_end__gte=window.start)
    if requirement is not None:
        where &= Q(requirement=requirement)
    if status:
        where &= Q(status=status)
    after = _after_cursor(cursor) if cursor else Q()
    sections = []
    counted = 0
    for section in _sections(user=user, org=org):
        qs = ComplianceResult.objects.filter(section, where)
        n = qs.order_by()[: RESULTS_COUNT_CAP + 1 - counted].count() if counted <= RESULTS_COUNT_CAP else 0
        counted += n
        sections.append((qs, n))
    rows: list[ComplianceResult] = []
    skip = 0 if cursor else offset
    for qs, n in sections:
        if skip >= n:
            skip -= n
            continue
        ordered = (
            qs.filter(after)
            .only(*RESULT_FIELDS)
            .annotate(org_name=ORG_NAME)
            .prefetch_related("requirement")
            .order_by("org_path", "requirement__order", "period_start", "pk")
        )
        rows += ordered[skip : skip + size + 1 - len(rows)]
        skip = 0
        if len(rows) > size:
            break
    more = len(rows) > size
    rows = rows[:size]
    return ResultPage(
        rows=rows,
        count=min(counted, RESULTS_COUNT_CAP),
        count_capped=counted > RESULTS_COUNT_CAP,
        next_cursor=_result_cursor(rows[-1]) if more and rows else None,
    )


def org_status(*, user: Any, org: Org, periods: int = 6) -> list[dict[str, Any]]:
    """One org's results per requirement, newest first, at most ``periods`` per requirement."""
    by_rule: dict[int, list[ComplianceResult]] = defaultdict(list)
    reqs: dict[int, Requirement] = {}
    for r in (
        result_visible(user=user)
        .filter(org=org)
        .select_related("requirement")
        .order_by("requirement__order", "-period_start")
    ):
        if len(by_rule[r.requirement_id]) < periods:
            by_rule[r.requirement_id].append(r)
            reqs[r.requirement_id] = r.requirement
    out = []
    for rid, rows in by_rule.items():
        out.append({"requirement": reqs[rid], "results": rows, "tally": _tally_of(rows)})
    return out


def _tally_of(rows: list[ComplianceResult]) -> Tally:
    t = Tally()
    for r in rows:
        t.add_status(r.status)
    return t


def todo(*, user: Any, org: Org, on: dt.date | None = None) -> list[dict[str, Any]]:
    """本月待办: requirements of ``org`` (and its 党小组) whose current period is not yet met.
    ``org`` is already authorised (``access_compliance_org`` or ``default_org``)."""
    on = on or engine.today()
    org_ids = [org.pk]
    if sees_subtree(user=user, org=org):
        groups = org_selectors.org_children(user=user, org=org).filter(kind=OrgKind.GROUP)
        org_ids += groups.order_by().values_list("pk", flat=True)
    rows = (
        ComplianceResult.objects.filter(org_id__in=org_ids, period_start__lte=on, period_end__gte=on)
        .exclude(status=Status.MET)
        .select_related("org")
        .only(*RESULT_FIELDS, "org__name")
        .prefetch_related("requirement")
        .order_by("period_end", "requirement__order", "org_path")
    )
    return todo_items(user=user, org=org, rows=rows, on=on)


def todo_items(*, user: Any, org: Org, rows: Any, on: dt.date) -> list[dict[str, Any]]:
    """The to-do entries of open results ``rows`` of ``org`` and its 党小组 (each row with its
    ``requirement`` and ``org`` name at hand), in the rows' order; reads nothing more."""
    list_url = reverse("activities:create")
    records_allowed: dict[str, bool] = {}
    out = []
    for r in rows:
        req = r.requirement
        word = CURRENT_WORD.get(req.period, "本期")
        if req.period == PeriodKind.ONCE:
            word = f"{r.period_end.month}月{r.period_end.day}日前"
        if req.judged == "member":
            text = f"{req.name}：{word}还有 {r.required - r.count} 名党员尚未{req.action}"
        elif r.count == 0:
            text = f"{req.name} {word}尚未{req.action}"
        else:
            text = f"{req.name} {word}已{req.action} {r.count} 次，还差 {r.required - r.count} 次"
        if r.org_path not in records_allowed:
            records_allowed[r.org_path] = activity_selectors.sees_whole(
                user, Perm.ACTIVITY_CHANGE, r.org_path
            )
        out.append(
            {
                "result": r,
                "text": text if r.org_id == org.pk else f"{r.org.name}：{text}",
                "due": r.period_end,
                "days_left": (r.period_end - on).days,
                "record_url": _record_url(result=r, base=list_url) if records_allowed[r.org_path] else "",
                "missing_url": reverse("compliance:missing", args=[r.pk]) if req.judged == "member" else "",
            }
        )
    return out


def _record_url(*, result: ComplianceResult, base: str) -> str:
    """去记录: the activity form with the org and the requirement's kinds filled in (for users
    who may record for that org; the caller checks)."""
    query = urlencode([("org", result.org_id), *(("kind", k) for k in sorted(result.requirement.counts))])
    return f"{base}?{query}"


def access_result(*, user: Any, pk: Any) -> ComplianceResult:
    """One visible result (fetch and authorise): missing and out-of-scope both raise 404."""
    require_view(user=user)
    try:
        return result_visible(user=user).select_related("requirement", "org").get(pk=int(pk))
    except (ComplianceResult.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def result_missing_members(*, user: Any, result: ComplianceResult) -> list[Member]:
    """For a per-member result: the org's members (in normal standing) who have not yet attended
    the requirement's activities as often as it asks in the result's period, counted as the
    engine counts them. Names come from the member scope: someone who may see the figure but
    not the members gets an empty list."""
    req = result.requirement
    if req.judged != "member":
        return []
    done = (
        ActivityKindEntry.objects.filter(
            kind__in=list(req.counts),
            is_active=True,
            org_id=result.org_id,
            held_on__range=(result.period_start, result.period_end),
            activity__attendances__status__in=engine.ATTENDED,
        )
        .values("activity__attendances__member_id")
        .annotate(n=Count("activity_id", distinct=True))
        .filter(n__gte=req.times)
        .values("activity__attendances__member_id")
    )
    return list(
        org_selectors.member_visible(user=user)
        .filter(org_id=result.org_id, standing=Standing.NORMAL)
        .exclude(pk__in=done)
        .order_by("name", "pk")
    )


def _facts_on(org_id: int, day: dt.date) -> engine.Facts | None:
    """The facts of the org on ``day`` (kind, 正式党员, 委员, 党小组 …), as the engine reads them."""
    history = engine.load_histories([org_id], lo=day).get(org_id)
    return history.facts_on(day) if history is not None and history.segments else None


def member_asks(*, user: Any, member: Member, on: dt.date | None = None) -> list[dict[str, Any]]:
    """What ``member``'s org asks of them in person: each active per-member requirement that
    applies to the org, its current period, and how many of the org's activities of its kinds
    the member attended (出席 or 异地参加) in that period, counted as the engine counts them.

    Only the member themself or a user who sees the member's org may read it.
    """
    own = getattr(user, "member_id", None) == member.pk
    if not own and not policy.allows_path(user, Perm.MEMBER_VIEW, member.org_path):
        raise policy.not_found()
    on = on or engine.today()
    facts = _facts_on(member.org_id, on)
    if facts is None:
        return []
    asked: list[tuple[Rule, Span]] = []
    for rule in engine.active_rules():
        if not rule.per_member or not rule.applies(facts):
            continue
        current = [s for s in rule.spans(on, on) if s.contains(on)]
        if current:
            asked.append((rule, current[0]))
    if not asked:
        return []
    # The member's attended entries of every asked kind over all the asked periods, in one read;
    # each rule then counts the distinct activities of its kinds in its own period.
    attended = set(
        ActivityKindEntry.objects.filter(
            kind__in=sorted({k for rule, _span in asked for k in rule.kinds}),
            is_active=True,
            org_id=member.org_id,
            held_on__range=(min(s.start for _r, s in asked), max(s.end for _r, s in asked)),
            activity__attendances__member=member,
            activity__attendances__status__in=engine.ATTENDED,
        ).values_list("activity_id", "kind", "held_on")
    )
    out = []
    for rule, span in asked:
        done = len(
            {a for a, kind, held_on in attended if kind in rule.kinds and span.start <= held_on <= span.end}
        )
        word = CURRENT_WORD.get(rule.period, "本期")
        if rule.period == PeriodKind.ONCE:
            word = f"{span.end.month}月{span.end.day}日前"
        out.append(
            {
                "name": rule.name,
                "action": rule.action,
                "word": word,
                "times": rule.times,
                "done": done,
                "met": done >= rule.times,
                "due": span.end,
            }
        )
    return out


def kinds_asked_of(org: Org) -> frozenset[str]:
    """The activity kinds the active requirements count for ``org`` (by its kind, sector,
    committee, groups and members, as the engine judges applicability). The activity form
    offers these first and the rest behind 更多."""
    facts = _facts_on(org.pk, engine.today())
    if facts is None:
        return frozenset()
    return frozenset(k for rule in engine.active_rules() if rule.applies(facts) for k in rule.kinds)
