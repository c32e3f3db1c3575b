"""Reads of 典型案例, scoped by ``policy.scope_q`` on ``org_path``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet

from dangjian.core import policy
from dangjian.core.permissions import Perm
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import org_visible

from .models import CaseEvent, CaseEventKind, CaseKind, CaseStatus, TypicalCase
from .services import can_review_case


def case_visible(*, user: Any, perm: str = Perm.CASE_VIEW) -> QuerySet[TypicalCase]:
    return TypicalCase.objects.alive().filter(policy.scope_q(user, perm, path_field="org_path"))


def access_case(*, user: Any, pk: Any, perm: str = Perm.CASE_VIEW) -> TypicalCase:
    try:
        return case_visible(user=user, perm=perm).select_related("org").get(pk=int(pk))
    except (TypicalCase.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def access_case_for_review(*, user: Any, pk: Any) -> TypicalCase:
    case = access_case(user=user, pk=pk)
    if not can_review_case(user, case):
        raise policy.not_found()
    return case


def case_list(*, user: Any) -> QuerySet[TypicalCase]:
    return case_visible(user=user).select_related("org").order_by("-created_at", "-pk")


def awaiting_my_review(*, user: Any) -> list[TypicalCase]:
    """Submitted cases whose current level the user reviews (scanned within the scope)."""
    qs = case_visible(user=user).filter(status=CaseStatus.SUBMITTED).select_related("org")[:500]
    return [c for c in qs if can_review_case(user, c)]


def case_history(*, case: TypicalCase) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor"))


def approved_counts(*, user: Any, org: Org) -> dict[str, int]:
    """Approved positive / negative cases of ``org``'s subtree (only approved cases count)."""
    rows = (
        case_visible(user=user)
        .filter(policy.subtree_q("org_path", org.path), status=CaseStatus.APPROVED)
        .aggregate(
            positive=Count("pk", filter=Q(kind=CaseKind.POSITIVE)),
            negative=Count("pk", filter=Q(kind=CaseKind.NEGATIVE)),
        )
    )
    return {"positive": rows["positive"] or 0, "negative": rows["negative"] or 0}


def org_for_change(*, user: Any, pk: Any) -> Org:
    try:
        return org_visible(user=user, perm=Perm.CASE_CHANGE).get(pk=int(pk))
    except (Org.DoesNotExist, TypeError, ValueError, OverflowError):
        raise policy.not_found() from None


def change_orgs(*, user: Any, limit: int = 300) -> list[Org]:
    return list(
        org_visible(user=user, perm=Perm.CASE_CHANGE).exclude(kind=OrgKind.GROUP).order_by("path")[:limit]
    )


def can_change(user: Any) -> bool:
    return policy.has_perm(user, Perm.CASE_CHANGE)


def can_change_case(user: Any, case: TypicalCase) -> bool:
    return policy.allows_path(user, Perm.CASE_CHANGE, case.org_path)


def approved_counts_by_org(org_ids: Any, since: Any, until: Any) -> dict[int, dict[str, int]]:
    """Approved positive / negative cases of each org itself (not its subtree), counting a case
    when its final approval falls in [since, until]. Unscoped: the caller has scoped the orgs
    (the campaigns app, through ``core.counters``)."""
    ids = list(org_ids)
    if not ids:
        return {}
    approved = (
        CaseEvent.objects.filter(
            kind=CaseEventKind.APPROVE,
            case__org_id__in=ids,
            case__status=CaseStatus.APPROVED,
            case__deleted_at__isnull=True,
            step=F("case__review_levels"),
            at__date__gte=since,
            at__date__lte=until,
        )
        .values("case__org_id", "case__kind")
        .annotate(n=Count("case_id", distinct=True))
    )
    out: dict[int, dict[str, int]] = {}
    for row in approved:
        out.setdefault(row["case__org_id"], {"positive": 0, "negative": 0})[row["case__kind"]] = row["n"]
    return out
