"""The raw fetch gives the same instance as the ORM."""

from __future__ import annotations

import pytest

from dangjian.accounts.backends import UserBackend
from dangjian.accounts.tests.factories import make_user
from dangjian.core.permissions import Role
from dangjian.core.rows import fetch_one
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_fetch_one_equals_orm_get_field_by_field(tree):
    org = Org.objects.get(pk=tree["branch_a1"].pk)
    raw = fetch_one(Org, "id = %s", [org.pk])
    assert raw is not None and not raw._state.adding
    for field in Org._meta.concrete_fields:
        assert getattr(raw, field.attname) == getattr(org, field.attname), field.name
    assert fetch_one(Org, "id = %s", [-1]) is None


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
