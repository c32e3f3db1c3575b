"""Test factories for accounts: a user holding one grant."""

from __future__ import annotations

import itertools
from typing import Any

from dangjian.accounts.models import RoleGrant, User
from dangjian.core.permissions import Role
from dangjian.orgs.models import Member, Org

_seq = itertools.count(1)


def make_user(
    role: str | None = None,
    org: Org | None = None,
    *,
    username: str | None = None,
    include_descendants: bool = True,
    member: Member | None = None,
    password: str = "test-pass-123",
    **kw: Any,
) -> User:
    user = User.objects.create_user(
        username=username or f"user{next(_seq)}", password=password, member=member, **kw
    )
    if role is not None:
        RoleGrant.objects.create(
            user=user,
            role=role,
            org=org,
            include_descendants=include_descendants if role != Role.MEMBER else False,
        )
    return user
