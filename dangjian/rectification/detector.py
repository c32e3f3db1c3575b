"""The 形式主义 detector applied to the ledger: findings stored per item as ItemWarning rows.

- Text checks (``unquantified``, ``generic``, ``restates_problem``) are textcheck's pure
  functions, run on the problem's text, its target and each measure.
- ``no_owner_or_date``: a measure with no owner (责任人) or no due date.
- ``self_verified``: a 销号 (requested or signed off) without evidence, or whose evidence was
  uploaded by the person who verified it.
- ``near_duplicate``: a problem whose text nearly repeats a problem of another org (another unit,
  or the level above: 上下一般粗), and likewise a measure that nearly repeats a measure of another
  org. A new line is compared only with the candidates of textcheck's MinHash index, never with
  every line; problems and measures have one index each (a problem is not compared with measures).

``refresh(problem)`` rewrites a problem's rows; the services call it inside their transaction on
every create and edit. Warnings never block a write.

The duplicate indexes live in the process (``LineIndex``, one per kind). Each is built from its
table once, on first use (text, org path and change time only), and afterwards catches up on rows
changed since it last looked, through the ``updated_at`` index: a request never loads all
rows. Candidates are re-checked against the rows as they are now, so an edited or deleted
line the index still remembers is not reported.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dangjian.orgs.models import Org
from dangjian.textcheck.checks import DuplicateIndex, is_near_duplicate, text_warnings

from .models import ItemWarning, Measure, Problem, ProblemStatus, WarningField, warning_mask

logger = logging.getLogger(__name__)

LABELS = {
    "unquantified": "没有量化（无数字、时间、频次或可检查的对象）",
    "generic": "表述一般化，放在任何单位都成立",
    "restates_problem": "措施只是把问题换个说法",
    "no_owner_or_date": "措施没有责任人或完成时限",
    "near_duplicate": "与其他单位或上级的内容雷同（上下一般粗）",
    "self_verified": "销号没有佐证材料，或佐证材料由销号审核人本人上传",
}
# Rows changed this long before the last look are compared again (once a minute): a transaction
# that commits late may carry an earlier change time than rows already read.
CATCH_UP_OVERLAP = dt.timedelta(minutes=10)
OVERLAP_SWEEP_SECONDS = 60  # how often a catch-up compares every row of the overlap
MAX_REPORTED = 3  # near-duplicates named per problem
# The root's report: a line repeated by more orgs than this is listed once as a widely repeated
# line (with its orgs counted) instead of as every pair of its orgs; unit pairs keep a few examples.
RECHECK_CHUNK = 20  # candidates re-read per query when confirming a new problem's near-duplicates
WIDE_ORGS = 10
EXAMPLES_PER_UNIT_PAIR = 3
UNIT_PAIRS_SHOWN = 500
WIDE_SHOWN = 200


def _raw_rows(rows, *fields: str) -> Iterator[tuple]:
    """``rows.values_list(*fields)`` as the database driver returns them, without Django's per-row
    converters (on SQLite, parsing every timestamp is most of the cost of a large read)."""
    sql, params = rows.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def _as_datetime(raw: object) -> dt.datetime:
    value = raw if isinstance(raw, dt.datetime) else parse_datetime(str(raw))
    if value is None:
        raise ValueError(f"unreadable change time {raw!r}")
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class LineKind:
    """Where an index reads its lines: the table, the text and org-path columns, and the live rows."""

    name: str  # "problem" or "measure"
    text: str
    path: str
    org: str

    def table(self):
        return Problem.objects.all() if self.name == "problem" else Measure.objects.all()

    def live(self):
        """Rows that count: problems not deleted, measures of problems not deleted."""
        if self.name == "problem":
            return Problem.objects.alive()
        return Measure.objects.filter(problem__deleted_at__isnull=True)

    def text_of(self, row: Any) -> str:
        return getattr(row, self.text)


PROBLEMS = LineKind("problem", "description", "org_path", "org_id")
MEASURES = LineKind("measure", "text", "problem__org_path", "problem__org_id")


class LineIndex:
    """The process's near-duplicate index of one kind of line (key: row id, group: org path)."""

    def __init__(self, kind: LineKind = PROBLEMS) -> None:
        self.kind = kind
        self.index = DuplicateIndex()
        self.seen: dict[int, tuple[str, str]] = {}  # id -> (text, org path) as indexed
        self.seen_at: dict[int, object] = {}  # id -> change time as the database returned it
        self.through: dt.datetime | None = None
        self.swept = time.monotonic()  # when rows of the whole overlap were last compared
        self.lock = threading.Lock()

    def catch_up(self) -> None:
        with self.lock:
            rows = self.kind.table()
            if self.through is None:
                self._read(rows)
                # The index is millions of long-lived objects: keep the cyclic garbage collector from
                # walking them on every full collection (a stall of seconds inside some request).
                gc.freeze()
                return
            # Rows changed since the last look, and once a minute every row of the overlap (for late
            # commits): read their raw change times, then the texts only of the rows that changed.
            # Sweeping the overlap on every save would re-read a whole bulk load for ten minutes.
            since = self.through
            if time.monotonic() - self.swept >= OVERLAP_SWEEP_SECONDS:
                since, self.swept = since - CATCH_UP_OVERLAP, time.monotonic()
            # unordered: an ORDER BY on the id would make SQLite walk the whole table in id order
            # instead of the few recent rows through the updated_at index
            recent = rows.filter(updated_at__gte=since).order_by()
            changed = [pk for pk, at in _raw_rows(recent, "pk", "updated_at") if self.seen_at.get(pk) != at]
            for start in range(0, len(changed), 500):
                self._read(rows.filter(pk__in=changed[start : start + 500]).order_by())

    def _read(self, rows) -> None:
        latest = self.through
        for pk, text, path, changed_at in _raw_rows(rows, "pk", self.kind.text, self.kind.path, "updated_at"):
            if self.seen.get(pk) != (text, path):
                self.index.add(pk, text, group=path)
                self.seen[pk] = (text, path)
            self.seen_at[pk] = changed_at
            at = _as_datetime(changed_at)
            if latest is None or at > latest:
                latest = at
        self.through = latest

    def candidates(self, text: str, *, org_path: str, exclude: int | None = None) -> list[tuple[int, float]]:
        self.catch_up()
        best: dict[int, float] = {}
        for raw_key, score in self.index.candidates(text, exclude_group=org_path):
            key = int(raw_key)  # type: ignore[call-overload]  # keys added are row ids
            if key != exclude and self.seen.get(key, ("", ""))[1] != org_path:
                best[key] = max(score, best.get(key, 0.0))
        return sorted(best.items(), key=lambda kv: -kv[1])


