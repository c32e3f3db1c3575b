"""One scoping answer: a grant's ``covers_path``, ``policy.allows_path`` and ``policy.scope_q``
(indexed and not) agree for every org of random trees and random grants."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.accounts.models import RoleGrant
from dangjian.accounts.tests.factories import make_user
from dangjian.core import policy
from dangjian.core.permissions import Perm, Role
from dangjian.orgs.models import Org
from dangjian.orgs.tests.factories import make_org

ROLES = [Role.ORG_ADMIN, Role.BRANCH_SECRETARY, Role.SUPERVISOR, Role.MEMBER]
PERMS = [Perm.ORG_VIEW, Perm.MEMBER_VIEW, Perm.ORG_CHANGE, Perm.MEMBER_VIEW_PII]

trees = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=12)  # parent picks
grants = st.lists(
    st.tuples(st.sampled_from(ROLES), st.integers(min_value=0, max_value=30), st.booleans()),
    min_size=1,
    max_size=3,
)


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parents=trees, wanted=grants)
def test_covers_allows_and_scope_q_agree(parents, wanted):
    try:
        with transaction.atomic():
            orgs = [make_org(name="根")]
            for pick in parents:
                orgs.append(make_org(orgs[pick % len(orgs)]))
            user = make_user()
            made = set()
            for role, pick, descendants in wanted:
                if (role, pick % len(orgs)) in made:
                    continue
                made.add((role, pick % len(orgs)))
                RoleGrant.objects.create(
                    user=user,
                    role=role,
                    org=orgs[pick % len(orgs)],
                    include_descendants=descendants and role != Role.MEMBER,
                )
            policy.clear_cache(user)
            loaded = policy.user_grants(user)
            for perm in PERMS:
                for indexed in (True, False):
                    seen = set(
                        Org.objects.filter(policy.scope_q(user, perm, indexed=indexed)).values_list(
                            "pk", flat=True
                        )
                    )
                    for org in orgs:
                        by_grant = any(perm in g.perms and g.covers_path(org.path) for g in loaded)
                        assert policy.allows_path(user, perm, org.path) is by_grant, (perm, org.path)
                        assert (org.pk in seen) is by_grant, (perm, org.path, indexed)
            raise _Rollback
    except _Rollback:
        pass


def test_a_member_grant_never_reaches_below_its_org_even_if_the_row_says_so():
    grant = policy.Grant(Role.MEMBER, 1, "0001", include_descendants=True)
    assert not grant.subtree
    assert grant.covers_path("0001") and not grant.covers_path("00010001")
    assert policy.Grant(Role.ORG_ADMIN, 1, "0001", True).covers_path("00010001")


@pytest.mark.django_db
def test_the_database_refuses_a_member_grant_with_descendants(tree):
    user = make_user()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=Role.MEMBER, org=tree["branch_a1"], include_descendants=True)
    RoleGrant.objects.create(user=user, role=Role.MEMBER, org=tree["branch_a1"], include_descendants=False)
