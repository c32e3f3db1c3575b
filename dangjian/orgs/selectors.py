"""Reads on orgs and members. Every function starts from the scoping policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core import pii, policy
from dangjian.core.audit import audit
from dangjian.core.permissions import SELF_ONLY_ROLES, Perm

from .choices import COMMITTEE_TITLES, NO_TERM_KINDS, OCCUPATION_GROUP_CODES, MemberStatus, OrgKind
from .models import Member, MobilityRecord, Org, Position, Transfer


# ---------------------------------------------------------------- orgs
def under(field: str, prefix: str) -> Q:
    """Rows whose ``field`` (a tree path) starts with ``prefix`` (see ``policy.subtree_q``)."""
    return policy.subtree_q(field, prefix)


def _alive_orgs() -> QuerySet[Org]:
    # Treebeard's manager builds its own MP_NodeQuerySet, so OrgQuerySet.alive() is not reachable.
    return Org.objects.filter(deleted_at__isnull=True)


def org_visible(*, user: Any, perm: str = Perm.ORG_VIEW) -> QuerySet[Org]:
    return _alive_orgs().filter(policy.scope_q(user, perm))


def access_org(*, user: Any, pk: Any, perm: str = Perm.ORG_VIEW) -> Org:
    """Fetch and authorise in one step: missing and out-of-scope both raise 404."""
    try:
        org = _alive_orgs().filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        raise policy.not_found() from None
    if org is None or not policy.allows_path(user, perm, org.path):  # scope_q's test, on the row
        raise policy.not_found()
    return org


def top_grant_paths(grants: Any) -> list[str]:
    """The paths of the grants that see orgs, without those inside another."""
    tops: list[str] = []
    for p in sorted({g.path for g in grants if Perm.ORG_VIEW in g.perms and g.path}):
        if not any(p.startswith(t) and p != t for t in tops):
            tops = [t for t in tops if not t.startswith(p)] + [p]
    return tops


def org_roots(*, user: Any) -> QuerySet[Org]:
    """The topmost orgs the user can see: grant roots that are not inside another visible org."""
    if any(g.path is None for g in policy.user_grants(user)):
        return _alive_orgs().filter(depth=1)
    return _alive_orgs().filter(path__in=top_grant_paths(policy.user_grants(user)))


def org_children(*, user: Any, org: Org) -> QuerySet[Org]:
    return org_visible(user=user).filter(under("path", org.path), depth=org.depth + 1)


def org_list(*, user: Any, filters: dict[str, Any] | None = None, perm: str = Perm.ORG_VIEW) -> QuerySet[Org]:
    filters = filters or {}
    qs = org_visible(user=user, perm=perm)
    if filters.get("subtree"):
        qs = qs.filter(under("path", filters["subtree"].path))
    if filters.get("q"):
        qs = qs.filter(Q(name__icontains=filters["q"]) | Q(unit_name__icontains=filters["q"]))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("sector"):
        qs = qs.filter(sector=filters["sector"])
    return qs.order_by("path")


def org_term_overdue(*, user: Any, on: dt.date | None = None) -> QuerySet[Org]:
    """Orgs past their 应换届时间 (换届 overdue), earliest first."""
    on = on or timezone.localdate()
    # Orgs that hold no 换届 carry no 应换届时间 (a constraint); the kind filter states it here too.
    # Overdue orgs are few: they are read through the term_due index with the scope tested on
    # each (an indexed scope would make the planner walk a whole prefecture's orgs instead).
    return (
        _alive_orgs()
        .filter(policy.scope_q(user, Perm.ORG_VIEW, indexed=False))
        .filter(term_due__lt=on)
        .exclude(kind__in=NO_TERM_KINDS)
        .order_by("term_due", "path")
    )


def org_subtree_totals(*, org: Org) -> dict[str, int]:
    """正式/预备 totals and org count of a subtree, summed from the orgs' direct counts."""
    agg = (
        _alive_orgs()
        .filter(under("path", org.path))
        .aggregate(full=Sum("full_count"), prob=Sum("probationary_count"))
    )
    full, prob = agg["full"] or 0, agg["prob"] or 0
    return {"full": full, "probationary": prob, "total": full + prob}


