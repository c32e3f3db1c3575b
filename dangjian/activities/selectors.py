"""Reads on activity records. Every function starts from the scoping policy.

Visibility: a grant with ``activity.view`` covers the activities of its orgs (subtree when the
grant includes descendants). A 党员 (self-only role) sees only the activities they were expected
at, and within them only their own attendance row.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from dangjian.core import policy
from dangjian.core.paging import KeysetPage, keyset_page
from dangjian.core.permissions import SELF_ONLY_ROLES, Perm
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import Member, Org
from dangjian.orgs.selectors import member_visible, org_visible, under

from .models import Activity, ActivityKindEntry, Attachment, Attendance, AttendanceStatus

# ---------------------------------------------------------------- scope


def _self_grant(user: Any, perm: str) -> bool:
    return any(g.role in SELF_ONLY_ROLES and perm in g.perms for g in policy.user_grants(user))


def sees_whole(user: Any, perm: str, path: str) -> bool:
    """Whether a grant other than a self-only one gives ``perm`` on the org at ``path``."""
    return any(
        perm in g.perms and g.role not in SELF_ONLY_ROLES and g.covers_path(path)
        for g in policy.user_grants(user)
    )


def can_record(user: Any) -> bool:
    """Whether the user may record activities anywhere (for buttons and the create page)."""
    return any(
        Perm.ACTIVITY_CHANGE in g.perms and g.role not in SELF_ONLY_ROLES for g in policy.user_grants(user)
    )


def can_see_lists(user: Any) -> bool:
    """Org-wide views (absence flags, ledgers): any non-self grant with activity.view."""
    return any(
        Perm.ACTIVITY_VIEW in g.perms and g.role not in SELF_ONLY_ROLES for g in policy.user_grants(user)
    )


def activity_visible(
    *, user: Any, perm: str = Perm.ACTIVITY_VIEW, indexed: bool = True, within: Org | None = None
) -> QuerySet[Activity]:
    """Live activities the user may see for ``perm`` (``indexed`` as in ``policy.subtree_q``),
    in the subtree of ``within`` when given.

    A 党员's own activities are those with an attendance row of theirs: the member's attendance
    index yields them directly, instead of a test run on every activity of the org. When a grant
    covers all of ``within``, the subtree is the whole filter: one path range the planner can
    seek, instead of two where it may pick the wider."""
    if within is not None:
        subtree = policy.subtree_q("org_path", within.path, indexed=indexed)
        if sees_whole(user, perm, within.path):
            return Activity.objects.alive().filter(subtree)
        return activity_visible(user=user, perm=perm, indexed=indexed).filter(subtree)
    member_id = getattr(user, "member_id", None)
    mine = (
        Q(pk__in=Attendance.objects.filter(member_id=member_id).values("activity_id")) if member_id else None
    )
    return Activity.objects.alive().filter(
        policy.scope_q(user, perm, path_field="org_path", self_q=mine, indexed=indexed)
    )


def access_activity(*, user: Any, pk: Any, perm: str = Perm.ACTIVITY_VIEW) -> Activity:
    """Fetch and authorise: missing, deleted and out-of-scope all raise 404.

    Writing (``activity.change``) needs a grant covering the org; a 党员 never writes.
    """
    try:
        qs = activity_visible(user=user, perm=perm)
        activity = qs.select_related("org", "host", "recorder", "lecturer").get(pk=int(pk))
    except (Activity.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None
    if perm == Perm.ACTIVITY_CHANGE and not sees_whole(user, perm, activity.org_path):
        raise policy.not_found()
    return activity


def org_for_recording(*, user: Any, pk: Any) -> Org:
    """An org the user may record activities for (404 otherwise)."""
    try:
        org = org_visible(user=user, perm=Perm.ACTIVITY_CHANGE).get(pk=int(pk))
    except (Org.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None
    if not sees_whole(user, Perm.ACTIVITY_CHANGE, org.path):
        raise policy.not_found()
    return org


def org_for_viewing(*, user: Any, pk: Any) -> Org:
    """An org whose activities the user may list (404 otherwise)."""
    try:
        return org_visible(user=user, perm=Perm.ACTIVITY_VIEW).get(pk=int(pk))
    except (Org.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None


def recording_orgs(*, user: Any, limit: int = 300) -> list[Org]:
    """Orgs offered in the 组织 select of the form, top first (capped for very large scopes)."""
    if not can_record(user):
        return []
    return list(org_visible(user=user, perm=Perm.ACTIVITY_CHANGE).order_by("path")[:limit])


def default_recording_org(*, user: Any) -> Org | None:
    """The org a secretary records for by default: their (first) branch, else the top org."""
    orgs = recording_orgs(user=user, limit=50)
    for org in orgs:
        if org.kind in BRANCH_KINDS:
            return org
    return orgs[0] if orgs else None


def viewing_orgs(*, user: Any, limit: int = 300) -> list[Org]:
    """Orgs offered in the list filters (党小组 left out; capped for very large scopes)."""
    if not can_see_lists(user):
        return []
    return list(
        org_visible(user=user, perm=Perm.ACTIVITY_VIEW).exclude(kind=OrgKind.GROUP).order_by("path")[:limit]
    )


def org_members_for_select(*, org: Org) -> QuerySet[Member]:
    """Members who can be 主持人 / 记录人 / 授课人 of an activity of ``org``."""
    from .services import org_member_ids

    return Member.objects.filter(pk__in=org_member_ids(org=org)).order_by("name", "pk")


def org_secretary_id(*, org: Org) -> int | None:
    from dangjian.orgs.models import Position

    row = (
        Position.objects.filter(
            org=org if org.kind != OrgKind.GROUP else Org.objects.get_parent(org),
            ended_on__isnull=True,
            title__in=["secretary", "group_leader"],
        )
        .order_by("title")
        .values_list("member_id", flat=True)
        .first()
    )
    return row


# ---------------------------------------------------------------- kinds that apply to an org

# Which kinds the rules in force ask of an org. The compliance app (a higher layer, which keeps
# the rules) registers the function in its AppConfig.ready; without it every kind is offered.
_kind_advisor: Callable[[Org], frozenset[str]] | None = None


def register_kind_advisor(advisor: Callable[[Org], frozenset[str]]) -> None:
    global _kind_advisor
    _kind_advisor = advisor


def kinds_for_org(*, org: Org | None) -> frozenset[str] | None:
    """The kinds the active requirements count for ``org``; None when nothing says (no org, or
    no advisor registered): then every kind is offered alike."""
    if org is None or _kind_advisor is None:
        return None
    return _kind_advisor(org)


# ---------------------------------------------------------------- lists


def activity_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Activity]:
    """Visible activities, filtered. Keys: org (an Org: its subtree), kinds (any of them),
    date_from, date_to, q."""
    filters = filters or {}
    qs = activity_visible(user=user)
    return apply_filters(qs, filters).select_related("org").order_by("-starts_at", "-pk")


# The list page's scale rules: a scope of more orgs than this is listed by walking the index of
# the list's order (newest first) rather than the subtree's path index; counts stop at the cap.
LARGE_SCOPE_ORGS = 100
LIST_COUNT_CAP = 1000


RECENT_MONTHS = 12


def recent_window_start(today: dt.date) -> dt.date:
    """First day of the list's default window: the RECENT_MONTHS months up to ``today``."""
    months = today.year * 12 + today.month - 1 - RECENT_MONTHS
    year, month = divmod(months, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day) + dt.timedelta(days=1)


