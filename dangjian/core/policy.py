"""The one scoping policy. Every read of org-owned data is filtered through ``scope_q``.

A grant covers an org (and its subtree when ``include_descendants``) or, for the system
administrator, everything. Tree membership is a prefix test on the treebeard materialized path,
so a subtree filter is one indexed range scan; large tables carry their org's path as
``org_path`` for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.http import Http404

from .permissions import ROLE_PERMS, SELF_ONLY_ROLES, Perm, Role

_CACHE_ATTR = "_dangjian_grants"


@dataclass(frozen=True)
class Grant:
    role: str
    org_id: int | None  # None: everywhere
    path: str | None
    include_descendants: bool

    @property
    def perms(self) -> frozenset[str]:
        return ROLE_PERMS[self.role]

    def covers_path(self, path: str) -> bool:
        if self.path is None:
            return True
        return path.startswith(self.path) if self.include_descendants else path == self.path


def user_grants(user: Any) -> tuple[Grant, ...]:
    """The user's grants, loaded once per request and cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    if user.is_superuser:
        grants.append(Grant(Role.SYSTEM_ADMIN, None, None, True))
    for row in _grant_rows(user.pk):
        role, org_id, include_descendants, path, org_deleted_at = row[:5]
        if role in SELF_ONLY_ROLES and row[6] is not None:
            # A 党员's own-record grant follows their member record: to the org it was
            # transferred to, and away when the record is deleted.
            member_deleted_at, org_id, path, org_deleted_at = row[5:]
            if member_deleted_at is not None:
                continue
        if org_id is None:
            if role == Role.SYSTEM_ADMIN:
                grants.append(Grant(role, None, None, True))
            continue
        if org_deleted_at is not None:
            continue
        grants.append(Grant(role, org_id, path, bool(include_descendants)))
    result = tuple(grants)
    setattr(user, _CACHE_ATTR, result)
    return result


def _grant_rows(user_id: int) -> list[tuple]:
    """(role, org id, include_descendants, org path, org deleted_at) of a user's grants, then
    the linked member record's deleted_at and its org's id, path and deleted_at (all None
    when the user has no member record).

    Plain SQL: this runs on every request, and building it through the ORM cost more than
    running it."""
    from dangjian.accounts.models import RoleGrant, User
    from dangjian.orgs.models import Member, Org

    grant, org = RoleGrant._meta.db_table, Org._meta.db_table
    user, member = User._meta.db_table, Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT g.role, g.org_id, g.include_descendants, o.path, o.deleted_at, "  # noqa: S608 - table names from model meta
            f"m.deleted_at, m.org_id, mo.path, mo.deleted_at FROM {grant} g "
            f"LEFT JOIN {org} o ON o.id = g.org_id "
            f"JOIN {user} u ON u.id = g.user_id "
            f"LEFT JOIN {member} m ON m.id = u.member_id "
            f"LEFT JOIN {org} mo ON mo.id = m.org_id WHERE g.user_id = %s",
            [user_id],
        )
        return cursor.fetchall()


def allows_path(user: Any, perm: str, path: str) -> bool:
    """Whether ``scope_q(user, perm)`` admits an org row at ``path`` (the same test in Python,
    for a row already fetched by primary key)."""
    for g in user_grants(user):
        if perm not in g.perms:
            continue
        if g.path is None:
            return True
        if g.include_descendants and g.role not in SELF_ONLY_ROLES:
            if path.startswith(g.path):
                return True
        elif path == g.path:
            return True
    return False


def clear_cache(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_perm(user: Any, perm: str) -> bool:
    """Whether the user holds ``perm`` anywhere (for showing menu items and buttons)."""
    return any(perm in g.perms for g in user_grants(user))


def has_perm_for_path(user: Any, perm: str, path: str) -> bool:
    """Whether ``perm`` covers the org at ``path`` (self-only roles count for their own org)."""
    return any(perm in g.perms and g.covers_path(path) for g in user_grants(user))


def is_self_only(user: Any) -> bool:
    """Whether every grant of the user is a self-only one (a 党员 and nothing more)."""
    grants = user_grants(user)
    return bool(grants) and all(g.role in SELF_ONLY_ROLES for g in grants)


def is_system_admin(user: Any) -> bool:
    return any(g.path is None for g in user_grants(user))


def subtree_q(field: str, prefix: str) -> Q:
    """Rows whose ``field`` (a tree path) starts with ``prefix``.

    On SQLite the test is written as the range [prefix, prefix with its last character
    incremented): paths are ASCII letters and digits, so under SQLite's byte-order comparison
    that range holds exactly the paths starting with ``prefix``, it seeks the path index, and
    it spares a LIKE evaluated on every row of the range (which cost more than the index walk
    itself). Elsewhere it is a plain prefix test (PostgreSQL: LIKE on a pattern-ops index).
    """
    if prefix and connection.vendor == "sqlite":
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    return Q(**{f"{field}__startswith": prefix})


def scope_q(user: Any, perm: str, *, path_field: str = "path", self_field: str | None = None) -> Q:
    """A filter selecting the rows ``user`` may see for ``perm``.

    ``path_field`` names the org path column of the queried model (``path`` on Org,
    ``org_path`` elsewhere). For self-only roles (党员), ``self_field`` names the column holding
    the member id; without it they see rows of their own org only.
    """
    q = Q(pk__in=[])
    member_id = getattr(user, "member_id", None)
    for g in user_grants(user):
        if perm not in g.perms:
            continue
        if g.path is None:
            return Q()
        if g.role in SELF_ONLY_ROLES and self_field is not None:
            q |= Q(**{self_field: member_id}) if member_id else Q(pk__in=[])
        elif g.include_descendants and g.role not in SELF_ONLY_ROLES:
            q |= subtree_q(path_field, g.path)
        else:
            q |= Q(**{path_field: g.path})
    return q


def not_found() -> Http404:
    """Same answer for missing and out-of-scope objects."""
    return Http404("未找到该对象，或您无权访问")


__all__ = [
    "Grant",
    "Perm",
    "Role",
    "allows_path",
    "clear_cache",
    "has_perm",
    "has_perm_for_path",
    "is_system_admin",
    "not_found",
    "scope_q",
    "subtree_q",
    "user_grants",
]