ProblemIndex = LineIndex  # the problems' index (older name)

_INDEXES: dict[str, LineIndex] = {}


def line_index(kind: LineKind) -> LineIndex:
    index = _INDEXES.get(kind.name)
    if index is None:
        index = _INDEXES[kind.name] = LineIndex(kind)
    return index


def problem_index() -> LineIndex:
    return line_index(PROBLEMS)


def measure_index() -> LineIndex:
    return line_index(MEASURES)


def prebuild_index() -> None:
    """Build the process's indexes now (the web server calls it in a thread at start), so the first
    save after a restart does not wait for them; a save arriving meanwhile waits on an index's lock.
    Errors are logged, never raised: the first save would build the index itself."""
    from django.db import connections

    try:
        problem_index().catch_up()
        measure_index().catch_up()
    except Exception:
        logger.exception("building the near-duplicate index failed")
    finally:
        connections.close_all()


def reset_index() -> None:
    """Forget the process's indexes (tests, and after a bulk load)."""
    _INDEXES.clear()


def _confirmed(
    kind: LineKind, text: str, org_path: str, exclude: int | None, limit: int
) -> list[tuple[Any, float]]:
    """Up to ``limit`` live rows of other orgs whose text nearly repeats ``text``, best first.

    Candidates are re-checked against the rows as they are now, a chunk at a time, best first, and
    the check stops once ``limit`` are confirmed: a stock line repeated by thousands of orgs costs
    a few rows, not thousands."""
    found = line_index(kind).candidates(text, org_path=org_path, exclude=exclude)
    related = "org" if kind is PROBLEMS else "problem__org"
    out: list[tuple[Any, float]] = []
    for start in range(0, len(found), RECHECK_CHUNK):
        chunk = [pk for pk, _ in found[start : start + RECHECK_CHUNK]]
        current = {
            row.pk: row
            for row in kind.live()
            .filter(pk__in=chunk)
            .exclude(**{kind.path: org_path})
            .select_related(related)
        }
        for pk in chunk:
            other = current.get(pk)
            if other is None:
                continue
            duplicate, score = is_near_duplicate(text, kind.text_of(other))
            if duplicate:
                out.append((other, score))
                if len(out) >= limit:
                    return out
    return out


