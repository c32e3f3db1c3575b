"""Reads of the rectification ledger, every one scoped by ``policy.scope_q`` on ``org_path``.

Lists the office asks for: overdue items, items soon due, and counties whose items name no
挂钩包案 leader. ``access_problem`` fetches and authorises in one step (404 for both missing and
out-of-scope).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from dangjian.activities.models import Activity
from dangjian.core import policy
from dangjian.core.ledger import can_review
from dangjian.core.permissions import Perm
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import org_visible

from .models import (
    OPEN_STATUSES,
    WARNING_BITS,
    DeadlineType,
    EventKind,
    Evidence,
    ItemWarning,
    Measure,
    Problem,
    ProblemEvent,
    ProblemStatus,
)


def problem_visible(*, user: Any, perm: str = Perm.RECTIFICATION_VIEW) -> QuerySet[Problem]:
    return Problem.objects.alive().filter(policy.scope_q(user, perm, path_field="org_path"))


def access_problem(*, user: Any, pk: Any, perm: str = Perm.RECTIFICATION_VIEW) -> Problem:
    try:
        return problem_visible(user=user, perm=perm).select_related("org", "activity").get(pk=int(pk))
    except (Problem.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def access_problem_for_verify(*, user: Any, pk: Any) -> Problem:
    """A problem the user may sign off: visible, and their grant covers the level above."""
    problem = access_problem(user=user, pk=pk)
    if not can_review(user, Perm.RECTIFICATION_VERIFY, problem.org_path):
        raise policy.not_found()
    return problem


def access_measure(*, user: Any, problem: Problem, pk: Any) -> Measure:
    try:
        return problem.measures.get(pk=int(pk))
    except (Measure.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def access_evidence(*, user: Any, problem_pk: Any, pk: Any) -> Evidence:
    problem = access_problem(user=user, pk=problem_pk)
    try:
        return problem.evidence.get(pk=int(pk))
    except (Evidence.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def org_for_change(*, user: Any, pk: Any) -> Org:
    """An org the user may register problems for (404 otherwise)."""
    try:
        return org_visible(user=user, perm=Perm.RECTIFICATION_CHANGE).get(pk=int(pk))
    except (Org.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def org_for_view(*, user: Any, pk: Any) -> Org:
    try:
        return org_visible(user=user, perm=Perm.RECTIFICATION_VIEW).get(pk=int(pk))
    except (Org.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def change_orgs(*, user: Any, limit: int = 300) -> list[Org]:
    return list(
        org_visible(user=user, perm=Perm.RECTIFICATION_CHANGE)
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")[:limit]
    )


def activity_for_link(*, user: Any, pk: Any) -> Activity:
    """A 民主生活会/组织生活会 record the user may see, to list the problems it found."""
    from dangjian.activities.selectors import access_activity

    return access_activity(user=user, pk=pk)


def can_change(user: Any) -> bool:
    return policy.has_perm(user, Perm.RECTIFICATION_CHANGE)


def can_change_problem(user: Any, problem: Problem) -> bool:
    return policy.allows_path(user, Perm.RECTIFICATION_CHANGE, problem.org_path)


def can_verify_problem(user: Any, problem: Problem) -> bool:
    return can_review(user, Perm.RECTIFICATION_VERIFY, problem.org_path)


def soon_days() -> int:
    return int(getattr(settings, "RECTIFICATION_SOON_DAYS", 7))


def problem_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Problem]:
    """Visible problems, newest first; see ProblemFilterSet for the keys. No per-row aggregate
    here (it would group the whole scope before the page is cut): ``with_warning_codes`` adds the
    codes to the rows of one page."""
    return problem_visible(user=user).select_related("org").order_by("-created_at", "-pk")


def rows_of_page(ids: Any) -> list[Problem]:
    """The problems of one page, in the page's order: the page is cut on ids alone (read off the
    scope index without touching the rows), then its rows are fetched by id."""
    ids = list(ids)
    found = Problem.objects.select_related("org").in_bulk(ids)
    return with_warning_codes([found[pk] for pk in ids if pk in found])


def with_warning_codes(rows: list[Problem]) -> list[Problem]:
    """Set ``warning_codes`` (distinct, in order) and ``warning_count`` on each row of a page."""
    codes = warning_codes(problem_ids=[p.pk for p in rows])
    for p in rows:
        found = codes.get(p.pk, [])
        p.warning_codes = list(dict.fromkeys(found))  # type: ignore[attr-defined]
        p.warning_count = len(found)  # type: ignore[attr-defined]
    return rows


def problem_overdue(*, user: Any, today: dt.date | None = None) -> QuerySet[Problem]:
    today = today or timezone.localdate()
    return problem_visible(user=user).filter(status__in=OPEN_STATUSES, due_on__lt=today).select_related("org")


def problem_soon_due(*, user: Any, today: dt.date | None = None) -> QuerySet[Problem]:
    today = today or timezone.localdate()
    return (
        problem_visible(user=user)
        .filter(
            status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=today + dt.timedelta(days=soon_days())
        )
        .select_related("org")
    )


def progress_days() -> int:
    return int(getattr(settings, "RECTIFICATION_PROGRESS_DAYS", 90))


def long_term_without_recent_note(*, user: Any, today: dt.date | None = None) -> QuerySet[Problem]:
    """长期坚持 items still open (or kept up after 销号) with no progress note in the last
    ``RECTIFICATION_PROGRESS_DAYS`` days (counted from registration when they have none)."""
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=progress_days()), dt.time.min))
    recent = ProblemEvent.objects.filter(problem=OuterRef("pk"), kind=EventKind.PROGRESS, at__gte=since)
    return (
        problem_visible(user=user)
        .filter(deadline_type=DeadlineType.LONG_TERM, created_at__lt=since)
        .exclude(Exists(recent))
        .select_related("org")
        .order_by("created_at", "pk")
    )


def counties_without_patron(*, user: Any) -> list[dict[str, Any]]:
    """County-level committees (depth 2 under a root, 县(市、区)) holding open items that name no
    挂钩包案 leader, with how many such items each has."""
    visible = problem_visible(user=user).filter(status__in=OPEN_STATUSES, patron_leader="")
    depth = int(getattr(settings, "RECTIFICATION_COUNTY_DEPTH", 2))
    cut = depth * 4
    counts: dict[str, int] = {}
    for path in visible.values_list("org_path", flat=True).iterator():
        if len(path) >= cut:
            counts[path[:cut]] = counts.get(path[:cut], 0) + 1
    orgs = {o.path: o for o in Org.objects.filter(path__in=list(counts))}
    return [{"org": orgs[path], "count": count} for path, count in sorted(counts.items()) if path in orgs]


def problem_detail(*, problem: Problem) -> dict[str, Any]:
    return {
        "measures": list(problem.measures.prefetch_related(Prefetch("warnings", to_attr="warning_rows"))),
        "evidence": list(problem.evidence.select_related("created_by")),
        "events": list(ProblemEvent.objects.filter(problem=problem).select_related("actor")),
        "warnings": list(ItemWarning.objects.filter(problem=problem, measure__isnull=True)),
    }


def problems_of_activity(*, user: Any, activity: Activity) -> QuerySet[Problem]:
    return problem_visible(user=user).filter(activity=activity).select_related("org")


def with_warning(qs: QuerySet[Problem], code: str) -> QuerySet[Problem]:
    """Problems with a warning of ``code``, from the bit the detector keeps on the problem (read off
    the scope index, no join with the warnings)."""
    bit = WARNING_BITS.get(code, 0)
    return qs.alias(_has_code=F("warning_mask").bitand(bit)).filter(_has_code__gt=0)


def any_warning(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    return qs.filter(warning_mask__gt=0)


def status_counts(*, user: Any) -> dict[str, int]:
    rows = problem_visible(user=user).values("status").annotate(n=Count("pk"))
    counts = {s: 0 for s in ProblemStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def warning_codes(*, problem_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for pid, code in ItemWarning.objects.filter(problem_id__in=problem_ids).values_list("problem_id", "code"):
        out.setdefault(pid, []).append(code)
    return out


def duplicate_summary(*, user: Any, kind: str = "problem") -> Any:
    """The cross-unit near-duplicate report per pair of units, over the problems (or, with
    ``kind="measure"``, the measures of the problems) the user may see."""
    from .detector import duplicate_summary as summarise

    path_field = "problem__org_path" if kind == "measure" else "org_path"
    return summarise(
        visible=policy.scope_q(user, Perm.RECTIFICATION_VIEW, path_field=path_field),
        kind="measure" if kind == "measure" else "problem",
    )
