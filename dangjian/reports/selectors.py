"""Reads of the 工作台: each block of the page in one query, reading only what the page shows.

The figures are the ones the org and compliance selectors give (the same scope, the same
filters); only the way they are fetched is the page's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, Window

from dangjian.activities import selectors as activity_selectors
from dangjian.activities.models import Activity
from dangjian.core import policy
from dangjian.core.permissions import Perm
from dangjian.feedback import selectors as feedback_selectors
from dangjian.feedback.models import Feedback
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Member, Org
from dangjian.requirements import selectors as compliance_selectors
from dangjian.requirements.models import ComplianceResult, Status

ROOTS_SHOWN = 5
ORG_FIELDS = ("name", "path", "depth", "kind")
TODO_SHOWN = 5

# What a to-do entry reads of its result and requirement (``todo_items``), and the order.
TODO_FIELDS = (
    "org_id",
    "org_path",
    "period_end",
    "count",
    "required",
    "requirement__name",
    "requirement__action",
    "requirement__period",
    "requirement__judged",
    "requirement__counts",
)


def scope_figures(*, user: Any) -> dict[str, int]:
    """Org count and 正式/预备 totals over everything the user can see; the overdue count comes
    with the list (``overdue_orgs``)."""
    return org_selectors.org_scope_totals(user=user)


def overdue_orgs(*, user: Any, on: dt.date, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` orgs past their 应换届时间 (``org_term_overdue``'s order) with their
    days overdue, and how many there are in all, in one query."""
    rows = cast(
        list[dict[str, Any]],
        list(
            org_selectors.org_term_overdue(user=user, on=on)
            .annotate(overdue_total=Window(Count("pk")))
            .values("pk", "name", "term_due", "overdue_total")[:limit]
        ),
    )
    for row in rows:
        row["days_overdue"] = (on - row["term_due"]).days
    return rows, (rows[0]["overdue_total"] if rows else 0)


@dataclass
class HomeOrgs:
    """The orgs the page names: the topmost ones the user sees (``org_roots``), the root of the
    user's compliance to-do (``compliance_selectors.default_org``) and the orgs whose results
    that to-do lists (the root and, when the user sees below it, its 党小组, as ``todo``)."""

    roots: list[Org] = field(default_factory=list)
    todo_root: Org | None = None
    todo_orgs: list[Org] = field(default_factory=list)


def _groups_of(root: Org, orgs: list[Org], *, user: Any) -> list[Org]:
    """The visible 党小组 directly under ``root`` among ``orgs`` (``org_children`` of kind 党小组)."""
    return [
        o
        for o in orgs
        if o.kind == OrgKind.GROUP
        and o.depth == root.depth + 1
        and o.path.startswith(root.path)
        and policy.allows_path(user, Perm.ORG_VIEW, o.path)
    ]


def home_orgs(*, user: Any) -> HomeOrgs:
    """The page's orgs, read together in one query: they sit at the paths of the user's grants
    or directly below the compliance root. (A user who sees everything has no grant path: the
    root is the first top-level org, and its 党小组 are a second read.)"""
    grants = policy.user_grants(user)
    everything = policy.is_system_admin(user)
    tops = org_selectors.top_grant_paths(grants)
    sees_compliance = policy.has_perm(user, compliance_selectors.PERM)
    root_path: str | None = None
    if sees_compliance and not everything:
        # ``default_org``: the highest org a compliance grant covers.
        paths = [g.path for g in grants if compliance_selectors.PERM in g.perms and g.path]
        root_path = min(paths, key=lambda p: (len(p), p), default=None)
    groups_below = root_path is not None and compliance_selectors.sees_subtree(
        user=user, org=Org(path=root_path)
    )
    q = Q(path__in=sorted({*tops, *([root_path] if root_path else [])}))
    if everything:
        q |= Q(depth=1)
    if root_path is not None and groups_below:
        below = Q(depth=len(root_path) // Org.steplen + 1, kind=OrgKind.GROUP)
        q |= policy.subtree_q("path", root_path) & below
    orgs = list(Org.objects.filter(q, deleted_at__isnull=True).only(*ORG_FIELDS).order_by("path"))
    found = HomeOrgs()
    found.roots = [o for o in orgs if (o.depth == 1 if everything else o.path in tops)][:ROOTS_SHOWN]
    if not sees_compliance:
        return found
    if everything:
        root = next((o for o in orgs if o.depth == 1), None)
        groups_below = root is not None and compliance_selectors.sees_subtree(user=user, org=root)
        if root is not None and groups_below:
            orgs = list(
                org_selectors.org_children(user=user, org=root).filter(kind=OrgKind.GROUP).only(*ORG_FIELDS)
            )
    else:
        root = next((o for o in orgs if o.path == root_path), None)
    found.todo_root = root
    if root is not None:
        found.todo_orgs = [root, *(_groups_of(root, orgs, user=user) if groups_below else [])]
    return found


def home_todo(*, user: Any, orgs: HomeOrgs, on: dt.date) -> tuple[list[dict[str, Any]], int]:
    """``compliance_selectors.todo`` of the user's compliance root: its first TODO_SHOWN entries
    and how many there are, the results read with their requirements in one query."""
    root = orgs.todo_root
    if root is None:
        return [], 0
    by_id = {o.pk: o for o in orgs.todo_orgs}
    rows = list(
        ComplianceResult.objects.filter(org_id__in=list(by_id), period_start__lte=on, period_end__gte=on)
        .exclude(status=Status.MET)
        .select_related("requirement")
        .only(*TODO_FIELDS)
        .order_by("period_end", "requirement__order", "org_path")
    )
    for r in rows:
        r.org = by_id[r.org_id]
    items = compliance_selectors.todo_items(user=user, org=root, rows=rows, on=on)
    return items[:TODO_SHOWN], len(items)


# ---------------------------------------------------------------- a 党员's own page

# What the page shows of the member, and what the attendance and asks read of them.
MEMBER_FIELDS = (
    "name",
    "org",
    "org_path",
    "party_group",
    "status",
    "joined_on",
    "id_number_masked",
    "phone_masked",
    "org__name",
    "party_group__name",
)


def my_record(*, user: Any) -> Member:
    """The user's own member record (``access_member``), with the fields the page shows."""
    try:
        return (
            org_selectors.member_visible(user=user)
            .select_related("org", "party_group")
            .only(*MEMBER_FIELDS)
            .get(pk=int(user.member_id))
        )
    except (Member.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None


def recent_activities(*, user: Any, limit: int) -> list[Activity]:
    """The latest activities the user may see (``activity_list``): topic, day and org name."""
    return list(activity_selectors.activity_list(user=user).only("topic", "held_on", "org__name")[:limit])


def my_feedback(*, user: Any, limit: int) -> list[Feedback]:
    """The latest 投诉建议 the user may see (``feedback_list``): subject and status."""
    return list(
        feedback_selectors.feedback_list(user=user).select_related(None).only("subject", "status")[:limit]
    )