def org_subtree_totals_many(*, orgs: list[Org]) -> dict[int, dict[str, int]]:
    """Subtree totals for several sibling orgs in one query (for a tree level), with the number
    of live orgs below each (``descendants``): treebeard's ``numchild`` still counts children
    that were removed (soft-deleted), so the tree's expand arrow follows this instead."""
    if not orgs:
        return {}
    depth = orgs[0].depth
    steplen = Org.steplen
    parent_prefix = orgs[0].path[: steplen * (depth - 1)]
    by_path = {o.path: o.pk for o in orgs}
    totals = {o.pk: {"full": 0, "probationary": 0, "total": 0, "descendants": 0} for o in orgs}

    if len(orgs) == 1:
        # One org (e.g. the tree's scope root): its own subtree, summed without grouping.
        agg = (
            _alive_orgs()
            .filter(under("path", orgs[0].path))
            .aggregate(full=Sum("full_count"), prob=Sum("probationary_count"), orgs=Count("pk"))
        )
        full, prob = agg["full"] or 0, agg["prob"] or 0
        descendants = max((agg["orgs"] or 0) - 1, 0)
        return {
            orgs[0].pk: {"full": full, "probationary": prob, "total": full + prob, "descendants": descendants}
        }
    prefix = parent_prefix
    rows = (
        _alive_orgs()
        .filter(under("path", prefix), depth__gte=depth)
        .order_by()  # treebeard orders by path, which would split the groups
        .annotate(top=Substr("path", 1, steplen * depth))
        .values("top")
        .annotate(full=Sum("full_count"), prob=Sum("probationary_count"), orgs=Count("pk"))
    )
    for row in rows:
        pk = by_path.get(row["top"])
        if pk is not None:
            t = totals[pk]
            t["full"], t["probationary"] = row["full"] or 0, row["prob"] or 0
            t["total"] = t["full"] + t["probationary"]
            t["descendants"] = row["orgs"] - 1
    return totals


def org_committee(*, org: Org) -> QuerySet[Position]:
    """Current 书记 and 委员 of an org."""
    return (
        Position.objects.filter(org=org, ended_on__isnull=True, title__in=COMMITTEE_TITLES)
        .select_related("member")
        .order_by("title", "started_on")
    )


def org_secretaries(*, orgs: list[Org]) -> dict[int, str]:
    """{org id: current 书记's name} for a page of orgs, in one query."""
    rows = Position.objects.filter(org__in=orgs, ended_on__isnull=True, title="secretary").values_list(
        "org_id", "member__name"
    )
    return dict(rows)


# ---------------------------------------------------------------- members


def member_visible(*, user: Any, perm: str = Perm.MEMBER_VIEW) -> QuerySet[Member]:
    return Member.objects.alive().filter(policy.scope_q(user, perm, path_field="org_path", self_field="pk"))