# How long the answer of ``scope_is_large`` is kept (in the cache, per scope): it only picks
# between two plans that give the same rows, and a scope seldom crosses the line.
SCOPE_SIZE_SECONDS = 600


def scope_is_large(*, user: Any, filters: dict[str, Any], perm: str = Perm.ACTIVITY_VIEW) -> bool:
    """Whether the listed scope (the org filter, else the user's grants) holds more than
    LARGE_SCOPE_ORGS orgs; counts at most that many org rows, once per scope every
    SCOPE_SIZE_SECONDS (the count cost as much as the page's own queries)."""
    org = filters.get("org")
    grants = sorted(
        f"{g.role}:{g.path}:{int(g.subtree)}" for g in policy.user_grants(user) if perm in g.perms
    )
    scope = f"{perm}|{LARGE_SCOPE_ORGS}|{org.path if org is not None else ''}|{','.join(grants)}"
    key = "activities:large:" + hashlib.sha256(scope.encode()).hexdigest()
    large = cache.get(key)
    if large is None:
        orgs = org_visible(user=user, perm=perm)
        if org is not None:
            orgs = orgs.filter(under("path", org.path))
        large = orgs[: LARGE_SCOPE_ORGS + 1].count() > LARGE_SCOPE_ORGS
        cache.set(key, large, SCOPE_SIZE_SECONDS)
    return large


