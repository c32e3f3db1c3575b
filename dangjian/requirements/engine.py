"""The compliance engine: evaluates requirements per (requirement, org, period).

One code path computes the wanted rows; the full recompute asks it for every org and every
period of the evaluation window, the incremental update for a few orgs and the periods
containing a few dates, and both write the difference the same way. So incremental ==
full recompute by construction, and a hypothesis test checks it.

Counting is set-based: a handful of GROUP BY queries over ActivityKindEntry (and Attendance
for per-member rules) per run, bucketed by month; quarters, half-years and years are unions
of months.

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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Aggregate, Count, F, Q, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from dangjian.activities.models import ActivityKind, ActivityKindEntry, Attendance, AttendanceStatus
from dangjian.orgs.choices import COMMITTEE_TITLES, OrgKind, Standing
from dangjian.orgs.models import Member, Org, Position

from .models import ComplianceResult, ComplianceRollup, Judged, PeriodKind, Requirement, Status, TrackedOrg

STEPLEN = Org.steplen
MAX_RECORD_IDS = 50
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.ELSEWHERE)
KIND_LABELS = dict(ActivityKind.choices)

# ---------------------------------------------------------------- periods

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
CURRENT_WORD = {
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

    def spans(self, start: dt.date, end: dt.date) -> list[Span]:
        """This rule's periods overlapping [start, end] and its effective dates."""
        lo = max(start, self.effective_from) if self.effective_from else start
        hi = min(end, self.effective_to) if self.effective_to else end
        if self.period == PeriodKind.ONCE:
            assert self.deadline is not None
            s = self.effective_from or start
            span = Span(f"D{self.deadline.isoformat()}", s, self.deadline)
            return [span] if span.end >= start and span.start <= end else []
        out = spans_overlapping(self.period, lo, hi)
        return [s for s in out if s.start <= end]

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
        if self.per_member and not org.member_ids:
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
    member_ids: list[int] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.path) // STEPLEN


def active_rules(rule_ids: Iterable[int] | None = None) -> list[Rule]:
    qs = Requirement.objects.filter(is_active=True)
    if rule_ids is not None:
        qs = qs.filter(pk__in=list(rule_ids))
    return [Rule.of(r) for r in qs.order_by("order", "code")]


def load_org_facts(org_ids: Iterable[int] | None = None, *, need_members: bool = True) -> dict[int, OrgFacts]:
    """Facts the applicability conditions read, for alive orgs (all when ``org_ids`` is None)."""
    orgs = Org.objects.filter(deleted_at__isnull=True)
    if org_ids is not None:
        ids = list(set(org_ids))
        if not ids:
            return {}
        orgs = orgs.filter(pk__in=ids)
    facts = {
        row[0]: OrgFacts(*row)
        for row in orgs.values_list(
            "pk", "path", "kind", "sector", "leadership_team", "full_count", "founded_on"
        ).iterator(chunk_size=5000)
    }
    if not facts:
        return facts
    positions = Position.objects.filter(ended_on__isnull=True, title__in=COMMITTEE_TITLES)
    groups = Org.objects.filter(deleted_at__isnull=True).filter(kind=OrgKind.GROUP)
    members = Member.objects.alive().filter(standing=Standing.NORMAL)
    if org_ids is not None:
        positions = positions.filter(org_id__in=facts)
        members = members.filter(org_id__in=facts)
        if len(facts) <= 50:
            q = Q()
            for p in (f.path for f in facts.values()):
                q |= Q(path__startswith=p, depth=len(p) // STEPLEN + 1)
            groups = groups.filter(q)
    for org_id, n in (
        positions.values("org_id").annotate(n=Count("member_id", distinct=True)).values_list("org_id", "n")
    ):
        if org_id in facts:
            facts[org_id].committee_positions = n
    by_path = {f.path: f for f in facts.values()}
    for path in groups.values_list("path", flat=True).iterator(chunk_size=5000):
        parent = by_path.get(path[:-STEPLEN])
        if parent is not None:
            parent.has_groups = True
    if need_members:
        for org_id, member_id in (
            members.order_by("pk").values_list("org_id", "pk").iterator(chunk_size=10000)
        ):
            if org_id in facts:
                facts[org_id].member_ids.append(member_id)
    return facts


# ---------------------------------------------------------------- counting


class IdList(Aggregate):
    """Comma-separated distinct ids of a group (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(distinct)s%(expressions)s)"
    allow_distinct = True
    output_field = models.TextField()

    def as_postgresql(self, compiler, conn, **extra_context):
        clone = self.copy()
        clone.function = "STRING_AGG"
        clone.template = "%(function)s(%(distinct)s(%(expressions)s)::text, ',')"
        return clone.as_sql(compiler, conn, **extra_context)


def _month_of(field_name: str):
    return Substr(Cast(field_name, models.CharField()), 1, 7)


def _raw_rows(queryset) -> Iterable[tuple]:
    """Rows of a values_list queryset straight from the cursor (no per-value converters)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20000):
            yield from batch


