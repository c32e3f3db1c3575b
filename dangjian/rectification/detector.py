"""The 形式主义 detector applied to the ledger: findings stored per item as ItemWarning rows.

- Text checks (``unquantified``, ``generic``, ``restates_problem``) are textcheck's pure
  functions, run on the problem's text, its target and each measure.
- ``no_owner_or_date``: a measure with no owner (责任人) or no due date.
- ``self_verified``: a 销号 (requested or signed off) without evidence, or whose evidence was
  uploaded by the person who verified it.
- ``near_duplicate``: a problem whose text nearly repeats a problem of another org (another unit,
  or the level above: 上下一般粗). A new problem is compared only with the candidates of
  textcheck's MinHash index, never with every problem.

``refresh(problem)`` rewrites a problem's rows; the services call it inside their transaction on
every create and edit. Warnings never block a write.

The duplicate index lives in the process (``ProblemIndex``). It is built from the problem table
once, on first use (text, org path and change time only), and afterwards catches up on rows
changed since it last looked, through the ``updated_at`` index: a request never loads all
problems. Candidates are re-checked against the rows as they are now, so an edited or deleted
problem the index still remembers is not reported.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q

from dangjian.textcheck.checks import DuplicateIndex, is_near_duplicate, text_warnings

from .models import ItemWarning, Problem, ProblemStatus, WarningField

LABELS = {
    "unquantified": "没有量化（无数字、时间、频次或可检查的对象）",
    "generic": "表述一般化，放在任何单位都成立",
    "restates_problem": "措施只是把问题换个说法",
    "no_owner_or_date": "措施没有责任人或完成时限",
    "near_duplicate": "与其他单位或上级的问题雷同（上下一般粗）",
    "self_verified": "销号没有佐证材料，或佐证材料由销号审核人本人上传",
}
# Rows changed this long before the last look are read again: a transaction that commits late
# may carry an earlier change time than rows already read.
CATCH_UP_OVERLAP = dt.timedelta(minutes=10)
MAX_REPORTED = 3  # near-duplicates named per problem
RAW_PAIRS_PER_SHOWN = 5  # index pairs read per pair the report may show (others fall outside the scope)


class ProblemIndex:
    """The process's near-duplicate index of live problems (key: problem id, group: org path)."""

    def __init__(self) -> None:
        self.index = DuplicateIndex()
        self.seen: dict[int, tuple[str, str]] = {}  # id -> (text, org path) as indexed
        self.through: dt.datetime | None = None
        self.lock = threading.Lock()

    def catch_up(self) -> None:
        with self.lock:
            rows = Problem.objects.all()
            if self.through is not None:
                rows = rows.filter(updated_at__gte=self.through - CATCH_UP_OVERLAP)
            latest = self.through
            for pk, text, path, changed in rows.values_list(
                "pk", "description", "org_path", "updated_at"
            ).iterator(chunk_size=5000):
                if self.seen.get(pk) != (text, path):
                    self.index.add(pk, text, group=path)
                    self.seen[pk] = (text, path)
                if latest is None or changed > latest:
                    latest = changed
            self.through = latest

    def candidates(self, text: str, *, org_path: str, exclude: int | None = None) -> list[tuple[int, float]]:
        self.catch_up()
        best: dict[int, float] = {}
        for raw_key, score in self.index.candidates(text, exclude_group=org_path):
            key = int(raw_key)  # type: ignore[call-overload]  # keys added are problem ids
            if key != exclude and self.seen.get(key, ("", ""))[1] != org_path:
                best[key] = max(score, best.get(key, 0.0))
        return sorted(best.items(), key=lambda kv: -kv[1])

    def pairs(self) -> Iterator[tuple[int, int, float]]:
        self.catch_up()
        for a, b, score in self.index.duplicate_pairs():
            yield int(a), int(b), score  # type: ignore[call-overload]  # keys added are problem ids


_INDEX: ProblemIndex | None = None


def problem_index() -> ProblemIndex:
    global _INDEX
    if _INDEX is None:
        _INDEX = ProblemIndex()
    return _INDEX


def reset_index() -> None:
    """Forget the process's index (tests, and after a bulk load)."""
    global _INDEX
    _INDEX = None


def near_duplicates(problem: Problem) -> list[tuple[Problem, float]]:
    """Live problems of other orgs whose text nearly repeats ``problem``'s, best first."""
    found = problem_index().candidates(problem.description, org_path=problem.org_path, exclude=problem.pk)
    if not found:
        return []
    current = {
        p.pk: p
        for p in Problem.objects.alive()
        .filter(pk__in=[pk for pk, _ in found])
        .exclude(org_path=problem.org_path)
        .select_related("org")
    }
    out = []
    for pk, _ in found:
        other = current.get(pk)
        if other is None:
            continue
        duplicate, score = is_near_duplicate(problem.description, other.description)
        if duplicate:
            out.append((other, score))
    return out


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


def _duplicate_rows(problem: Problem) -> list[ItemWarning]:
    found = near_duplicates(problem)
    if not found:
        return []
    names = "；".join(f"{other.org.name}（相似度 {score:.2f}）" for other, score in found[:MAX_REPORTED])
    return [
        ItemWarning(
            problem=problem,
            field=WarningField.PROBLEM,
            code="near_duplicate",
            detail=f"与{names}的问题雷同"[:300],
        )
    ]


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
    return rows


@dataclass(frozen=True)
class DuplicatePair:
    a: Problem
    b: Problem
    score: float


def duplicate_report(*, visible: Q | None = None, limit: int = 1000) -> list[DuplicatePair]:
    """The cross-unit duplicate report: near-duplicate pairs of live problems of different orgs
    (both inside ``visible`` when given), best first, at most ``limit`` (from the first
    ``limit × RAW_PAIRS_PER_SHOWN`` pairs the index yields)."""
    raw = []
    # The index yields pairs lazily; stop once enough are in hand, so a page never enumerates
    # every pair of a very template-heavy ledger (see README, 基准).
    for pair in problem_index().pairs():
        raw.append(pair)
        if len(raw) >= limit * RAW_PAIRS_PER_SHOWN:
            break
    ids = {k for a, b, _ in raw for k in (a, b)}
    rows = Problem.objects.alive().filter(pk__in=ids)
    if visible is not None:
        rows = rows.filter(visible)
    by_id = {p.pk: p for p in rows.select_related("org")}
    pairs = []
    for a, b, score in raw:
        pa, pb = by_id.get(a), by_id.get(b)
        if pa is None or pb is None or pa.org_path == pb.org_path:
            continue
        if (pa.description, pa.org_path) != problem_index().seen.get(pa.pk) or (
            pb.description,
            pb.org_path,
        ) != problem_index().seen.get(pb.pk):
            continue
        pairs.append(DuplicatePair(pa, pb, score))
    pairs.sort(key=lambda p: -p.score)
    return pairs[:limit]


__all__ = [
    "LABELS",
    "DuplicatePair",
    "duplicate_report",
    "near_duplicates",
    "problem_index",
    "refresh",
    "reset_index",
]