def near_duplicates(problem: Problem, *, limit: int = MAX_REPORTED) -> list[tuple[Problem, float]]:
    """Up to ``limit`` live problems of other orgs whose text nearly repeats ``problem``'s, best first."""
    return _confirmed(PROBLEMS, problem.description, problem.org_path, problem.pk, limit)


def near_duplicate_measures(
    measure: Measure, *, org_path: str, limit: int = MAX_REPORTED
) -> list[tuple[Measure, float]]:
    """Up to ``limit`` measures of other orgs' live problems whose text nearly repeats ``measure``'s."""
    return _confirmed(MEASURES, measure.text, org_path, measure.pk, limit)


def _text_rows(problem: Problem) -> list[ItemWarning]:
    rows = [
        ItemWarning(problem=problem, field=WarningField.PROBLEM, code=code)
        for code in text_warnings(problem.description, "problem")
    ]
    if problem.target:
        rows += [
            ItemWarning(problem=problem, field=WarningField.TARGET, code=code)
            for code in text_warnings(problem.target, "target")
        ]
    else:
        rows.append(
            ItemWarning(
                problem=problem, field=WarningField.TARGET, code="unquantified", detail="未填写整改目标"
            )
        )
    for measure in problem.measures.all():
        rows += [
            ItemWarning(problem=problem, measure=measure, field=WarningField.MEASURE, code=code)
            for code in text_warnings(measure.text, "measure", problem_text=problem.description)
        ]
    return rows


def _names(found: list[tuple[Any, float]], org_of) -> str:
    return "；".join(f"{org_of(other).name}（相似度 {score:.2f}）" for other, score in found[:MAX_REPORTED])


def _duplicate_rows(problem: Problem) -> list[ItemWarning]:
    rows: list[ItemWarning] = []
    found = near_duplicates(problem)
    if found:
        rows.append(
            ItemWarning(
                problem=problem,
                field=WarningField.PROBLEM,
                code="near_duplicate",
                detail=f"与{_names(found, lambda p: p.org)}的问题雷同"[:300],
            )
        )
    for measure in problem.measures.all():
        copies = near_duplicate_measures(measure, org_path=problem.org_path)
        if copies:
            rows.append(
                ItemWarning(
                    problem=problem,
                    measure=measure,
                    field=WarningField.MEASURE,
                    code="near_duplicate",
                    detail=f"与{_names(copies, lambda m: m.problem.org)}的措施雷同"[:300],
                )
            )
    return rows


def structural_warnings(problem: Problem) -> list[ItemWarning]:
    rows: list[ItemWarning] = []
    for measure in problem.measures.all():
        missing = [
            label for label, value in (("责任人", measure.owner), ("完成时限", measure.due_on)) if not value
        ]
        if missing:
            rows.append(
                ItemWarning(
                    problem=problem,
                    measure=measure,
                    field=WarningField.MEASURE,
                    code="no_owner_or_date",
                    detail="缺少" + "、".join(missing),
                )
            )
    if problem.status in (ProblemStatus.REQUESTED, ProblemStatus.CLOSED):
        uploaders = {e.created_by_id for e in problem.evidence.all()}
        if not uploaders:
            rows.append(
                ItemWarning(
                    problem=problem, field=WarningField.CLOSE, code="self_verified", detail="没有佐证材料"
                )
            )
        elif problem.status == ProblemStatus.CLOSED and problem.closed_by_id in uploaders:
            rows.append(
                ItemWarning(
                    problem=problem,
                    field=WarningField.CLOSE,
                    code="self_verified",
                    detail="佐证材料由销号审核人本人上传",
                )
            )
    return rows


