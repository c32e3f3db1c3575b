"""The compliance engine: evaluates requirements per (requirement, org, period).

One code path computes the wanted rows: per requirement, one SELECT that crosses the orgs it
applies to with its periods and counts ActivityKindEntry (or Attendance, for per-member rules)
with a GROUP BY, all inside the database. The full recompute wraps each SELECT in an
INSERT … SELECT (no row passes through Python); the incremental update runs the same SELECTs
(one UNION ALL) for a few orgs and the periods containing a few dates, and writes the
difference. So incremental == full recompute by construction, and a hypothesis test checks it.
Roll-ups are one INSERT … SELECT over the results, grouped by ancestor and relative depth.

Applicability (which orgs a rule applies to) is decided in Python by ``Rule.applies`` on
``OrgFacts``; the ids go to the database as one array parameter.

Rules chosen here (documented in docs and the README):
- Window: periods overlapping [1 January of (this year - COMPLIANCE_HISTORY_YEARS + 1), today].
  Periods starting after today are not evaluated.
- Status: count ≥ required → MET; otherwise NOT_DUE while the period has not ended
  (period end ≥ today), NOT_MET once it has. So the current period is judged "so far" and
  turns MET as soon as enough is held; a daily ``recompute_compliance`` turns yesterday's
  NOT_DUE into NOT_MET when a period ends.
- Applicability uses the org's current state (kind, member counts, committee, groups,
  sector, leadership team); only orgs the rule applies to get rows (no NOT_APPLICABLE rows
  are stored). Periods that ended before the org's ``founded_on`` are not judged.
- Per-member rules count a member's attendance (出席 or 异地参加) at activities held by the
  member's current org; the org row holds "N of M members".
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.activities.models import ActivityKind, ActivityKindEntry, Attendance, AttendanceStatus
from dangjian.orgs.choices import COMMITTEE_TITLES, OrgKind, Standing
from dangjian.orgs.models import Member, Org, Position

from .models import (
    ComplianceResult,
    ComplianceRollup,
    Judged,
    PeriodKind,
    Requirement,
    Status,
    TrackedOrg,
)

STEPLEN = Org.steplen
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.ELSEWHERE)
KIND_LABELS = dict(ActivityKind.choices)

# ---------------------------------------------------------------- periods

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
CURRENT_WORD: dict[str, str] = {
    PeriodKind.MONTH: "本月",
    PeriodKind.QUARTER: "本季度",
    PeriodKind.HALF_YEAR: "本半年",
    PeriodKind.YEAR: "本年度",
    PeriodKind.ONCE: "截止日期前",
}


@dataclass(frozen=True, slots=True)
class Span:
    """One period: a month ("2024-05"), quarter ("2024Q2"), half year ("2024H1"), year ("2024")
    or the window of a one-off rule ("D2023-11-30")."""

    key: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return span_label(self.key)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def span_of(kind: str, day: dt.date) -> Span:
    y, m = day.year, day.month
    if kind == PeriodKind.MONTH:
        return Span(f"{y}-{m:02d}", dt.date(y, m, 1), _month_end(y, m))
    if kind == PeriodKind.QUARTER:
        q = (m - 1) // 3 + 1
        return Span(f"{y}Q{q}", dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if kind == PeriodKind.HALF_YEAR:
        h = 1 if m <= 6 else 2
        return Span(f"{y}H{h}", dt.date(y, 6 * h - 5, 1), _month_end(y, 6 * h))
    if kind == PeriodKind.YEAR:
        return Span(f"{y}", dt.date(y, 1, 1), dt.date(y, 12, 31))
    raise ValueError(f"unknown period kind {kind}")


def spans_overlapping(kind: str, start: dt.date, end: dt.date) -> list[Span]:
    """Every period of ``kind`` that overlaps [start, end], in order."""
    out: list[Span] = []
    if end < start:
        return out
    span = span_of(kind, start)
    while span.start <= end:
        out.append(span)
        span = span_of(kind, span.end + dt.timedelta(days=1))
    return out


def parse_span(key: str) -> Span | None:
    """The period named by ``key`` (month, quarter, half-year or year), or None if malformed."""
    key = (key or "").strip().upper()
    try:
        if len(key) == 4 and key.isdigit():
            return span_of(PeriodKind.YEAR, dt.date(int(key), 1, 1))
        if len(key) == 6 and key[4] == "Q" and key[5] in "1234":
            return span_of(PeriodKind.QUARTER, dt.date(int(key[:4]), 3 * int(key[5]) - 2, 1))
        if len(key) == 6 and key[4] == "H" and key[5] in "12":
            return span_of(PeriodKind.HALF_YEAR, dt.date(int(key[:4]), 6 * int(key[5]) - 5, 1))
        if len(key) == 7 and key[4] == "-":
            return span_of(PeriodKind.MONTH, dt.date(int(key[:4]), int(key[5:]), 1))
    except ValueError:
        return None
    return None


def period_kind_of_key(key: str) -> str:
    if key.startswith("D"):
        return PeriodKind.ONCE
    if "Q" in key:
        return PeriodKind.QUARTER
    if "H" in key:
        return PeriodKind.HALF_YEAR
    if "-" in key:
        return PeriodKind.MONTH
    return PeriodKind.YEAR


@functools.lru_cache(maxsize=8192)
def span_label(key: str) -> str:
    if key.startswith("D"):
        d = dt.date.fromisoformat(key[1:])
        return f"截至{d.year}年{d.month}月{d.day}日"
    if "Q" in key:
        return f"{key[:4]}年{QUARTER_NAMES[int(key[5])]}"
    if "H" in key:
        return f"{key[:4]}年{'上' if key[5] == '1' else '下'}半年"
    if "-" in key:
        return f"{key[:4]}年{int(key[5:])}月"
    return f"{key}年"


def today() -> dt.date:
    return timezone.localdate()


def window_start(on: dt.date) -> dt.date:
    years = int(getattr(settings, "COMPLIANCE_HISTORY_YEARS", 2))
    return dt.date(on.year - max(years, 1) + 1, 1, 1)


# ---------------------------------------------------------------- rules and org facts


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
    source_title: str = ""
    article: str = ""

    @classmethod
    def of(cls, r: Requirement) -> Rule:
        a = r.applies_to or {}
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
            source_title=r.source_title,
            article=r.article,
        )

    @property
    def period_display(self) -> str:
        return f"{PeriodKind(self.period).label} {self.times} 次" + (
            "（每名党员）" if self.per_member else ""
        )

    @property
    def per_member(self) -> bool:
        return self.judged == Judged.MEMBER

    def spans(self, start: dt.date, end: dt.date) -> tuple[Span, ...]:
        """This rule's periods overlapping [start, end] and its effective dates."""
        return _rule_spans(self.period, self.deadline, self.effective_from, self.effective_to, start, end)

    def applies(self, org: OrgFacts) -> bool:
        if org.kind not in self.org_kinds:
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
        if self.per_member and not org.member_count:
            return False
        return True