def activity_page(
    *,
    user: Any,
    filters: dict[str, Any],
    cursor: str | None,
    size: int,
    count_cap: int = LIST_COUNT_CAP,
    offset: int = 0,
    fields: tuple[str, ...] | None = None,
) -> KeysetPage:
    """One page of ``activity_list``, newest first, by keyset (see ``core.paging``); the rows are
    dicts of ``fields`` (default ``LIST_FIELDS``)."""
    large = scope_is_large(user=user, filters=filters)
    within = filters.get("org")
    qs = apply_filters(
        activity_visible(user=user, indexed=not large, within=within),
        {**filters, "org": None},
        indexed=not large,
    )
    return keyset_page(
        qs, cursor=cursor, size=size, count_cap=count_cap, offset=offset, values=fields or LIST_FIELDS
    )


# What a list row holds (the page and the API's list), as ``values()`` dicts: a page of fifty
# model instances (and their orgs) cost as much again as the query; the long texts stay behind.
LIST_FIELDS = (
    "pk",
    "org_id",
    "org__name",
    "topic",
    "starts_at",
    "ends_at",
    "held_on",
    "place",
    "expected_count",
    "present_count",
)
# The page's line shows fewer (each field read is converted on every row).
PAGE_FIELDS = ("pk", "org__name", "topic", "starts_at", "expected_count", "present_count")


def apply_filters(
    qs: QuerySet[Activity], filters: dict[str, Any], *, indexed: bool = True
) -> QuerySet[Activity]:
    org = filters.get("org")
    if org is not None:
        qs = qs.filter(policy.subtree_q("org_path", org.path, indexed=indexed))
    if filters.get("kinds"):
        entries = ActivityKindEntry.objects.filter(kind__in=filters["kinds"])
        qs = qs.filter(pk__in=entries.values("activity_id"))
    if filters.get("date_from"):
        qs = qs.filter(held_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(held_on__lte=filters["date_to"])
    if filters.get("q"):
        qs = qs.filter(topic__icontains=filters["q"])
    return qs


def kinds_by_activity(*, activity_ids: Iterable[int]) -> dict[int, list[str]]:
    """{activity id: [kind labels]} for a page of activities, in one query."""
    from .models import ActivityKind

    out: dict[int, list[str]] = defaultdict(list)
    rows = ActivityKindEntry.objects.filter(activity_id__in=list(activity_ids)).values_list(
        "activity_id", "kind"
    )
    for activity_id, kind in rows.order_by("activity_id", "pk"):
        out[activity_id].append(ActivityKind(kind).label)
    return dict(out)


def kind_codes_by_activity(*, activity_ids: Iterable[int]) -> dict[int, list[str]]:
    """{activity id: [kind codes]} for a page of activities, in one query."""
    out: dict[int, list[str]] = defaultdict(list)
    rows = ActivityKindEntry.objects.filter(activity_id__in=list(activity_ids)).values_list(
        "activity_id", "kind"
    )
    for activity_id, kind in rows.order_by("activity_id", "pk"):
        out[activity_id].append(kind)
    return dict(out)


def own_member(*, user: Any) -> Member | None:
    """The user's own live member record, with only what the participation reads (its id and
    org path), or None."""
    member_id = getattr(user, "member_id", None)
    if not member_id:
        return None
    return Member.objects.alive().filter(pk=member_id).only("pk", "org_path").first()


def member_by_pk(*, pk: int) -> Member | None:
    """A live member by id, for naming 主持人/记录人/授课人 (the services check they belong)."""
    return Member.objects.alive().filter(pk=pk).first()


def activity_kinds(*, activity: Activity) -> list[str]:
    return list(activity.kinds.order_by("pk").values_list("kind", flat=True))


def activity_attendance(*, user: Any, activity: Activity) -> QuerySet[Attendance]:
    """The attendance rows the user may see: all of them, or a 党员's own row."""
    rows = activity.attendances.select_related("member").order_by("member__name", "member_id")
    if sees_whole(user, Perm.ACTIVITY_VIEW, activity.org_path):
        return rows
    return rows.filter(member_id=getattr(user, "member_id", None) or 0)


def activity_attachments(*, activity: Activity) -> QuerySet[Attachment]:
    return activity.attachments.alive().order_by("created_at", "pk")


def access_attachment(*, user: Any, activity_pk: Any, pk: Any) -> Attachment:
    activity = access_activity(user=user, pk=activity_pk)
    try:
        return activity.attachments.alive().get(pk=int(pk))
    except (Attachment.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None


# ---------------------------------------------------------------- calendar


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last)


def calendar_scope(org: Org) -> Q:
    """A branch's calendar includes its 党小组; a higher org's calendar shows its own records."""
    if org.kind in BRANCH_KINDS or org.kind == OrgKind.GROUP:
        return under("org_path", org.path)
    return Q(org_id=org.pk)


def activity_calendar(*, user: Any, org: Org, year: int, month: int) -> list[list[dict[str, Any]]]:
    """Weeks (Monday first) of day cells {date, in_month, activities} for ``org``'s month."""
    first, last = month_bounds(year, month)
    qs = (
        activity_visible(user=user, within=org)
        .filter(calendar_scope(org), held_on__gte=first, held_on__lte=last)
        .order_by("starts_at", "pk")
        .only("pk", "topic", "starts_at", "held_on", "org_id")
    )
    activities = list(qs[:500])
    kinds = kinds_by_activity(activity_ids=[a.pk for a in activities])
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for a in activities:
        by_day[a.held_on].append({"activity": a, "kinds": kinds.get(a.pk, [])})
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([{"date": d, "in_month": d.month == month, "items": by_day.get(d, [])} for d in week])
    return weeks


# ---------------------------------------------------------------- participation


@dataclass
class Participation:
    rows: list[dict[str, Any]]
    counts: dict[str, int]
    expected: int
    attended: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.attended / self.expected, 1) if self.expected else None