def refresh(problem: Problem, *, duplicates: bool = True) -> list[ItemWarning]:
    """Recompute and store ``problem``'s warnings (call inside the writing transaction)."""
    rows = _text_rows(problem) + structural_warnings(problem)
    if duplicates:
        rows += _duplicate_rows(problem)
    for row in rows:
        row.org_path = problem.org_path
    ItemWarning.objects.filter(problem=problem).delete()
    ItemWarning.objects.bulk_create(rows)
    mask = warning_mask(row.code for row in rows)
    if mask != problem.warning_mask:
        # update(), not save(): the change time stays, so the duplicate index does not re-read the row
        Problem.objects.filter(pk=problem.pk).update(warning_mask=mask)
        problem.warning_mask = mask
    return rows


def _line_text(row: Any) -> str:
    return row.description if isinstance(row, Problem) else row.text


def _line_problem_id(row: Any) -> int:
    return row.pk if isinstance(row, Problem) else row.problem_id


def _line_org(row: Any) -> Org:
    return row.org if isinstance(row, Problem) else row.problem.org


@dataclass(frozen=True)
class DuplicatePair:
    """Two near-duplicate lines (problems, or measures) of different orgs."""

    a: Any
    b: Any
    score: float

    @property
    def a_text(self) -> str:
        return _line_text(self.a)

    @property
    def b_text(self) -> str:
        return _line_text(self.b)

    @property
    def a_problem_id(self) -> int:
        return _line_problem_id(self.a)

    @property
    def b_problem_id(self) -> int:
        return _line_problem_id(self.b)


@dataclass
class UnitPair:
    """Two orgs whose problem lists share near-duplicate lines: how many pairs, with examples."""

    a: Org
    b: Org
    pairs: int = 0
    examples: list[DuplicatePair] = field(default_factory=list)


@dataclass
class WideLine:
    """A line (once names are masked) repeated by many orgs: stock wording or a list copied down."""

    example: Any  # a Problem, or a Measure
    orgs: int
    problems: int  # lines (problems or measures) that repeat it

    @property
    def text(self) -> str:
        return _line_text(self.example)

    @property
    def problem_id(self) -> int:
        return _line_problem_id(self.example)

    @property
    def org(self) -> Org:
        return _line_org(self.example)


@dataclass
class DuplicateSummary:
    pairs: int  # cross-org near-duplicate pairs (of problems, or of measures) in scope
    unit_pairs: int  # org pairs among them (lines repeated by many orgs are counted in ``wide``)
    rows: list[UnitPair]  # the org pairs with the most pairs first, at most UNIT_PAIRS_SHOWN
    wide: list[WideLine]  # the most repeated lines first, at most WIDE_SHOWN
    wide_lines: int
    kind: str = "problem"


def _cross_org(orgs_a: dict[int, list[int]], orgs_b: dict[int, list[int]]) -> int:
    """Pairs of one problem of each group that belong to different orgs."""
    every = sum(len(ids) for ids in orgs_a.values()) * sum(len(ids) for ids in orgs_b.values())
    return every - sum(len(ids) * len(orgs_b.get(org_id, ())) for org_id, ids in orgs_a.items())


