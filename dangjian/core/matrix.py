"""The permission matrix: every endpoint × every role × an object inside / outside the role's scope.

Each app lists its endpoints in ``dangjian/<app>/tests/matrix.py`` as ``ENDPOINTS`` (a list of
``Endpoint``) and may define ``extend_world(world)`` to create the objects its URLs need.
``dangjian/core/tests/test_permission_matrix.py`` runs them all and fails when a URL pattern or
API operation is missing from every table.

Roles (columns of every expectation tuple, in this order):
  anon      not logged in
  sysadmin  系统管理员 (everywhere)
  admin     党务管理员 on 甲县委's subtree
  secretary 支部书记 of 甲县第一支部
  member    党员 in 甲县第一支部 (own record only)
  supervisor 督导 on 甲县委's subtree (read-only)

"inside" objects belong to 甲县第一支部 (inside every non-admin role's scope), "outside" ones to
乙县第一支部 (outside all but the system administrator's). Besides the status, every answer is
read: no role but the system administrator may be shown 乙县's names, and list endpoints name the
rows they must show (``shows``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anon", "sysadmin", "admin", "secretary", "member", "supervisor")


@dataclass
class Endpoint:
    name: str  # URL name ("orgs:detail") or API operation ("api:GET /orgs/{org_id}")
    url: Callable[[Any, str], str]  # (world, "inside"|"outside") -> path
    inside: tuple[int, ...]
    outside: tuple[int, ...] | None = None  # None: same URL for both (no object in it)
    method: str = "GET"
    data: Callable[[Any, str], dict] | None = None  # form or JSON body
    json: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    # Rows a list must show: (world, role) -> texts that must appear when the answer is 200.
    shows: Callable[[Any, str], list[str]] | None = None
    # Every GET answered 200 to a role other than the system administrator must not name what
    # lies outside that role's scope (乙县's org and member); only a page that legitimately names
    # other orgs (a transfer target picker) may set this.
    names_outside: bool = False

    def __post_init__(self) -> None:
        for exp in (self.inside, self.outside):
            if exp is not None and len(exp) != len(ROLES):
                raise ValueError(f"{self.name}: expectations need {len(ROLES)} columns {ROLES}")


# Common rows, named for readability in the tables (anon, sysadmin, admin, secretary, member, supervisor).
PAGE_ALL = (302, 200, 200, 200, 200, 200)
API_ALL = (401, 200, 200, 200, 200, 200)