@dataclass(slots=True)
class OrgFacts:
    id: int
    path: str
    kind: str
    sector: str
    leadership_team: bool
    full_count: int
    founded_on: dt.date | None
    committee_positions: int = 0
    has_groups: bool = False
    member_count: int = 0

    @property
    def depth(self) -> int:
        return len(self.path) // STEPLEN


_RULES: dict[str, tuple[tuple, list[Rule]]] = {}  # per database: (version, active rules)


def active_rules(rule_ids: Iterable[int] | None = None) -> list[Rule]:
    """The active requirements, compiled. All of them are kept per process and read again only
    when the table changed (row count, last modification, active count: one cheap query)."""
    qs = Requirement.objects.filter(is_active=True)
    if rule_ids is not None:
        return [Rule.of(r) for r in qs.filter(pk__in=list(rule_ids)).order_by("order", "code")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(updated_at), SUM(CASE WHEN is_active THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {Requirement._meta.db_table}"
        )
        version = tuple(cursor.fetchone())
    cached = _RULES.get(connection.alias)
    if cached is None or cached[0] != version:
        cached = _RULES[connection.alias] = (version, [Rule.of(r) for r in qs.order_by("order", "code")])
    return list(cached[1])


def load_org_facts(org_ids: Iterable[int] | None = None, *, need_members: bool = True) -> dict[int, OrgFacts]:
    """Facts the applicability conditions read, for alive orgs (all when ``org_ids`` is None).

    One query: committee posts held, whether a 党小组 hangs below, members in normal standing.
    """
    where = ""
    params: list[Any] = []
    if org_ids is not None:
        ids = sorted({int(i) for i in org_ids})
        if not ids:
            return {}
        w, params = _in_ids("o.id", ids)
        where = f" AND {w}"
    last = Org.alphabet[-1] * STEPLEN  # children of o: paths in (o.path, o.path || 'ZZZZ']
    members = (
        f"(SELECT COUNT(*) FROM {T_MEMBER} m WHERE m.org_id = o.id AND m.deleted_at IS NULL "  # noqa: S608
        f"AND m.standing = '{Standing.NORMAL.value}')"
        if need_members
        else "0"
    )
    sql = (
        f"SELECT o.id, o.path, o.kind, o.sector, o.leadership_team, o.full_count, o.founded_on, "  # noqa: S608
        f"(SELECT COUNT(DISTINCT p.member_id) FROM {T_POSITION} p WHERE p.org_id = o.id "
        f"AND p.ended_on IS NULL AND p.title IN ({_literals(sorted(COMMITTEE_TITLES))})), "
        f"CASE WHEN EXISTS (SELECT 1 FROM {T_ORG} g WHERE g.path > o.path AND g.path <= o.path || '{last}' "
        f"AND g.depth = o.depth + 1 AND g.kind = '{OrgKind.GROUP.value}' AND g.deleted_at IS NULL) "
        f"THEN 1 ELSE 0 END, {members} "
        f"FROM {T_ORG} o WHERE o.deleted_at IS NULL{where}"
    )
    facts: dict[int, OrgFacts] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20000):
            for row in batch:
                org_id, path, kind, sector, team, full, founded, posts, groups, members = row
                facts[org_id] = OrgFacts(
                    org_id, path, kind, sector, team, full, founded, posts, bool(groups), members
                )
    return facts


# ---------------------------------------------------------------- the SQL of one rule

RowKey = tuple[int, int, str]  # (org id, requirement id, period key)
MET, NOT_MET, NOT_DUE = str(Status.MET.value), str(Status.NOT_MET.value), str(Status.NOT_DUE.value)

T_ORG = Org._meta.db_table
T_MEMBER = Member._meta.db_table
T_POSITION = Position._meta.db_table
T_ENTRY = ActivityKindEntry._meta.db_table
T_ATTENDANCE = Attendance._meta.db_table
T_RESULT = ComplianceResult._meta.db_table
T_ROLLUP = ComplianceRollup._meta.db_table
T_TRACKED = TrackedOrg._meta.db_table

ORG_FILTER_MAX = 500

