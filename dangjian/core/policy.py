"""The one scoping policy. Every read of org-owned data is filtered through ``scope_q``.

A grant covers an org (and its subtree when ``include_descendants``) or, for the system
administrator, everything. Tree membership is a prefix test on the treebeard materialized path,
so a subtree filter is one indexed range scan; large tables carry their org's path as
``org_path`` for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.http import Http404
from django.utils.functional import SimpleLazyObject, empty

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

    @property
    def subtree(self) -> bool:
        """Whether the grant reaches below its org. A 党员's grant never does, whatever the row
        says (the database refuses such rows; this keeps older ones harmless)."""
        return self.include_descendants and self.role not in SELF_ONLY_ROLES

    def covers_path(self, path: str) -> bool:
        """The one answer to "does this grant reach the org at ``path``": ``allows_path`` and
        ``scope_q`` give the same (a property test checks all three on random trees)."""
        if self.path is None:
            return True
        return path.startswith(self.path) if self.subtree else path == self.path


def _unwrapped(user: Any) -> Any:
    """The user object behind ``request.user``'s lazy wrapper: each attribute read through the
    wrapper costs about a microsecond, and a page asks for the grants dozens of times (once per
    row of some lists)."""
    if type(user) is SimpleLazyObject:
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def user_grants(user: Any) -> tuple[Grant, ...]:
    """The user's grants, loaded once per request and cached on the user object."""
    user = _unwrapped(user)
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


GrantRowsProvider = Callable[[int], "list[tuple[Any, ...]]"]
_grant_rows_provider: GrantRowsProvider | None = None


def register_grant_provider(provider: GrantRowsProvider) -> None:
    """Set the function that reads a user's grant rows (the accounts app does, at start-up):
    (role, org id, include_descendants, org path, org deleted_at, member deleted_at, member's
    org id, its path, its deleted_at), the last four None when the user has no member record.
    Core holds the rule; where grants are stored is the accounts app's business."""
    global _grant_rows_provider
    _grant_rows_provider = provider


def _grant_rows(user_id: int) -> list[tuple[Any, ...]]:
    if _grant_rows_provider is None:
        raise ImproperlyConfigured("没有注册授权来源：dangjian.accounts 应在 INSTALLED_APPS 中")
    return _grant_rows_provider(user_id)


def allows_path(user: Any, perm: str, path: str) -> bool:
    """Whether ``scope_q(user, perm)`` admits an org row at ``path`` (the same test in Python,
    for a row already fetched by primary key)."""
    return any(perm in g.perms and g.covers_path(path) for g in user_grants(user))


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


def subtree_q(field: str, prefix: str, *, indexed: bool = True) -> Q:
    """Rows whose ``field`` (a tree path) starts with ``prefix``.

    ``indexed=False`` writes the same test as a comparison of the path's first characters, which
    no index serves: for a scope holding most of a big table, the planner then walks the index
    of the list's order and stops at the first page instead of sorting the whole subtree.

    On SQLite the test is written as the range [prefix, prefix with its last character
    incremented): paths are ASCII letters and digits, so under SQLite's byte-order comparison
    that range holds exactly the paths starting with ``prefix``, it seeks the path index, and
    it spares a LIKE evaluated on every row of the range (which cost more than the index walk
    itself). Elsewhere it is a plain prefix test (PostgreSQL: LIKE on a pattern-ops index).
    """
    if not indexed and prefix:
        return Q(Exact(Substr(field, 1, len(prefix)), prefix))
    if prefix and connection.vendor == "sqlite":
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    return Q(**{f"{field}__startswith": prefix})


def scope_q(
    user: Any,
    perm: str,
    *,
    path_field: str = "path",
    self_field: str | None = None,
    self_q: Q | None = None,
    indexed: bool = True,
) -> Q:
    """A filter selecting the rows ``user`` may see for ``perm``.

    ``path_field`` names the org path column of the queried model (``path`` on Org,
    ``org_path`` elsewhere). For self-only roles (党员), ``self_field`` names the column holding
    the member id, or ``self_q`` gives the rows that are the member's own; without either they
    see rows of their own org only. ``indexed`` as in ``subtree_q``.
    """
    q = Q(pk__in=[])
    member_id = getattr(_unwrapped(user), "member_id", None)
    for g in user_grants(user):
        if perm not in g.perms:
            continue
        if g.path is None:
            return Q()
        if g.role in SELF_ONLY_ROLES and self_q is not None:
            q |= self_q if member_id else Q(pk__in=[])
        elif g.role in SELF_ONLY_ROLES and self_field is not None:
            q |= Q(**{self_field: member_id}) if member_id else Q(pk__in=[])
        elif g.subtree:
            q |= subtree_q(path_field, g.path, indexed=indexed)
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