# What a row of a member's history holds, as ``values()`` dicts (the page shows no more).
PARTICIPATION_FIELDS = (
    "activity_id",
    "status",
    "reason",
    "activity__topic",
    "activity__starts_at",
    "activity__org__name",
)


def member_participation(*, user: Any, member: Member, limit: int = 200) -> Participation:
    """A member's own attendance history (newest first; rows are dicts of
    ``PARTICIPATION_FIELDS`` plus ``kinds``, the kind labels) and counts by status.

    Only the member themself or someone who sees the member's org in full may read it.
    """
    own = getattr(user, "member_id", None) == member.pk
    if not own and not sees_whole(user, Perm.ACTIVITY_VIEW, member.org_path):
        raise policy.not_found()
    base = Attendance.objects.filter(member_id=member.pk, activity__deleted_at__isnull=True)
    counts = {s: 0 for s in AttendanceStatus.values}
    for row in base.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    rows = list(base.order_by("-activity__starts_at", "-pk").values(*PARTICIPATION_FIELDS)[:limit])
    kinds = kinds_by_activity(activity_ids=[r["activity_id"] for r in rows])
    for r in rows:
        r["kinds"] = kinds.get(r["activity_id"], [])
    expected = sum(counts.values())
    attended = counts[AttendanceStatus.PRESENT] + counts[AttendanceStatus.ELSEWHERE]
    return Participation(rows=rows, counts=counts, expected=expected, attended=attended)


