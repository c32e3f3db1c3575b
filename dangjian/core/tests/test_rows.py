"""Raw fetches give the same instances and values as the ORM."""

from __future__ import annotations

import pytest

from dangjian.accounts.backends import UserBackend
from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.core.rows import convert, fetch_one, value_converters
from dangjian.orgs.models import Member, Org
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db

FIELDS = ("pk", "name", "birth_date", "joined_on", "lost_contact", "leading_cadre", "created_at", "org__name")


def test_fetch_one_equals_orm_get_field_by_field(tree):
    org = Org.objects.get(pk=tree["branch_a1"].pk)
    raw = fetch_one(Org, "id = %s", [org.pk])
    assert raw is not None and not raw._state.adding
    for field in Org._meta.concrete_fields:
        assert getattr(raw, field.attname) == getattr(org, field.attname), field.name
    assert fetch_one(Org, "id = %s", [-1]) is None


def test_value_converters_turn_raw_rows_into_orm_values(tree):
    from django.db import connection

    a = make_member(tree["branch_a1"], name="甲", leading_cadre=True)
    make_member(tree["branch_b1"], name="乙", lost_contact=True, lost_contact_on="2024-05-01")
    qs = Member.objects.order_by("pk").values(*FIELDS)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    converters = value_converters(Member, FIELDS, connection.vendor)
    assert [dict(zip(FIELDS, convert(r, converters), strict=True)) for r in raw] == list(qs)
    assert list(qs)[0]["pk"] == a.pk


def test_backend_get_user(tree):
    backend = UserBackend()
    user = make_user(Role.ORG_ADMIN, tree["city"])
    assert backend.get_user(user.pk) == user
    assert backend.get_user(str(user.pk)).username == user.username
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(10**9) is None
    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None