# Columns of a result row, in the order the SELECTs below produce them.
RESULT_COLUMNS = (
    "org_id",
    "requirement_id",
    "period_key",
    "org_path",
    "period_start",
    "period_end",
    "status",
    "count",
    "required",
    "activity_ids",
)
ROLLUP_COLUMNS = (
    "org_id",
    "requirement_id",
    "period_key",
    "rel_depth",
    "org_path",
    "period_start",
    "met",
    "not_met",
    "not_due",
)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _cols(columns: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def _sql_date(day: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _key_sql(period: PeriodKind | str, col: str) -> str:
    """SQL naming the ``period`` that contains the date column ``col``, to join with the periods
    of ``_periods_sql`` on ``PERIOD_JOIN``: on SQLite the key text (see ``span_of``), on
    PostgreSQL the period's first day (date_trunc is much cheaper than to_char)."""
    if _pg():
        ts = f"CAST({col} AS timestamp)"  # a bare date would go through timestamptz
        if period == PeriodKind.HALF_YEAR:
            return (
                f"CAST(date_trunc('year', {ts}) + CASE WHEN EXTRACT(MONTH FROM {col}) > 6 "
                f"THEN INTERVAL '6 months' ELSE INTERVAL '0 months' END AS date)"
            )
        unit = {PeriodKind.MONTH: "month", PeriodKind.QUARTER: "quarter", PeriodKind.YEAR: "year"}[
            PeriodKind(period)
        ]
        return f"CAST(date_trunc('{unit}', {ts}) AS date)"
    # SQLite stores dates as ISO text.
    return {
        PeriodKind.MONTH: f"substr({col}, 1, 7)",
        PeriodKind.QUARTER: f"substr({col}, 1, 4) || 'Q' || ((CAST(substr({col}, 6, 2) AS INTEGER) + 2) / 3)",
        PeriodKind.HALF_YEAR: f"substr({col}, 1, 4) || CASE WHEN substr({col}, 6, 2) <= '06' THEN 'H1' ELSE 'H2' END",
        PeriodKind.YEAR: f"substr({col}, 1, 4)",
    }[PeriodKind(period)]


def _period_join() -> str:
    """The column of the periods subquery that ``_key_sql`` values match."""
    return "s" if _pg() else "k"


def _once_key(span: Span) -> Any:
    return _sql_date(span.start) if _pg() else span.key


def _in_ids(col: str, ids: list, *, sql_type: str = "bigint") -> tuple[str, list]:
    """``col`` is one of ``ids``, as a single parameter (an array / a JSON list)."""
    if _pg():
        return f"{col} = ANY(CAST(%s AS {sql_type}[]))", [ids]
    return f"{col} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]  # noqa: S608


def _id_list(col: str, distinct: bool) -> str:
    """Comma-separated ids of a group (the order is not defined; readers sort)."""
    d = "DISTINCT " if distinct else ""
    if _pg():
        return f"STRING_AGG({d}CAST({col} AS TEXT), ',')"
    return f"GROUP_CONCAT({d}{col})"


def _literals(values: Iterable[str]) -> str:
    """Inline string constants (our own choice values: letters and underscores only)."""
    out = []
    for v in values:
        if not str(v).replace("_", "").isalnum():
            raise ValueError(f"unsafe literal {v!r}")
        out.append(f"'{v}'")
    return ", ".join(out)


def _periods_sql(spans: Sequence[Span]) -> tuple[str, list]:
    parts, params = [], []
    for i, s in enumerate(spans):
        parts.append("SELECT %s AS k, %s AS s, %s AS e" if i == 0 else "SELECT %s, %s, %s")
        params += [s.key, _sql_date(s.start), _sql_date(s.end)]
    return " UNION ALL ".join(parts), params


def rule_sql(rule: Rule, spans: Sequence[Span], org_ids: list[int], on: dt.date) -> tuple[str, list]:
    """One SELECT giving the result rows (``RESULT_COLUMNS``) of ``rule`` for ``org_ids`` × ``spans``.

    ``org_ids`` are orgs the rule applies to; periods that ended before an org was founded are
    left out. Status: count ≥ required → met; else not_due until the period's end, then not_met.
    """
    once = rule.period == PeriodKind.ONCE
    lo, hi = _sql_date(spans[0].start), _sql_date(spans[-1].end)
    kinds = _literals(rule.kinds)
    periods, p_params = _periods_sql(spans)
    o_in, o_params = _in_ids("o.id", org_ids)
    status = (
        f"CASE WHEN COALESCE(c.n, 0) >= {{required}} THEN '{MET}' "
        f"WHEN p.e >= %s THEN '{NOT_DUE}' ELSE '{NOT_MET}' END"
    )
    # Counting for a few orgs seeks them in the index; for many, one range scan of the kinds
    # is cheaper (rows of other orgs find no partner in the join).
    e_in, e_params = _in_ids("e.org_id", org_ids) if len(org_ids) <= ORG_FILTER_MAX else ("1 = 1", [])
    if not rule.per_member:
        key = "%s" if once else _key_sql(rule.period, "e.held_on")
        distinct = len(rule.kinds) > 1  # an activity has each kind once
        counts = (
            f"SELECT e.org_id AS org_id, {key} AS k, COUNT({'DISTINCT ' if distinct else ''}e.activity_id) AS n, "  # noqa: S608
            f"{_id_list('e.activity_id', distinct)} AS ids "
            f"FROM {T_ENTRY} e WHERE e.kind IN ({kinds}) AND e.is_active "
            f"AND e.held_on >= %s AND e.held_on <= %s AND {e_in} "
            f"GROUP BY {'1' if once else '1, 2'}"
        )
        c_params = ([_once_key(spans[0])] if once else []) + [lo, hi, *e_params]
        sql = (
            f"SELECT o.id, {int(rule.id)}, p.k, o.path, p.s, p.e, {status.format(required=int(rule.times))}, "  # noqa: S608
            f"COALESCE(c.n, 0), {int(rule.times)}, COALESCE(c.ids, '') "
            f"FROM {T_ORG} o JOIN ({periods}) p ON (o.founded_on IS NULL OR p.e >= o.founded_on) "
            f"LEFT JOIN ({counts}) c ON c.org_id = o.id AND c.k = p.{_period_join()} "
            f"WHERE {o_in}"
        )
        return sql, [_sql_date(on), *p_params, *c_params, *o_params]
    # Per member: "done" members attended at least ``times`` of the org's own activities of
    # these kinds in the period; ``required`` is the org's members (alive, normal standing).
    # The kind entries mirror their activity (org, date, deleted), so they stand for it here.
    m_in, m_params = _in_ids("m.org_id", org_ids)
    key = "%s" if once else _key_sql(rule.period, "e.held_on")
    key_params = [_once_key(spans[0])] if once else []
    entries = (
        f"FROM {T_ENTRY} e WHERE e.kind IN ({kinds}) AND e.is_active AND e.held_on >= %s AND e.held_on <= %s "
        f"AND {e_in}"
    )
    member_ok = f"m.org_id = e.org_id AND m.deleted_at IS NULL AND m.standing = '{Standing.NORMAL.value}'"
    attended = f"t.status IN ({_literals(ATTENDED)})"
    done = (
        f"SELECT y.org_id AS org_id, y.k AS k, COUNT(*) AS n FROM ("  # noqa: S608
        f"SELECT e.org_id AS org_id, {key} AS k FROM {T_ENTRY} e "
        f"JOIN {T_ATTENDANCE} t ON t.activity_id = e.activity_id JOIN {T_MEMBER} m ON m.id = t.member_id "
        f"WHERE e.kind IN ({kinds}) AND e.is_active AND e.held_on >= %s AND e.held_on <= %s AND {e_in} "
        f"AND {attended} AND {member_ok} "
        f"GROUP BY e.org_id, {'1' if once else key}, t.member_id "
        f"HAVING COUNT(DISTINCT e.activity_id) >= {int(rule.times)}"
        f") y GROUP BY y.org_id, y.k"
    )
    ids = (
        f"SELECT e.org_id AS org_id, {key} AS k, {_id_list('e.activity_id', len(rule.kinds) > 1)} AS ids "  # noqa: S608
        f"{entries} AND EXISTS (SELECT 1 FROM {T_ATTENDANCE} t JOIN {T_MEMBER} m ON m.id = t.member_id "
        f"WHERE t.activity_id = e.activity_id AND {attended} AND {member_ok}) "
        f"GROUP BY {'1' if once else '1, 2'}"
    )
    members = (
        f"SELECT m.org_id AS org_id, COUNT(*) AS total FROM {T_MEMBER} m "  # noqa: S608
        f"WHERE m.deleted_at IS NULL AND m.standing = '{Standing.NORMAL.value}' AND {m_in} GROUP BY m.org_id"
    )
    x_params = [*key_params, lo, hi, *e_params]
    sql = (
        f"SELECT o.id, {int(rule.id)}, p.k, o.path, p.s, p.e, {status.format(required='tm.total')}, "  # noqa: S608
        f"COALESCE(c.n, 0), tm.total, COALESCE(d.ids, '') "
        f"FROM {T_ORG} o JOIN ({members}) tm ON tm.org_id = o.id "
        f"JOIN ({periods}) p ON (o.founded_on IS NULL OR p.e >= o.founded_on) "
        f"LEFT JOIN ({done}) c ON c.org_id = o.id AND c.k = p.{_period_join()} "
        f"LEFT JOIN ({ids}) d ON d.org_id = o.id AND d.k = p.{_period_join()} "
        f"WHERE {o_in}"
    )
    return sql, [_sql_date(on), *m_params, *p_params, *x_params, *x_params, *o_params]


def cell_queries(
    rules: list[Rule],
    orgs: dict[int, OrgFacts],
    *,
    on: dt.date,
    dates: Iterable[dt.date] | None = None,
) -> list[tuple[Rule, str, list]]:
    """(rule, SELECT, params) for ``orgs`` × ``rules``: every period of the window, or those
    containing ``dates``."""
    start = window_start(on)
    day_list = sorted({d for d in dates if start <= d <= on}) if dates is not None else None
    out = []
    for rule in rules:
        spans = rule.spans(start, on)
        if day_list is not None:
            spans = tuple(s for s in spans if any(s.contains(d) for d in day_list))
        if not spans:
            continue
        ids = sorted(o.id for o in orgs.values() if rule.applies(o))
        if ids:
            out.append((rule, *rule_sql(rule, spans, ids, on)))
    return out


def evaluate(
    rules: list[Rule],
    orgs: dict[int, OrgFacts],
    *,
    on: dt.date,
    dates: Iterable[dt.date] | None = None,
) -> dict[RowKey, tuple]:
    """Wanted rows {(org, requirement, period key): the other ``RESULT_COLUMNS``}, in one query."""
    queries = cell_queries(rules, orgs, on=on, dates=dates)
    if not queries:
        return {}
    sql = " UNION ALL ".join(q[1] for q in queries)
    params = [p for q in queries for p in q[2]]
    return {(r[0], r[1], r[2]): r[3:] for r in _fetch_all(sql, params, prepare=True)}


def _fetch_all(sql: str, params: list, *, prepare: bool = False) -> list[tuple]:
    """Rows of one query. With ``prepare`` on PostgreSQL the statement is prepared on the server
    (its text does not depend on the values), so repeated small evaluations skip planning."""
    if prepare and _pg() and connection.in_atomic_block and getattr(settings, "COMPLIANCE_PREPARE", True):
        import psycopg

        connection.ensure_connection()
        raw = connection.connection
        if raw.prepare_threshold is None:  # Django turns preparing off; its own cursors never prepare
            raw.prepare_threshold = 5
        with psycopg.Cursor(raw) as cursor:
            # The plan for a few orgs suits any few orgs: plan once per connection, not per call.
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def status_of(count: int, required: int, span: Span, on: dt.date) -> str:
    """The status rule of ``rule_sql``, for readers that have the figures in hand."""
    if count >= required:
        return MET
    return NOT_DUE if span.end >= on else NOT_MET


def same_ids(a: str, b: str) -> bool:
    """Whether two comma-separated id lists hold the same ids (order is not defined)."""
    return a == b or sorted(a.split(",")) == sorted(b.split(","))


# ---------------------------------------------------------------- the full rebuild


@dataclass
class RecomputeReport:
    results: int = 0
    rollups: int = 0
    orgs: int = 0
    requirements: int = 0
    written: int = 0  # rows inserted, updated or deleted


def rollup_select(source: str) -> str:
    """SELECT of the roll-up rows (``ROLLUP_COLUMNS``) from the result rows in table ``source``.

    Results are first counted by (rule, period, parent path), then each count is added to
    every ancestor of the parent at its relative depth.
    """
    step = STEPLEN
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(LENGTH(path)) FROM {T_ORG}")  # noqa: S608 - our table
        max_len = cursor.fetchone()[0] or 0
    levels = " UNION ALL ".join(
        f"SELECT {d} AS d" if d == 1 else f"SELECT {d}" for d in range(1, max(max_len // step, 2))
    )
    count = "COUNT(*) FILTER (WHERE r.status = '{}')"
    groups = (
        f"SELECT r.requirement_id AS rid, r.period_key AS k, MIN(r.period_start) AS s, "  # noqa: S608
        f"SUBSTR(r.org_path, 1, LENGTH(r.org_path) - {step}) AS parent, "
        f"{count.format(MET)} AS met, {count.format(NOT_MET)} AS not_met, {count.format(NOT_DUE)} AS not_due "
        f"FROM {source} r WHERE LENGTH(r.org_path) > {step} GROUP BY 1, 2, 4"
    )
    spread = (
        f"SELECT SUBSTR(g.parent, 1, lv.d * {step}) AS anc, g.rid AS rid, g.k AS k, "  # noqa: S608
        f"LENGTH(g.parent) / {step} + 1 - lv.d AS rel, MIN(g.s) AS s, SUM(g.met) AS met, "
        f"SUM(g.not_met) AS not_met, SUM(g.not_due) AS not_due "
        f"FROM ({groups}) g JOIN ({levels}) lv ON lv.d * {step} <= LENGTH(g.parent) GROUP BY 1, 2, 3, 4"
    )
    return (
        f"SELECT a.id, x.rid, x.k, x.rel, x.anc, x.s, x.met, x.not_met, x.not_due "  # noqa: S608
        f"FROM ({spread}) x JOIN {T_ORG} a ON a.path = x.anc"
    )


def _stage(cursor, name: str, table: str, columns: tuple[str, ...]) -> str:
    """SQLite: an empty temporary table (in memory) with ``columns`` of ``table``."""
    cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT {_cols(columns)} FROM {table} WHERE 0")  # noqa: S608
    return name


@dataclass
class MergeSpec:
    """Rows of ``table`` within ``scope`` (a WHERE clause on alias ``t``) that must equal the rows
    of the SELECT ``source`` (``columns`` in order; the first ``key_len`` are the unique key)."""

    name: str
    source: tuple[str, list]
    table: str
    columns: tuple[str, ...]
    key_len: int
    scope: tuple[str, list] = ("1 = 1", [])
    pk: str = "id"


def _merge_pg(cursor, specs: list[MergeSpec]) -> list[tuple[int, int]]:
    """PostgreSQL: apply every spec in one statement. Per spec, the source is materialized once
    (later sources may read earlier ones by name); a hashed FULL JOIN with the table finds the
    rows gone, changed and new, and data-modifying CTEs apply them. Unchanged rows are not
    written, so a daily run writes (and logs) little. Returns (rows wanted, rows written) per spec.
    """
    qn = connection.ops.quote_name
    ctes, params, counts = [], [], []
    for m in specs:
        keys = [qn(c) for c in m.columns[: m.key_len]]
        values = [qn(c) for c in m.columns[m.key_len :]]
        all_cols = ", ".join((*keys, *values))
        on = " AND ".join(f"s.{k} = t.{k}" for k in keys)
        differs = f"({', '.join(f't.{v}' for v in values)}) IS DISTINCT FROM ({', '.join(f's.{v}' for v in values)})"
        sets = ", ".join(f"{v} = d.{v}" for v in values)
        n, pk, key0 = m.name, m.pk, keys[0]
        ctes += [
            f"{n} ({all_cols}) AS MATERIALIZED ({m.source[0]})",
            f"{n}_t AS (SELECT * FROM {m.table} t WHERE {m.scope[0]})",  # noqa: S608
            f"{n}_d AS (SELECT t.{pk} AS target, s.* FROM {n} s FULL JOIN {n}_t t ON {on} "  # noqa: S608
            f"WHERE t.{pk} IS NULL OR s.{key0} IS NULL OR {differs})",
            f"{n}_gone AS (DELETE FROM {m.table} WHERE {pk} IN (SELECT target FROM {n}_d WHERE {key0} IS NULL))",  # noqa: S608
            f"{n}_changed AS (UPDATE {m.table} AS u SET {sets} FROM {n}_d d "  # noqa: S608
            f"WHERE u.{pk} = d.target AND d.{key0} IS NOT NULL)",
            f"{n}_added AS (INSERT INTO {m.table} ({all_cols}) SELECT {all_cols} FROM {n}_d WHERE target IS NULL)",  # noqa: S608
        ]
        params += [*m.source[1], *m.scope[1]]
        counts += [f"(SELECT COUNT(*) FROM {n})", f"(SELECT COUNT(*) FROM {n}_d)"]  # noqa: S608
    cursor.execute(f"WITH {', '.join(ctes)} SELECT {', '.join(counts)}", params)
    row = cursor.fetchone()
    return [(row[2 * i], row[2 * i + 1]) for i in range(len(specs))]


def _merge_sqlite(
    cursor, stage: str, table: str, columns: tuple[str, ...], key_len: int, scope: tuple[str, list]
) -> int:
    """SQLite: make the rows of ``table`` within ``scope`` (a WHERE clause on alias ``t``) equal
    those of the temporary table ``stage``: one upsert pass through the unique key (rows that
    differ are updated, new ones inserted, unchanged ones left alone), then deletes only if
    rows are left over. Returns the number of rows written."""
    qn = connection.ops.quote_name
    keys = [qn(c) for c in columns[:key_len]]
    values = [qn(c) for c in columns[key_len:]]
    all_cols = ", ".join((*keys, *values))
    differs = (
        f"({', '.join(f'{table}.{v}' for v in values)}) <> ({', '.join(f'excluded.{v}' for v in values)})"
    )
    sets = ", ".join(f"{v} = excluded.{v}" for v in values)
    cursor.execute(
        f"INSERT INTO {table} ({all_cols}) SELECT {all_cols} FROM {stage} WHERE 1 "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets} WHERE {differs}"
    )
    written = cursor.rowcount
    where, params = scope
    cursor.execute(f"SELECT COUNT(*) FROM {table} t WHERE {where}", params)  # noqa: S608
    have = cursor.fetchone()[0]
    cursor.execute(f"SELECT COUNT(*) FROM {stage}")  # noqa: S608
    if have > cursor.fetchone()[0]:
        on = " AND ".join(f"s.{k} = t.{k}" for k in keys)
        cursor.execute(f"CREATE INDEX temp.{stage}_key ON {stage} ({', '.join(keys)})")
        cursor.execute(
            f"DELETE FROM {table} AS t WHERE {where} AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE {on})",  # noqa: S608
            params,
        )
        written += cursor.rowcount
    return written


@transaction.atomic
def recompute_all(*, on: dt.date | None = None, rule_ids: Iterable[int] | None = None) -> RecomputeReport:
    """Rebuild results and roll-ups from the records (for every active rule, or only ``rule_ids``).

    The wanted rows come from one SELECT per rule (and one for the roll-ups) and are merged
    into the tables: only rows whose values differ are written. PostgreSQL merges each SELECT
    in one statement; SQLite collects them in an in-memory temporary table first.
    """
    on = on or today()
    rule_ids = sorted(set(rule_ids)) if rule_ids is not None else None
    rules = active_rules(rule_ids)
    orgs = load_org_facts(None, need_members=any(r.per_member for r in rules))
    queries = cell_queries(rules, orgs, on=on)
    scope: tuple[str, list] = ("1 = 1", [])
    if rule_ids is not None:
        scope = _in_ids("t.requirement_id", rule_ids or [0])
    report = RecomputeReport(orgs=len(orgs), requirements=len(rules))
    tracked: tuple[str, list[Any]] = (f"SELECT id, path FROM {T_ORG} WHERE deleted_at IS NULL", [])  # noqa: S608
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")  # hashes of ~600k rows in memory
            cursor.execute("SET LOCAL enable_mergejoin = off")  # hashing beats sorting text keys here
            cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on these queries
            # One statement: every rule's rows (rows of rules not evaluated are deleted), then the
            # roll-ups counted from those rows, then the tree snapshot.
            cells = (
                " UNION ALL ".join(q[1] for q in queries)
                or f"SELECT {_cols(RESULT_COLUMNS)} FROM {T_RESULT} WHERE 1 = 0",  # noqa: S608
                [p for q in queries for p in q[2]],
            )
            specs = [
                MergeSpec("results", cells, T_RESULT, RESULT_COLUMNS, 3, scope),
                MergeSpec("rollups", (rollup_select("results"), []), T_ROLLUP, ROLLUP_COLUMNS, 4, scope),
            ]
            if rule_ids is None:
                specs.append(MergeSpec("tracked", tracked, T_TRACKED, ("org_id", "path"), 1, pk="org_id"))
            done = _merge_pg(cursor, specs)
            report.results, report.written = done[0]
            report.rollups = done[1][0]
            report.written += done[1][1]
            return report
        stages = [_stage(cursor, f"compliance_stage_{n}", t, c) for n, t, c in STAGES]
        results, rollups, tracked_stage = stages
        for _rule, sql, params in queries:
            cursor.execute(f"INSERT INTO {results} ({_cols(RESULT_COLUMNS)}) {sql}", params)
            report.results += cursor.rowcount
        report.written = _merge_sqlite(cursor, results, T_RESULT, RESULT_COLUMNS, 3, scope)
        cursor.execute(f"INSERT INTO {rollups} ({_cols(ROLLUP_COLUMNS)}) {rollup_select(results)}")
        report.rollups = cursor.rowcount
        report.written += _merge_sqlite(cursor, rollups, T_ROLLUP, ROLLUP_COLUMNS, 4, scope)
        if rule_ids is None:
            cursor.execute(f"INSERT INTO {tracked_stage} (org_id, path) {tracked[0]}")
            _merge_sqlite(cursor, tracked_stage, T_TRACKED, ("org_id", "path"), 1, ("1 = 1", []))
        for name in stages:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
    return report


STAGES = (
    ("results", T_RESULT, RESULT_COLUMNS),
    ("rollups", T_ROLLUP, ROLLUP_COLUMNS),
    ("tracked", T_TRACKED, ("org_id", "path")),
)


# ---------------------------------------------------------------- incremental updates

STATUS_INDEX = {MET: 0, NOT_MET: 1, NOT_DUE: 2}


def _apply_rollup_deltas(deltas: dict[tuple[int, str, int], list], org_paths: dict[int, str]) -> None:
    """Add ``deltas`` ((rule, period key, org id) -> [dmet, dnot_met, dnot_due, start]) to ancestors.

    One query reads the ancestors' ids and their roll-up rows concerned; then one statement per
    kind of write (update, insert, delete).
    """
    wanted: dict[tuple[str, int, str, int], list] = {}  # (ancestor path, rule, key, rel depth)
    for (rule_id, key, oid), delta in deltas.items():
        path = org_paths[oid]
        depth = len(path) // STEPLEN
        for d in range(1, depth):
            k = (path[: d * STEPLEN], rule_id, key, depth - d)
            cur = wanted.get(k)
            if cur is None:
                wanted[k] = [delta[0], delta[1], delta[2], delta[3]]
            else:
                cur[0] += delta[0]
                cur[1] += delta[1]
                cur[2] += delta[2]
    wanted = {k: v for k, v in wanted.items() if v[0] or v[1] or v[2]}
    if not wanted:
        return
    a_in, a_params = _in_ids("a.path", sorted({k[0] for k in wanted}), sql_type="text")
    r_in, r_params = _in_ids("r.requirement_id", sorted({k[1] for k in wanted}))
    k_in, k_params = _in_ids("r.period_key", sorted({k[2] for k in wanted}), sql_type="text")
    anc_ids: dict[str, int] = {}
    existing: dict[tuple[str, int, str, int], tuple] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.path, a.id, r.id, r.requirement_id, r.period_key, r.rel_depth, r.met, r.not_met, "  # noqa: S608
            f"r.not_due FROM {T_ORG} a LEFT JOIN {T_ROLLUP} r ON r.org_id = a.id AND {r_in} AND {k_in} "
            f"WHERE {a_in}",
            [*r_params, *k_params, *a_params],
        )
        for path, anc_id, pk, rid, key, rel, met, not_met, not_due in cursor.fetchall():
            anc_ids[path] = anc_id
            if pk is not None:
                existing[(path, rid, key, rel)] = (pk, met, not_met, not_due)
        inserts, updates, deletes = [], [], []
        for k, (dm, dn, dd, start) in wanted.items():
            row = existing.get(k)
            if row is None:
                inserts.append((anc_ids[k[0]], k[1], k[2], k[3], k[0], start, dm, dn, dd))
                continue
            pk, met, not_met, not_due = row
            met, not_met, not_due = met + dm, not_met + dn, not_due + dd
            if met == not_met == not_due == 0:
                deletes.append(pk)
            else:
                updates.append((met, not_met, not_due, pk))
        if updates:
            cursor.executemany(
                f"UPDATE {T_ROLLUP} SET met = %s, not_met = %s, not_due = %s WHERE id = %s",  # noqa: S608
                updates,
            )
        if inserts:
            marks = ", ".join(["%s"] * len(ROLLUP_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {T_ROLLUP} ({_cols(ROLLUP_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                inserts,
            )
        if deletes:
            d_in, d_params = _in_ids("id", deletes)
            cursor.execute(f"DELETE FROM {T_ROLLUP} WHERE {d_in}", d_params)  # noqa: S608


def sync_orgs(
    org_ids: Iterable[int],
    *,
    dates: Iterable[dt.date] | None = None,
    on: dt.date | None = None,
    rules: list[Rule] | None = None,
) -> int:
    """Bring the results of ``org_ids`` (periods containing ``dates``, or all) in line; returns rows changed.

    The ancestors' roll-ups follow by deltas.
    """
    on = on or today()
    ids = {int(i) for i in org_ids}
    if not ids:
        return 0
    rules = rules if rules is not None else active_rules()
    date_list = sorted(set(dates)) if dates is not None else None
    orgs = load_org_facts(ids, need_members=any(r.per_member for r in rules))
    wanted = evaluate(rules, orgs, on=on, dates=date_list) if rules else {}
    o_in, params = _in_ids("org_id", sorted(ids))
    where = o_in
    scope_keys: set[tuple[int, str]] | None = None
    if date_list is not None:
        start = window_start(on)
        in_window = [d for d in date_list if start <= d <= on]
        scope_keys = {
            (rule.id, s.key)
            for rule in rules
            for s in rule.spans(start, on)
            if any(s.contains(d) for d in in_window)
        }
        # Keys of rules deactivated since are left to the full recompute; a touched date only
        # concerns the periods that contain it.
        k_in, k_params = _in_ids("period_key", sorted({k for _r, k in scope_keys}) or [""], sql_type="text")
        where += f" AND {k_in}"
        params += k_params
    existing: dict[RowKey, tuple] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {_cols(RESULT_COLUMNS)} FROM {T_RESULT} WHERE {where}",  # noqa: S608
            params,
        )
        for row in cursor.fetchall():
            if scope_keys is not None and (row[2], row[3]) not in scope_keys:
                continue
            existing[(row[1], row[2], row[3])] = (row[0], row[4:])
    inserts, updates = [], []
    deltas: dict[tuple[int, str, int], list] = {}
    org_paths: dict[int, str] = {}

    def delta(key: RowKey, path: str, start: Any, old: str | None, new: str | None) -> None:
        if old == new:
            return
        oid, rid, pkey = key
        org_paths[oid] = path
        d = deltas.setdefault((rid, pkey, oid), [0, 0, 0, start])
        if old is not None:
            d[STATUS_INDEX[old]] -= 1
        if new is not None:
            d[STATUS_INDEX[new]] += 1

    for key, row in wanted.items():
        cur = existing.pop(key, None)
        if cur is None:
            inserts.append((*key, *row))
            delta(key, row[0], row[1], None, row[3])
            continue
        pk, old = cur
        if old[:-1] != row[:-1] or not same_ids(old[-1], row[-1]):
            updates.append((*row, pk))
            delta(key, row[0], row[1], old[3], row[3])
    deletes = [pk for pk, _old in existing.values()]
    for key, (_pk, old) in existing.items():
        delta(key, old[0], old[1], old[3], None)
    with connection.cursor() as cursor:
        if inserts:
            marks = ", ".join(["%s"] * len(RESULT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {T_RESULT} ({_cols(RESULT_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                inserts,
            )
        if updates:
            sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in RESULT_COLUMNS[3:])
            cursor.executemany(f"UPDATE {T_RESULT} SET {sets} WHERE id = %s", updates)  # noqa: S608
        if deletes:
            d_in, d_params = _in_ids("id", deletes)
            cursor.execute(f"DELETE FROM {T_RESULT} WHERE {d_in}", d_params)  # noqa: S608
    _apply_rollup_deltas(deltas, org_paths)
    return len(inserts) + len(updates) + len(deletes)


def rebuild_rollups_for(ancestor_ids: Iterable[int]) -> None:
    """Recompute every roll-up row of the given orgs from the result rows of their subtrees."""
    ancestors = list(Org.objects.filter(pk__in=set(ancestor_ids)).values_list("pk", "path"))
    for anc_id, path in ancestors:
        ComplianceRollup.objects.filter(org_id=anc_id).delete()
        rows = (
            ComplianceResult.objects.filter(org_path__startswith=path)
            .exclude(org_path=path)
            .values("requirement_id", "period_key", "period_start", "org_path")
            .annotate(
                met=Count("pk", filter=Q(status=Status.MET)),
                not_met=Count("pk", filter=Q(status=Status.NOT_MET)),
                not_due=Count("pk", filter=Q(status=Status.NOT_DUE)),
            )
        )
        acc: dict[tuple[int, str, int], list] = {}
        base = len(path) // STEPLEN
        for r in rows:
            k = (r["requirement_id"], r["period_key"], len(r["org_path"]) // STEPLEN - base)
            cur = acc.setdefault(k, [0, 0, 0, r["period_start"]])
            cur[0] += r["met"]
            cur[1] += r["not_met"]
            cur[2] += r["not_due"]
        ComplianceRollup.objects.bulk_create(
            [
                ComplianceRollup(
                    requirement_id=rid, org_id=anc_id, org_path=path, period_key=key, period_start=v[3],
                    rel_depth=rel, met=v[0], not_met=v[1], not_due=v[2],
                )
                for (rid, key, rel), v in acc.items()
            ],
            batch_size=2000,
        )  # fmt: skip


def ancestor_ids_of(paths: Iterable[str]) -> set[int]:
    prefixes = {p[: d * STEPLEN] for p in paths for d in range(1, len(p) // STEPLEN)}
    if not prefixes:
        return set()
    return set(Org.objects.filter(path__in=prefixes).values_list("pk", flat=True))


@transaction.atomic
def on_tree_changed(org_ids: Iterable[int], *, on: dt.date | None = None) -> None:
    """Orgs created, edited, moved or deleted: re-evaluate them and their old and new parents;
    when paths changed, rebuild the roll-ups of the old and new ancestor chains."""
    ids = {int(i) for i in org_ids}
    if not ids:
        return
    current = dict(Org.objects.filter(pk__in=ids).values_list("pk", "path"))
    tracked = dict(TrackedOrg.objects.filter(org_id__in=ids).values_list("org_id", "path"))
    affected = set(ids)
    moved: list[tuple[str, str]] = []
    touched_paths: set[str] = set()
    for oid, path in current.items():
        old = tracked.get(oid)
        touched_paths.add(path)
        if old is not None and old != path:
            moved.append((old, path))
            touched_paths.add(old)
    parent_paths = {p[:-STEPLEN] for p in touched_paths if len(p) > STEPLEN}
    affected |= set(Org.objects.filter(path__in=parent_paths).values_list("pk", flat=True))
    sync_orgs(affected, on=on)
    if moved:
        for old, new in moved:
            TrackedOrg.objects.filter(path__startswith=old).update(
                path=models.functions.Concat(
                    models.Value(new), Substr("path", len(old) + 1), output_field=models.CharField()
                )
            )
        rebuild_rollups_for(ancestor_ids_of(touched_paths))
    known = set(TrackedOrg.objects.filter(org_id__in=current).values_list("org_id", flat=True))
    TrackedOrg.objects.bulk_create(
        [TrackedOrg(org_id=o, path=p) for o, p in current.items() if o not in known]
    )
