"""Requirements compiled for evaluation: when a rule applies to an org (on a given day's facts),
its periods, and what counts toward it (``Requirement.counting``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from dangjian.orgs.models import Org

from ..models import Judged, PeriodKind, Requirement, pass_share
from .periods import Span, spans_overlapping

# Values of ``Requirement.counting`` (validated by the loader).
QUORUM_COMMITTEE_MAJORITY = "committee_majority"
LECTURER_SECRETARY = "secretary"


@dataclass(frozen=True, slots=True)
class Facts:
    """What applicability reads about an org, as it stood on one day."""

    kind: str
    sector: str
    leadership_team: bool
    full_count: int
    committee_positions: int
    has_groups: bool
    path: str = ""


@functools.lru_cache(maxsize=4096)
def _rule_spans(
    period: str,
    deadline: dt.date | None,
    effective_from: dt.date | None,
    effective_to: dt.date | None,
    start: dt.date,
    end: dt.date,
) -> tuple[Span, ...]:
    lo = max(start, effective_from) if effective_from else start
    hi = min(end, effective_to) if effective_to else end
    if period == PeriodKind.ONCE:
        assert deadline is not None
        span = Span(f"D{deadline.isoformat()}", effective_from or start, deadline)
        return (span,) if span.end >= start and span.start <= end else ()
    return tuple(s for s in spans_overlapping(period, lo, hi) if s.start <= end)


@dataclass(slots=True)
class Rule:
    """A Requirement compiled for evaluation."""

    id: int
    code: str
    name: str
    action: str
    kinds: tuple[str, ...]
    period: str
    times: int
    judged: str
    deadline: dt.date | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    org_kinds: frozenset[str]
    committee: dict | None
    full_members_gte: int | None
    has_groups: bool | None
    sectors: frozenset[str] | None
    leadership_team: bool | None
    within_orgs: frozenset[int] | None = None
    within_paths: tuple[str, ...] | None = None
    source_title: str = ""
    article: str = ""
    counts_from_groups: bool = False
    quorum: str | None = None
    lecturer: str | None = None
    combines_with: frozenset[str] | None = None
    share: float = 1.0

    @classmethod
    def of(cls, r: Requirement) -> Rule:
        a = r.applies_to or {}
        c = r.counting or {}
        combines = c.get("combines_with")
        return cls(
            id=r.pk,
            code=r.code,
            name=r.name,
            action=r.action or "开展",
            kinds=tuple(sorted(r.counts)),
            period=r.period,
            times=r.times,
            judged=r.judged,
            deadline=r.deadline,
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            org_kinds=frozenset(a.get("kinds") or ()),
            committee=a.get("has_committee"),
            full_members_gte=a.get("full_members_gte"),
            has_groups=a.get("has_groups"),
            sectors=frozenset(a["sectors"]) if a.get("sectors") else None,
            leadership_team=a.get("leadership_team"),
            within_orgs=frozenset(a["within_orgs"]) if a.get("within_orgs") is not None else None,
            source_title=r.source_title,
            article=r.article,
            counts_from_groups=bool(c.get("counts_from_groups")),
            quorum=c.get("quorum"),
            lecturer=c.get("lecturer"),
            combines_with=frozenset(combines) if combines is not None else None,
            share=pass_share(c),
        )

    @property
    def period_display(self) -> str:
        return f"{PeriodKind(self.period).label} {self.times} 次" + (
            "（每名党员）" if self.per_member else ""
        )

    @property
    def per_member(self) -> bool:
        return self.judged == Judged.MEMBER

    @property
    def is_campaign(self) -> bool:
        """Bounded in time (a campaign's rule): its results are kept while the rule exists."""
        return self.effective_to is not None or self.period == PeriodKind.ONCE

    def spans(self, start: dt.date, end: dt.date) -> tuple[Span, ...]:
        """This rule's periods overlapping [start, end] and its effective dates."""
        return _rule_spans(self.period, self.deadline, self.effective_from, self.effective_to, start, end)

    def all_spans(self, start: dt.date, on: dt.date) -> tuple[Span, ...]:
        """The periods evaluated on day ``on``: those of the window starting at ``start``, and
        every period of a campaign rule (however old) while the rule exists."""
        if self.is_campaign:
            return self.spans(self.effective_from or dt.date(1900, 1, 1), on)
        return self.spans(start, on)

    def applicability(self) -> tuple:
        """What ``applies`` and ``facts.intervals`` read: rules equal in it apply alike."""
        committee = tuple(sorted(self.committee.items())) if self.committee is not None else None
        cut = self.deadline if self.period == PeriodKind.ONCE else self.period
        return (
            self.org_kinds, committee, self.full_members_gte, self.has_groups, self.sectors,
            self.leadership_team, self.within_orgs, self.within_paths, cut,
        )  # fmt: skip

    def applies(self, org: Facts) -> bool:
        if org.kind not in self.org_kinds:
            return False
        if self.within_orgs is not None and not org.path.startswith(self.within_paths or ()):
            # A campaign batch's rule: only the subtrees of the batch's orgs (never unresolved).
            return False
        if self.sectors is not None and org.sector not in self.sectors:
            return False
        if self.leadership_team is not None and org.leadership_team != self.leadership_team:
            return False
        if self.full_members_gte is not None and org.full_count < self.full_members_gte:
            return False
        if self.has_groups is not None and org.has_groups != self.has_groups:
            return False
        if self.committee is not None:
            has = org.full_count >= self.committee["full_members_gte"] or (
                org.committee_positions >= self.committee["positions_gte"]
            )
            if has != bool(self.committee.get("required", True)):
                return False
        return True


_RULES: dict[str, tuple[tuple, list[Rule]]] = {}  # per database: (version, active rules)


def active_rules(rule_ids: Iterable[int] | None = None) -> list[Rule]:
    """The active requirements, compiled. All of them are kept per process and read again only
    when the table changed (row count, last modification, active count: one cheap query)."""
    qs = Requirement.objects.filter(is_active=True)
    if rule_ids is not None:
        return with_paths([Rule.of(r) for r in qs.filter(pk__in=list(rule_ids)).order_by("order", "code")])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(updated_at), SUM(CASE WHEN is_active THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {Requirement._meta.db_table}"
        )
        version = tuple(cursor.fetchone())
    cached = _RULES.get(connection.alias)
    if cached is None or cached[0] != version:
        cached = _RULES[connection.alias] = (version, [Rule.of(r) for r in qs.order_by("order", "code")])
    return with_paths(cached[1])


def with_paths(rules: list[Rule]) -> list[Rule]:
    """``rules`` with the current tree paths of the orgs their scope is restricted to
    (``applies_to.within_orgs``, a campaign batch's orgs). Read on every call, one query when
    such rules exist, so a moved org is judged where it now sits."""
    ids = sorted({i for r in rules if r.within_orgs for i in r.within_orgs})
    if not any(r.within_orgs is not None for r in rules):
        return list(rules)
    paths = (
        dict(Org.objects.filter(pk__in=ids, deleted_at__isnull=True).values_list("pk", "path")) if ids else {}
    )
    return [
        dataclasses.replace(r, within_paths=tuple(sorted(paths[i] for i in r.within_orgs if i in paths)))
        if r.within_orgs is not None
        else r
        for r in rules
    ]