def access_member(*, user: Any, pk: Any, perm: str = Perm.MEMBER_VIEW) -> Member:
    try:
        return member_visible(user=user, perm=perm).select_related("org", "party_group").get(pk=int(pk))
    except (Member.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None


def member_list(
    *, user: Any, filters: dict[str, Any] | None = None, base: Q | None = None
) -> QuerySet[Member]:
    """Members the user may see, filtered. Keys: q, org (subtree), status, occupation_group (the
    first level of 工作岗位), occupation, gender, education, standing, mobility (out/in/none),
    leading_cadre, lost_contact. ``base`` (with ``user=None``) is a scope filter already worked
    out from the user's grants (``member_parts``)."""
    filters = filters or {}
    qs = member_visible(user=user) if base is None else Member.objects.alive().filter(base)
    q = (filters.get("q") or "").strip()
    if q:
        if q.isascii() and q.isalpha():
            low = q.lower()
            qs = qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low))
        else:
            qs = qs.filter(name__contains=q)
    if filters.get("org"):
        qs = qs.filter(under("org_path", filters["org"].path))
    group = filters.get("occupation_group")
    if group:
        qs = qs.filter(occupation__in=OCCUPATION_GROUP_CODES.get(group, ()))
    for key in ("status", "occupation", "gender", "education", "standing"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    for key in ("leading_cadre", "lost_contact"):
        if filters.get(key) is not None and filters.get(key) != "":
            qs = qs.filter(**{key: bool(filters[key])})
    mobility = filters.get("mobility")
    if mobility:
        open_records = MobilityRecord.objects.filter(member=OuterRef("pk"), ended_on__isnull=True)
        if mobility == "none":
            qs = qs.filter(~Exists(open_records))
        else:
            qs = qs.filter(Exists(open_records.filter(direction=mobility)))
    return qs.select_related("org").order_by("org_path", "name", "pk")


def member_can_view_pii(*, user: Any, member: Member) -> bool:
    return pii_visible(user=user, org_path=member.org_path, member_id=member.pk)


def pii_visible(*, user: Any, org_path: str, member_id: int) -> bool:
    """Whether ``user`` may see the full personal data of the member ``member_id`` at ``org_path``."""
    return pii_visible_for(user=user)(org_path, member_id)


def pii_visible_for(*, user: Any) -> Callable[[str, int], bool]:
    """``pii_visible`` of ``user`` as a function of (org path, member id), for a page of members:
    the grant answer is worked out once per org, not once per member."""
    own = getattr(user, "member_id", None)
    by_path: dict[str, bool] = {}

    def visible(org_path: str, member_id: int) -> bool:
        if org_path not in by_path:
            by_path[org_path] = policy.has_perm_for_path(user, Perm.MEMBER_VIEW_PII, org_path)
        return by_path[org_path] or (bool(own) and own == member_id)

    return visible


def member_pii(*, user: Any, member: Member, purpose: str = "view") -> dict[str, str]:
    """Full 身份证号 and 手机号 of one member, for grants that allow it; each call is logged."""
    if not member_can_view_pii(user=user, member=member):
        raise policy.not_found()
    audit(actor=user, verb="member.pii_view", target=member, org_path=member.org_path, purpose=purpose)
    return {
        "id_number": pii.decrypt(member.id_number_encrypted),
        "phone": pii.decrypt(member.phone_encrypted),
    }


def member_positions(*, member: Member) -> QuerySet[Position]:
    return member.positions.select_related("org").order_by("-started_on")


def member_mobility(*, member: Member) -> QuerySet[MobilityRecord]:
    return member.mobility_records.select_related("host_org").order_by("-started_on")


def member_transfers(*, member: Member) -> QuerySet[Transfer]:
    return member.transfers.select_related("from_org", "to_org").order_by("-on", "-created_at")


def open_mobility_by_member(*, member_ids: list[int]) -> dict[int, MobilityRecord]:
    rows = MobilityRecord.objects.filter(member_id__in=member_ids, ended_on__isnull=True)
    return {r.member_id: r for r in rows}


# Columns the member list page shows: plain values, the org's name joined in the same query.
MEMBER_ROW_FIELDS = (
    "pk",
    "name",
    "gender",
    "org__name",
    "status",
    "id_number_masked",
    "phone_masked",
    "joined_on",
    "occupation",
    "leading_cadre",
    "lost_contact",
    "standing",
)


def scope_prefixes(*, user: Any, perm: str) -> list[tuple[str, bool]] | None:
    """The user's scope for ``perm`` as disjoint org paths in path order: (path, True) for a
    subtree, (path, False) for the org itself; [("", True)] for everything. None when a
    self-only grant is part of it (a 党员's own record is not a path range).

    Rows ordered by org path then come range after range, so a page of a scope of several
    grants is read range by range, each an index walk in the list's order, instead of a sort
    of the OR of all of them."""
    grants = [g for g in policy.user_grants(user) if perm in g.perms]
    if any(g.path is None for g in grants):
        return [("", True)]
    if any(g.role in SELF_ONLY_ROLES for g in grants):
        return None
    subtrees = sorted({g.path for g in grants if g.subtree and g.path})
    tops: list[str] = []
    for p in subtrees:
        if not any(p.startswith(t) for t in tops):
            tops.append(p)
    exact = {
        g.path for g in grants if not g.subtree and g.path and not any(g.path.startswith(t) for t in tops)
    }
    return sorted([(t, True) for t in tops] + [(e, False) for e in exact])


def _within(prefixes: list[tuple[str, bool]], org: Org) -> list[tuple[str, bool]]:
    """``prefixes`` narrowed to the subtree of ``org``."""
    out = []
    for path, subtree in prefixes:
        if subtree and org.path.startswith(path):
            return [(org.path, True)]
        if path.startswith(org.path):
            out.append((path, subtree))
    return out


def _prefix_q(field: str, path: str, subtree: bool) -> Q:
    if not path:
        return Q()
    return under(field, path) if subtree else Q(**{field: path})


# Filters the orgs' materialized member counts answer (any other filter is counted row by row).
_COUNTED_FILTERS = {"org", "status"}


def _materialized_count(path: str, subtree: bool, status: str | None) -> int:
    """Live members under ``path`` from the orgs' 正式/预备 counts (removed orgs included: their
    members, if any, are still listed). The counts are kept by the member services."""
    agg = Org.objects.filter(_prefix_q("path", path, subtree)).aggregate(
        full=Sum("full_count"), prob=Sum("probationary_count")
    )
    full, prob = agg["full"] or 0, agg["prob"] or 0
    if status == MemberStatus.FULL:
        return full
    if status == MemberStatus.PROBATIONARY:
        return prob
    return full + prob


def member_parts(*, user: Any, filters: dict[str, Any]) -> list[tuple[QuerySet[Member], int]]:
    """``member_list(user, filters)`` as consecutive parts in list order, each with its row count:
    one per path range of the scope (``scope_prefixes``). Counts come from the orgs' member counts
    when only the org and status filters are set, else from a COUNT of that part."""
    prefixes = scope_prefixes(user=user, perm=Perm.MEMBER_VIEW)
    if prefixes is None:
        qs = member_list(user=user, filters=filters)
        return [(qs, qs.count())]
    if filters.get("org") is not None:
        prefixes = _within(prefixes, filters["org"])
    rest = {k: v for k, v in filters.items() if k != "org"}
    materialized = set(filters) <= _COUNTED_FILTERS
    parts = []
    for path, subtree in prefixes:
        qs = member_list(user=None, filters=rest, base=_prefix_q("org_path", path, subtree))
        count = _materialized_count(path, subtree, filters.get("status")) if materialized else qs.count()
        parts.append((qs, count))
    return parts


def member_window(parts: list[tuple[QuerySet[Member], int]], start: int, stop: int) -> list[QuerySet[Member]]:
    """The querysets giving rows [start, stop) of the list that ``parts`` make up."""
    out = []
    offset = 0
    for qs, count in parts:
        lo, hi = max(start - offset, 0), min(stop - offset, count)
        if lo < hi:
            # The page is picked by id first: the database skips index entries, not joined rows.
            out.append(qs.filter(pk__in=qs.values("pk")[lo:hi]))
        offset += count
        if offset >= stop:
            break
    return out


def member_page(
    *, user: Any, filters: dict[str, Any], number: Any, per_page: int
) -> tuple[Page, list[dict[str, Any]]]:
    """One page of ``member_list(user, filters)``: Django's ``Page`` (numbering, links) and the
    rows as dicts of ``MEMBER_ROW_FIELDS`` in list order."""
    parts = member_parts(user=user, filters=filters)
    page = Paginator(range(sum(c for _, c in parts)), per_page).get_page(number)
    if not page.paginator.count:
        return page, []
    rows: list[dict[str, Any]] = []
    for qs in member_window(parts, page.start_index() - 1, page.end_index()):
        rows.extend(qs.values(*MEMBER_ROW_FIELDS))
    return page, rows


def member_slice(
    *, user: Any, filters: dict[str, Any], offset: int, limit: int, values: tuple[str, ...]
) -> tuple[list[dict[str, Any]], int]:
    """(members offset … offset + limit of ``member_list`` as dicts of ``values``, the list's
    count), for the API."""
    parts = member_parts(user=user, filters=filters)
    rows: list[dict[str, Any]] = []
    for qs in member_window(parts, offset, offset + limit):
        rows.extend(qs.values(*values))
    return rows, sum(c for _, c in parts)


def open_mobility_directions(*, member_ids: list[int]) -> dict[int, str]:
    """{member id: direction} of the open 流动 records of a page of members, in one query."""
    rows = MobilityRecord.objects.filter(member_id__in=member_ids, ended_on__isnull=True)
    return dict(rows.values_list("member_id", "direction"))


# ---------------------------------------------------------------- pages (dashboard, detail, forms)


def org_scope_totals(*, user: Any) -> dict[str, int]:
    """Org count and 正式/预备 totals over everything the user can see, in one aggregate."""
    agg = org_visible(user=user).aggregate(
        orgs=Count("pk"), full=Sum("full_count"), prob=Sum("probationary_count")
    )
    full, prob = agg["full"] or 0, agg["prob"] or 0
    return {"orgs": agg["orgs"], "full": full, "probationary": prob, "total": full + prob}


def org_scope_summary(*, user: Any, on: dt.date | None = None) -> dict[str, int]:
    """``org_scope_totals`` and the 换届-overdue count over everything the user can see."""
    on = on or timezone.localdate()
    return {**org_scope_totals(user=user), "overdue": org_term_overdue(user=user, on=on).order_by().count()}


def org_subtree_totals_for(*, orgs: list[Org]) -> dict[int, dict[str, int]]:
    """Subtree totals for any list of orgs: one query per group of siblings."""
    groups: dict[tuple[int, str], list[Org]] = {}
    for o in orgs:
        groups.setdefault((o.depth, o.path[: Org.steplen * (o.depth - 1)]), []).append(o)
    totals: dict[int, dict[str, int]] = {}
    for siblings in groups.values():
        totals |= org_subtree_totals_many(orgs=siblings)
    return totals


def org_groups(*, org: Org) -> QuerySet[Org]:
    """The 党小组 directly under an org (choices for a member's 党小组)."""
    return _alive_orgs().filter(path__startswith=org.path, depth=org.depth + 1, kind=OrgKind.GROUP)


def org_parent(*, org: Org) -> Org | None:
    """The org's parent (unscoped: callers show its name, and link it only when visible)."""
    return Org.objects.get_parent(org)


def org_ancestors(*, org: Org) -> QuerySet[Org]:
    """The org's ancestors, top first (for breadcrumbs); unscoped: names only are shown."""
    paths = [org.path[: Org.steplen * i] for i in range(1, org.depth)]
    return _alive_orgs().filter(path__in=paths).order_by("depth")


def member_position_orgs(*, user: Any, member: Member) -> QuerySet[Org]:
    """Orgs where ``member`` may take a post: their own org, its ancestors, or a 党小组 of it,
    limited to those the user may maintain members in."""
    org_path = member.org_path
    ancestors = [org_path[: Org.steplen * i] for i in range(1, len(org_path) // Org.steplen + 1)]
    return (
        org_visible(user=user, perm=Perm.MEMBER_CHANGE)
        .filter(
            Q(path__in=ancestors)
            | Q(path__startswith=org_path, depth=len(org_path) // Org.steplen + 1, kind=OrgKind.GROUP)
        )
        .order_by("path")
    )


def access_position(*, user: Any, pk: Any, perm: str = Perm.MEMBER_CHANGE) -> Position:
    try:
        return (
            Position.objects.filter(policy.scope_q(user, perm, path_field="org_path"))
            .select_related("member", "org")
            .get(pk=int(pk))
        )
    except (Position.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None


def access_mobility(*, user: Any, pk: Any, perm: str = Perm.MEMBER_CHANGE) -> MobilityRecord:
    try:
        return (
            MobilityRecord.objects.filter(policy.scope_q(user, perm, path_field="org_path"))
            .select_related("member")
            .get(pk=int(pk))
        )
    except (MobilityRecord.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None


# Fields whose history shows as one label and never with values.
_HISTORY_ALIASES = {
    "id_number_hash": "身份证号",
    "id_number_encrypted": "身份证号",
    "id_number_masked": "身份证号",
    "phone_encrypted": "手机号",
    "phone_masked": "手机号",
    "path": "隶属关系",
    "deleted_at": "撤销",
}
_HISTORY_SKIP = {"updated_at", "created_at", "created_by", "depth", "id"}
_HISTORY_TYPES = {"+": "新建", "~": "修改", "-": "删除"}


def _history_rows(records: list[Any], model: Any) -> list[dict[str, Any]]:
    rows = []
    for i, rec in enumerate(records):
        older = records[i + 1] if i + 1 < len(records) else None
        fields: list[str] = []
        if older is not None and rec.history_type == "~":
            # Compared column by column: simple-history's diff skips non-editable columns,
            # and the encrypted PII is one; only its label is shown, never a value.
            for field in older.tracked_fields:
                if getattr(rec, field.attname) == getattr(older, field.attname):
                    continue
                if field.name in _HISTORY_SKIP:
                    continue
                label = _HISTORY_ALIASES.get(field.name) or str(
                    model._meta.get_field(field.name).verbose_name
                )
                if label not in fields:
                    fields.append(label)
        user = rec.history_user
        rows.append(
            {
                "at": rec.history_date,
                "who": str(user) if user else "系统",
                # A change made by a named operation (组织关系转接: A → B) says so.
                "type": getattr(rec, "history_change_reason", None)
                or _HISTORY_TYPES.get(rec.history_type, rec.history_type),
                "fields": fields,
            }
        )
    return rows


def member_history(*, member: Member, limit: int = 30) -> list[dict[str, Any]]:
    """Change history of a member (who, when, which fields), newest first; values are not shown."""
    records = list(member.history.select_related("history_user").order_by("-history_date")[: limit + 1])
    return _history_rows(records, Member)[:limit]


def org_history(*, org: Org, limit: int = 30) -> list[dict[str, Any]]:
    """Change history of an org (who, when, which fields), newest first."""
    records = list(org.history.select_related("history_user").order_by("-history_date")[: limit + 1])
    return _history_rows(records, Org)[:limit]