def _ids(text: str | None) -> list[int]:
    return [int(x) for x in text.split(",")] if text else []


def _fold_key(rule: Rule, month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return span_of(rule.period, dt.date(y, m, 1)).key


Bucket = dict[tuple[int, int, str], set[int]]  # (rule id, org or member id, span key) -> activity ids


def count_org_rules(
    rules: list[Rule], *, org_ids: Iterable[int] | None, start: dt.date, end: dt.date
) -> Bucket:
    """Activity ids per (rule, org, period) for org-level rules, from one GROUP BY per run."""
    out: Bucket = defaultdict(set)
    periodic = [r for r in rules if not r.per_member and r.period != PeriodKind.ONCE]
    if periodic:
        base = ActivityKindEntry.objects.filter(is_active=True, held_on__gte=start, held_on__lte=end)
        kinds = sorted({k for r in periodic for k in r.kinds})
        base = base.filter(kind__in=kinds)
        if org_ids is not None:
            base = base.filter(org_id__in=list(org_ids))
        # One row per (kind, org, month); an activity appears once per kind, so no DISTINCT.
        rows = (
            base.annotate(month=_month_of("held_on"))
            .values("kind", "org_id", "month")
            .annotate(ids=IdList("activity_id"))
            .values_list("kind", "org_id", "month", "ids")
        )
        by_kind: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for r in periodic:
            for k in r.kinds:
                by_kind[k].append((r.id, r.period))
        fold_cache: dict[tuple[str, str], str] = {}
        for kind, org_id, month, text in _raw_rows(rows):
            ids = _ids(text)
            for rule_id, period in by_kind[kind]:
                key = fold_cache.get((period, month))
                if key is None:
                    key = fold_cache[(period, month)] = span_of(
                        period, dt.date(int(month[:4]), int(month[5:7]), 1)
                    ).key
                out[(rule_id, org_id, key)].update(ids)
    for rule in rules:
        if rule.per_member or rule.period != PeriodKind.ONCE:
            continue
        span = rule.spans(start, end)
        if not span:
            continue
        s = span[0]
        qs = ActivityKindEntry.objects.filter(
            is_active=True, kind__in=rule.kinds, held_on__gte=s.start, held_on__lte=s.end
        )
        if org_ids is not None:
            qs = qs.filter(org_id__in=list(org_ids))
        for org_id, text in (
            qs.values("org_id")
            .annotate(ids=IdList("activity_id", distinct=True))
            .values_list("org_id", "ids")
        ):
            out[(rule.id, org_id, s.key)].update(_ids(text))
    return out


def count_member_rules(
    rules: list[Rule], *, org_ids: Iterable[int] | None, start: dt.date, end: dt.date
) -> Bucket:
    """Activity ids per (rule, member, period) attended by each member at their own org's activities."""
    out: Bucket = defaultdict(set)
    for rule in rules:
        if not rule.per_member:
            continue
        spans = rule.spans(start, end)
        if not spans:
            continue
        qs = Attendance.objects.filter(
            status__in=ATTENDED,
            member__org_id=F("activity__org_id"),
            activity__deleted_at__isnull=True,
            activity__held_on__gte=spans[0].start,
            activity__held_on__lte=spans[-1].end,
            activity__kinds__kind__in=rule.kinds,
            activity__kinds__is_active=True,
        )
        if org_ids is not None:
            qs = qs.filter(activity__org_id__in=list(org_ids))
        if rule.period == PeriodKind.ONCE:
            key = spans[0].key
            for member_id, text in (
                qs.values("member_id")
                .annotate(ids=IdList("activity_id", distinct=True))
                .values_list("member_id", "ids")
            ):
                out[(rule.id, member_id, key)].update(_ids(text))
            continue
        rows = (
            qs.annotate(month=_month_of("activity__held_on"))
            .values("member_id", "month")
            .annotate(ids=IdList("activity_id", distinct=True))
            .values_list("member_id", "month", "ids")
        )
        for member_id, month, text in rows.iterator(chunk_size=10000):
            out[(rule.id, member_id, _fold_key(rule, month))].update(_ids(text))
    return out


# ---------------------------------------------------------------- evaluation

# A wanted result row: everything but the requirement/org/period key.
RowKey = tuple[int, int, str]  # (requirement id, org id, period key)


@dataclass(slots=True)
class Row:
    org_path: str
    period_start: dt.date
    period_end: dt.date
    status: str
    count: int
    required: int
    explanation: str
    record_ids: list[int]

    def as_tuple(self) -> tuple:
        return (
            self.org_path,
            self.period_start,
            self.period_end,
            self.status,
            self.count,
            self.required,
            self.explanation,
            list(self.record_ids),
        )


MET, NOT_MET, NOT_DUE = str(Status.MET.value), str(Status.NOT_MET.value), str(Status.NOT_DUE.value)


def _status(count: int, required: int, span: Span, on: dt.date) -> str:
    if count >= required:
        return MET
    return NOT_DUE if span.end >= on else NOT_MET


def explain_org(rule: Rule, span: Span, count: int, status: str) -> str:
    what = f"{rule.action}{rule.name}"
    head = f"{span.label} 已{what} {count} 次，要求 {rule.times} 次"
    if status == MET:
        return head + "，已达标"
    if status == NOT_DUE:
        return head + "，期末前完成"
    if count == 0:
        return f"{span.label} 未{what}（要求 {rule.times} 次）"
    return f"{span.label} {what}仅 {count} 次，少于要求的 {rule.times} 次"


def explain_member(rule: Rule, span: Span, done: int, total: int, status: str) -> str:
    head = f"{span.label} {total} 名党员中 {done} 名已参加{rule.name}（要求每人至少 {rule.times} 次）"
    if status == Status.MET:
        return head + "，已达标"
    if status == Status.NOT_DUE:
        return head + "，期末前完成"
    return head + f"，{total - done} 名未参加，未达标"


def evaluate(
    rules: list[Rule],
    orgs: dict[int, OrgFacts],
    *,
    on: dt.date,
    dates: Iterable[dt.date] | None = None,
) -> dict[RowKey, Row]:
    """Wanted rows for ``orgs`` × ``rules``: every period of the window, or those containing ``dates``."""
    start = window_start(on)
    day_list = sorted({d for d in dates if start <= d <= on}) if dates is not None else None
    spans_by_rule: dict[int, list[Span]] = {}
    lo, hi = on, start
    for rule in rules:
        spans = rule.spans(start, on)
        if day_list is not None:
            spans = [s for s in spans if any(s.contains(d) for d in day_list)]
        spans_by_rule[rule.id] = spans
        if spans:
            lo, hi = min(lo, spans[0].start), max(hi, spans[-1].end)
    out: dict[RowKey, Row] = {}
    if lo > hi or not orgs:
        return out
    org_filter = None if dates is None and len(orgs) > 200 else list(orgs)
    org_counts = count_org_rules(rules, org_ids=org_filter, start=lo, end=hi)
    member_counts = count_member_rules(rules, org_ids=org_filter, start=lo, end=hi)
    empty: set[int] = set()
    for rule in rules:
        spans = spans_by_rule[rule.id]
        if not spans:
            continue
        texts: dict[tuple[str, int, str], str] = {}  # explanations repeat: (period, count, status)
        for org in orgs.values():
            if not rule.applies(org):
                continue
            for span in spans:
                if org.founded_on is not None and span.end < org.founded_on:
                    continue
                if rule.per_member:
                    total = len(org.member_ids)
                    done = 0
                    ids: set[int] = set()
                    for mid in org.member_ids:
                        got = member_counts.get((rule.id, mid, span.key), empty)
                        if len(got) >= rule.times:
                            done += 1
                        ids |= got
                    status = _status(done, total, span, on)
                    text = explain_member(rule, span, done, total, status)
                    count, required = done, total
                else:
                    ids = org_counts.get((rule.id, org.id, span.key), empty)
                    count, required = len(ids), rule.times
                    status = _status(count, required, span, on)
                    tk = (span.key, count, status)
                    text = texts.get(tk)
                    if text is None:
                        text = texts[tk] = explain_org(rule, span, count, status)
                out[(rule.id, org.id, span.key)] = Row(
                    org.path,
                    span.start,
                    span.end,
                    status,
                    count,
                    required,
                    text,
                    sorted(ids)[:MAX_RECORD_IDS],
                )
    return out


# ---------------------------------------------------------------- rollups

STATUS_INDEX = {Status.MET: 0, Status.NOT_MET: 1, Status.NOT_DUE: 2}
RollKey = tuple[int, str, int]  # (requirement id, ancestor path, rel depth)


def rollups_from_rows(rows: dict[RowKey, Row]) -> dict[tuple[int, str, str, int], list]:
    """(requirement, period key, ancestor path, rel depth) -> [met, not_met, not_due, period_start].

    Two passes: group by parent path and depth, then spread each group to the parent's
    ancestors, so the work is the number of groups × depth rather than rows × depth.
    """
    groups: dict[tuple[int, str, str, int], list] = {}
    for (rule_id, _org_id, key), row in rows.items():
        path = row.org_path
        if len(path) <= STEPLEN:
            continue
        gk = (rule_id, key, path[:-STEPLEN], len(path) // STEPLEN)
        acc = groups.get(gk)
        if acc is None:
            acc = groups[gk] = [0, 0, 0, row.period_start]
        acc[STATUS_INDEX[row.status]] += 1
    out: dict[tuple[int, str, str, int], list] = {}
    for (rule_id, key, parent, depth), acc in groups.items():
        for d in range(1, len(parent) // STEPLEN + 1):
            k = (rule_id, key, parent[: d * STEPLEN], depth - d)
            cur = out.get(k)
            if cur is None:
                out[k] = [acc[0], acc[1], acc[2], acc[3]]
            else:
                cur[0] += acc[0]
                cur[1] += acc[1]
                cur[2] += acc[2]
    return out


# ---------------------------------------------------------------- writing

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
    "explanation",
    "record_ids",
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


def _insert(model: type[models.Model], columns: tuple[str, ...], tuples: Iterable[tuple]) -> int:
    """Fast multi-row insert: COPY on PostgreSQL, executemany on SQLite."""
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(
        connection.ops.quote_name(model._meta.get_field(c.removesuffix("_id")).column) for c in columns
    )
    n = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for t in tuples:
                    copy.write_row(t)
                    n += 1
            return n
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 - identifiers are ours
        batch: list[tuple] = []
        for t in tuples:
            batch.append(t)
            if len(batch) >= 20000:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


def _json(ids: list[int]) -> str:
    return "[" + ", ".join(map(str, ids)) + "]"


@dataclass
class RecomputeReport:
    results: int = 0
    rollups: int = 0
    orgs: int = 0
    requirements: int = 0


def _table_sync(
    model: type[models.Model],
    key_len: int,
    columns: tuple[str, ...],
    wanted: dict[tuple, tuple],
    existing_qs: QuerySet,
    *,
    bulk_indexes: bool,
    always_bulk: bool = False,
) -> int:
    """Make the rows of ``existing_qs`` equal ``wanted`` ({key columns: other columns}).

    Unchanged rows are left alone (a daily run rewrites only what changed); when most rows
    change, the scope is deleted and inserted again in key order, with the secondary indexes
    dropped and rebuilt around the insert when ``bulk_indexes``.
    """
    db_table = connection.ops.quote_name(model._meta.db_table)
    existing: dict[tuple, tuple[int, tuple]] = {}
    if always_bulk:
        bulk, has_rows = True, existing_qs.exists()
    else:
        for row in _raw_rows(existing_qs.values_list("pk", *columns)):
            existing[row[1 : key_len + 1]] = (row[0], row[key_len + 1 :])
        changed = sum(1 for k, v in wanted.items() if existing.get(k, (0, None))[1] != v)
        gone = [pk for k, (pk, _v) in existing.items() if k not in wanted]
        bulk, has_rows = not existing or changed + len(gone) > len(existing) // 2, bool(existing)
    if bulk:
        ordered = ((*k, *wanted[k]) for k in sorted(wanted))
        if has_rows:
            if existing_qs.query.where:
                existing_qs._raw_delete(existing_qs.db)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {db_table}")  # noqa: S608 - our table name
        # SQLite: rebuilding the index after the insert beats maintaining it row by row.
        # PostgreSQL keeps it (COPY is fast, and deferred FK checks forbid CREATE INDEX here).
        if not bulk_indexes or not model._meta.indexes or connection.vendor != "sqlite":
            return _insert(model, columns, ordered)
        qn = connection.ops.quote_name
        indexes = [
            (qn(index.name), ", ".join(qn(model._meta.get_field(f).column) for f in index.fields))
            for index in model._meta.indexes
        ]
        with connection.cursor() as cursor:
            for name, _cols in indexes:
                cursor.execute(f"DROP INDEX {name}")
            n = _insert(model, columns, ordered)
            for name, cols in indexes:
                cursor.execute(f"CREATE INDEX {name} ON {db_table} ({cols})")
        return n
    inserts = [(*k, *v) for k, v in wanted.items() if k not in existing]
    updates = [(*v, existing[k][0]) for k, v in wanted.items() if k in existing and existing[k][1] != v]
    value_cols = columns[key_len:]
    with connection.cursor() as cursor:
        if updates:
            sets = ", ".join(
                f"{connection.ops.quote_name(model._meta.get_field(c.removesuffix('_id')).column)} = %s"
                for c in value_cols
            )
            cursor.executemany(f"UPDATE {db_table} SET {sets} WHERE id = %s", updates)  # noqa: S608
        for i in range(0, len(gone), 5000):
            chunk = gone[i : i + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {db_table} WHERE id IN ({marks})", chunk)  # noqa: S608
    _insert(model, columns, iter(inserts))
    return len(wanted)


@transaction.atomic
def recompute_all(*, on: dt.date | None = None, rule_ids: Iterable[int] | None = None) -> RecomputeReport:
    """Rebuild results and roll-ups from the records (for every active rule, or only ``rule_ids``).

    Everything is recomputed; only rows whose values differ are written.
    """
    on = on or today()
    rule_ids = list(rule_ids) if rule_ids is not None else None
    rules = active_rules(rule_ids)
    orgs = load_org_facts(None, need_members=any(r.per_member for r in rules))
    rows = evaluate(rules, orgs, on=on)
    by_path = dict(Org.objects.values_list("path", "pk").iterator(chunk_size=10000))
    results = ComplianceResult.objects.all()
    rollups = ComplianceRollup.objects.all()
    if rule_ids is not None:
        # Rules dropped or deactivated lose their rows too.
        results = results.filter(requirement_id__in=rule_ids)
        rollups = rollups.filter(requirement_id__in=rule_ids)
    wanted_results = {
        (oid, rid, key): (r.org_path, r.period_start, r.period_end, r.status, r.count, r.required,
                          r.explanation, _json(r.record_ids))
        for (rid, oid, key), r in rows.items()
    }  # fmt: skip
    n = _table_sync(
        ComplianceResult, 3, RESULT_COLUMNS, wanted_results, results, bulk_indexes=rule_ids is None
    )
    roll = rollups_from_rows(rows)
    wanted_rollups = {
        (by_path[path], rid, key, rel): (path, acc[3], acc[0], acc[1], acc[2])
        for (rid, key, path, rel), acc in roll.items()
    }
    m = _table_sync(
        ComplianceRollup, 4, ROLLUP_COLUMNS, wanted_rollups, rollups, bulk_indexes=False, always_bulk=True
    )
    if rule_ids is None:
        tracked = {(f.id,): (f.path,) for f in orgs.values()}
        _table_sync(TrackedOrg, 1, ("org_id", "path"), tracked, TrackedOrg.objects.all(), bulk_indexes=False)
    return RecomputeReport(results=n, rollups=m, orgs=len(orgs), requirements=len(rules))


def _apply_rollup_deltas(deltas: dict[tuple[int, str, int], list], org_paths: dict[int, str]) -> None:
    """Add ``deltas`` ((rule, period key, org id) -> [dmet, dnot_met, dnot_due, start]) to ancestors."""
    if not deltas:
        return
    ancestor_paths = {
        org_paths[oid][: d * STEPLEN]
        for (_r, _k, oid) in deltas
        for d in range(1, len(org_paths[oid]) // STEPLEN)
    }
    if not ancestor_paths:
        return
    anc_ids = dict(Org.objects.filter(path__in=ancestor_paths).values_list("path", "pk"))
    wanted: dict[tuple[int, int, str, int], list] = {}
    for (rule_id, key, oid), delta in deltas.items():
        path = org_paths[oid]
        depth = len(path) // STEPLEN
        for d in range(1, depth):
            anc = path[: d * STEPLEN]
            k = (anc_ids[anc], rule_id, key, depth - d)
            cur = wanted.get(k)
            if cur is None:
                wanted[k] = [delta[0], delta[1], delta[2], delta[3], anc]
            else:
                cur[0] += delta[0]
                cur[1] += delta[1]
                cur[2] += delta[2]
    wanted = {k: v for k, v in wanted.items() if v[0] or v[1] or v[2]}
    if not wanted:
        return
    existing = {
        (r.org_id, r.requirement_id, r.period_key, r.rel_depth): r
        for r in ComplianceRollup.objects.filter(
            org_id__in={k[0] for k in wanted},
            requirement_id__in={k[1] for k in wanted},
            period_key__in={k[2] for k in wanted},
        )
    }
    creates, updates, deletes = [], [], []
    for k, (dm, dn, dd, start, anc) in wanted.items():
        row = existing.get(k)
        if row is None:
            creates.append(
                ComplianceRollup(
                    org_id=k[0], requirement_id=k[1], org_path=anc, period_key=k[2], period_start=start,
                    rel_depth=k[3], met=dm, not_met=dn, not_due=dd,
                )
            )  # fmt: skip
            continue
        row.met += dm
        row.not_met += dn
        row.not_due += dd
        if row.met == row.not_met == row.not_due == 0:
            deletes.append(row.pk)
        else:
            updates.append(row)
    if creates:
        ComplianceRollup.objects.bulk_create(creates)
    if updates:
        ComplianceRollup.objects.bulk_update(updates, ["met", "not_met", "not_due"])
    if deletes:
        ComplianceRollup.objects.filter(pk__in=deletes).delete()


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
    existing_qs = ComplianceResult.objects.filter(org_id__in=ids)
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
        existing_qs = existing_qs.filter(period_key__in={k for _r, k in scope_keys} or {""})
    existing: dict[RowKey, ComplianceResult] = {}
    for r in existing_qs:
        if scope_keys is not None and (r.requirement_id, r.period_key) not in scope_keys:
            continue
        existing[(r.requirement_id, r.org_id, r.period_key)] = r
    creates, updates, deletes = [], [], []
    deltas: dict[tuple[int, str, int], list] = {}
    org_paths: dict[int, str] = {}

    def delta(key: RowKey, path: str, start: dt.date, old: str | None, new: str | None) -> None:
        if old == new:
            return
        rid, oid, pkey = key
        org_paths[oid] = path
        d = deltas.setdefault((rid, pkey, oid), [0, 0, 0, start])
        if old is not None:
            d[STATUS_INDEX[old]] -= 1
        if new is not None:
            d[STATUS_INDEX[new]] += 1

    for key, row in wanted.items():
        cur = existing.pop(key, None)
        if cur is None:
            creates.append(
                ComplianceResult(
                    requirement_id=key[0], org_id=key[1], period_key=key[2], org_path=row.org_path,
                    period_start=row.period_start, period_end=row.period_end, status=row.status,
                    count=row.count, required=row.required, explanation=row.explanation,
                    record_ids=row.record_ids,
                )
            )  # fmt: skip
            delta(key, row.org_path, row.period_start, None, row.status)
            continue
        old_status = cur.status
        current = (cur.org_path, cur.period_start, cur.period_end, cur.status, cur.count, cur.required,
                   cur.explanation, list(cur.record_ids))  # fmt: skip
        if current != row.as_tuple():
            (cur.org_path, cur.period_start, cur.period_end, cur.status, cur.count, cur.required,
             cur.explanation, cur.record_ids) = row.as_tuple()  # fmt: skip
            updates.append(cur)
            delta(key, row.org_path, row.period_start, old_status, row.status)
    for key, cur in existing.items():
        deletes.append(cur.pk)
        delta(key, cur.org_path, cur.period_start, cur.status, None)
    if creates:
        ComplianceResult.objects.bulk_create(creates)
    if updates:
        ComplianceResult.objects.bulk_update(
            updates,
            [
                "org_path",
                "period_start",
                "period_end",
                "status",
                "count",
                "required",
                "explanation",
                "record_ids",
            ],
        )
    if deletes:
        ComplianceResult.objects.filter(pk__in=deletes).delete()
    _apply_rollup_deltas(deltas, org_paths)
    return len(creates) + len(updates) + len(deletes)


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