def member_attendance_between(*, user: Any, member: Member, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(attended, expected): of the activities held in [start, end] where ``member`` was
    expected (应到), how many they attended (出席 or 异地参加). Same access rule as
    ``member_participation``."""
    own = getattr(user, "member_id", None) == member.pk
    if not own and not sees_whole(user, Perm.ACTIVITY_VIEW, member.org_path):
        raise policy.not_found()
    rows = Attendance.objects.filter(
        member=member, activity__deleted_at__isnull=True, activity__held_on__range=(start, end)
    )
    attended = expected = 0
    for row in rows.values("status").annotate(n=Count("pk")):
        expected += row["n"]
        if row["status"] in (AttendanceStatus.PRESENT, AttendanceStatus.ELSEWHERE):
            attended += row["n"]
    return attended, expected


def absence_threshold() -> int:
    """Consecutive 缺席 (without leave) that flag a member: setting ACTIVITY_ABSENCE_THRESHOLD, default 3."""
    return int(getattr(settings, "ACTIVITY_ABSENCE_THRESHOLD", 3))


def absence_window_days() -> int:
    """How far back the absence flags look: setting ACTIVITY_ABSENCE_WINDOW_DAYS, default 365."""
    return int(getattr(settings, "ACTIVITY_ABSENCE_WINDOW_DAYS", 365))


@dataclass
class AbsenceFlag:
    member: Member
    streak: int
    last_absent_on: dt.date
    first_absent_on: dt.date


def absence_flags(
    *, user: Any, org: Org | None = None, threshold: int | None = None, today: dt.date | None = None
) -> list[AbsenceFlag]:
    """Members whose latest ``threshold`` or more expected meetings were all 缺席.

    The streak is counted back from the member's most recent meeting: 出席, 异地参加 and 请假
    each end it (a leave is an excused absence). Meetings are those the member was on the
    expected list of, in live records of the last ``absence_window_days()`` days.
    """
    if not can_see_lists(user):
        raise policy.not_found()
    threshold = threshold or absence_threshold()
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=absence_window_days())
    members = member_visible(user=user).filter(
        policy.scope_q(user, Perm.ACTIVITY_VIEW, path_field="org_path")
    )
    if org is not None:
        members = members.filter(under("org_path", org.path))
    rows = Attendance.objects.filter(activity__deleted_at__isnull=True, activity__held_on__gte=since)
    if org is not None:
        rows = rows.filter(under("activity__org_path", org.path))
    absent: dict[int, list[tuple[dt.datetime, dt.date]]] = defaultdict(list)
    absent_rows = rows.filter(status=AttendanceStatus.ABSENT, member__in=members)
    for member_id, starts_at, held_on in absent_rows.values_list(
        "member_id", "activity__starts_at", "activity__held_on"
    ):
        absent[member_id].append((starts_at, held_on))
    candidates = [m for m, lst in absent.items() if len(lst) >= threshold]
    if not candidates:
        return []
    last_ok: dict[int, dt.datetime] = {}
    for i in range(0, len(candidates), 500):
        chunk = candidates[i : i + 500]
        for row in (
            rows.filter(member_id__in=chunk)
            .exclude(status=AttendanceStatus.ABSENT)
            .values("member_id")
            .annotate(last=Max("activity__starts_at"))
        ):
            last_ok[row["member_id"]] = row["last"]
    streaks: dict[int, list[tuple[dt.datetime, dt.date]]] = {}
    for member_id in candidates:
        cut = last_ok.get(member_id)
        after = sorted(x for x in absent[member_id] if cut is None or x[0] > cut)
        if len(after) >= threshold:
            streaks[member_id] = after
    by_id = {m.pk: m for m in Member.objects.filter(pk__in=list(streaks)).select_related("org")}
    flags = [
        AbsenceFlag(member=by_id[m], streak=len(s), first_absent_on=s[0][1], last_absent_on=s[-1][1])
        for m, s in streaks.items()
        if m in by_id
    ]
    flags.sort(key=lambda f: (-f.streak, f.member.org_path, f.member.name))
    return flags


# ---------------------------------------------------------------- ledgers


def attendance_stats(*, activities: QuerySet[Activity]) -> QuerySet[Any]:
    """Per member over ``activities``: 应参加, 出席, 异地参加, 请假, 缺席 (for the 考勤统计 ledger)."""
    return (
        Attendance.objects.filter(activity__in=activities.values("pk"))
        .values("member_id", "member__name", "member__org__name", "member__org_path")
        .annotate(
            expected=Count("pk"),
            present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
            elsewhere=Count("pk", filter=Q(status=AttendanceStatus.ELSEWHERE)),
            leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
            absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
        )
        .order_by("member__org_path", "member__name", "member_id")
    )


def sequence_base(*, activities: QuerySet[Activity], date_from: dt.date | None) -> dict[tuple[int, int], int]:
    """{(org id, year): records held earlier that year, before ``date_from``}: the ledger's 序号
    counts each org's records per calendar year even when the export starts mid-year."""
    if date_from is None or (date_from.month, date_from.day) == (1, 1):
        return {}
    org_ids = activities.values("org_id").distinct()
    rows = (
        Activity.objects.alive()
        .filter(org_id__in=org_ids, held_on__gte=dt.date(date_from.year, 1, 1), held_on__lt=date_from)
        .values("org_id")
        .annotate(n=Count("pk"))
    )
    return {(r["org_id"], date_from.year): r["n"] for r in rows}