def duplicate_summary(*, visible: Q | None = None, kind: str = "problem") -> DuplicateSummary:
    """The cross-unit duplicate report of problems (or, with ``kind="measure"``, of measures)
    summarised per pair of units, from the index's groups of identical masked lines and their near
    neighbours, never by listing every pair of lines. ``visible`` filters on the line's org path
    (``org_path`` for problems, ``problem__org_path`` for measures).

    A group whose problems belong to more than ``WIDE_ORGS`` orgs is one ``WideLine`` row; other
    groups and their neighbours add their cross-org pairs to each pair of units, with examples.
    Only live lines inside ``visible`` whose text and org are as indexed take part."""
    line_kind = MEASURES if kind == "measure" else PROBLEMS
    index = line_index(line_kind)
    index.catch_up()
    rows = line_kind.live()
    if visible is not None:
        rows = rows.filter(visible)
    live: dict[int, int] = {}
    for pk, org_id, text, path in _raw_rows(rows, "pk", line_kind.org, line_kind.text, line_kind.path):
        if index.seen.get(pk) == (text, path):
            live[pk] = org_id
    by_entry: dict[int, dict[int, list[int]]] = {}  # entry -> org id -> problem ids
    for entry, keys in index.index.entries():
        orgs: dict[int, list[int]] = {}
        for key, _group in keys:
            org_id = live.get(int(key))  # type: ignore[call-overload]  # keys added are problem ids
            if org_id is not None:
                orgs.setdefault(org_id, []).append(int(key))  # type: ignore[call-overload]
        if orgs:
            by_entry[entry] = orgs
    units: dict[tuple[int, int], list] = {}  # (org, org) -> [pair count, [(a, b, score)]]
    total = 0
    wide: list[tuple[int, int, int]] = []  # (orgs, problems, an example id)

    def add(orgs_a: dict[int, list[int]], orgs_b: dict[int, list[int]], score: float, same: bool) -> int:
        found = 0
        for org_a, ids_a in orgs_a.items():
            for org_b, ids_b in orgs_b.items():
                if org_a == org_b or (same and org_a > org_b):
                    continue
                count = len(ids_a) * len(ids_b)
                found += count
                pair = (org_a, org_b) if org_a < org_b else (org_b, org_a)
                ids = (ids_a[0], ids_b[0]) if org_a < org_b else (ids_b[0], ids_a[0])
                unit = units.setdefault(pair, [0, []])
                unit[0] += count
                if len(unit[1]) < EXAMPLES_PER_UNIT_PAIR:
                    unit[1].append((*ids, score))
        return found

    for entry, orgs in by_entry.items():
        if len(orgs) > WIDE_ORGS:
            sizes = [len(ids) for ids in orgs.values()]
            problems = sum(sizes)
            total += (problems * problems - sum(n * n for n in sizes)) // 2
            wide.append((len(orgs), problems, next(iter(orgs.values()))[0]))
            for other, _score in index.index.neighbours(entry):
                other_orgs = by_entry.get(other)
                if other > entry and other_orgs is not None and len(other_orgs) > WIDE_ORGS:
                    total += _cross_org(orgs, other_orgs)  # two variants of widely repeated lines
            continue
        total += add(orgs, orgs, 1.0, same=True)
        for other, score in index.index.neighbours(entry):
            other_orgs = by_entry.get(other)
            if other_orgs is None:
                continue
            if len(other_orgs) > WIDE_ORGS:  # a variant of a widely repeated line: counted, not listed
                total += _cross_org(orgs, other_orgs)
            elif other > entry:
                total += add(orgs, other_orgs, score, same=False)
    shown = sorted(units.items(), key=lambda kv: -kv[1][0])[:UNIT_PAIRS_SHOWN]
    wide.sort(reverse=True)
    needed = {pk for _, (_, examples) in shown for a, b, _ in examples for pk in (a, b)}
    needed |= {pk for _, _, pk in wide[:WIDE_SHOWN]}
    related = "org" if line_kind is PROBLEMS else "problem__org"
    lines_by_id = {r.pk: r for r in line_kind.table().filter(pk__in=needed).select_related(related)}
    org_ids = {o for pair, _ in shown for o in pair}
    orgs_by_id = Org.objects.in_bulk(org_ids)
    return DuplicateSummary(
        pairs=total,
        unit_pairs=len(units),
        rows=[
            UnitPair(
                orgs_by_id[a],
                orgs_by_id[b],
                count,
                [DuplicatePair(lines_by_id[x], lines_by_id[y], score) for x, y, score in examples],
            )
            for (a, b), (count, examples) in shown
        ],
        wide=[WideLine(lines_by_id[pk], orgs, problems) for orgs, problems, pk in wide[:WIDE_SHOWN]],
        wide_lines=len(wide),
        kind=line_kind.name,
    )


__all__ = [
    "LABELS",
    "MEASURES",
    "PROBLEMS",
    "DuplicatePair",
    "DuplicateSummary",
    "LineIndex",
    "UnitPair",
    "WideLine",
    "duplicate_summary",
    "line_index",
    "measure_index",
    "near_duplicate_measures",
    "near_duplicates",
    "prebuild_index",
    "problem_index",
    "refresh",
    "reset_index",
]
