"""Where grants are read from: the provider ``core.policy`` calls once per request."""

from __future__ import annotations

from typing import Any

from django.db import connection

from dangjian.orgs.models import Member, Org

from .models import RoleGrant, User


def grant_rows(user_id: int) -> list[tuple[Any, ...]]:
    """(role, org id, include_descendants, org path, org deleted_at) of a user's grants, then
    the linked member record's deleted_at and its org's id, path and deleted_at (all None
    when the user has no member record).

    Plain SQL: this runs on every request, and building it through the ORM cost more than
    running it."""
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
