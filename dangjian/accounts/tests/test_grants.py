"""A 党员 account's scope follows the member record: transfers move it, a delete ends it."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core import policy
from dangjian.core.permissions import Perm, Role
from dangjian.orgs import services
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db


def _fresh(user):
    policy.clear_cache(user)
    return user


def test_member_grant_follows_transfer_and_ends_with_delete(client, tree):
    me = make_member(tree["branch_a1"], name="张三丰")
    user = make_user(Role.MEMBER, tree["branch_a1"], member=me)
    a1, b1 = tree["branch_a1"].path, tree["branch_b1"].path
    assert policy.allows_path(user, Perm.ACTIVITY_VIEW, a1)
    services.member_transfer(
        member=me, to_org=tree["branch_b1"], on=dt.date.today(), reason="调动", actor=None
    )
    assert policy.allows_path(_fresh(user), Perm.ACTIVITY_VIEW, b1)
    assert not policy.allows_path(user, Perm.ACTIVITY_VIEW, a1)
    client.force_login(user)
    assert client.get(f"/orgs/{tree['branch_a1'].pk}/").status_code == 404
    assert client.get(f"/orgs/{tree['branch_b1'].pk}/").status_code == 200
    services.member_delete(member=me, actor=None, reason="误登记")
    assert policy.user_grants(_fresh(user)) == ()
    assert client.get(f"/orgs/{tree['branch_b1'].pk}/").status_code == 404
    assert client.get(f"/members/{me.pk}/").status_code == 404
    me.refresh_from_db()
    services.member_restore(member=me, actor=None)
    assert policy.allows_path(_fresh(user), Perm.ACTIVITY_VIEW, b1)


def test_other_roles_of_a_member_keep_their_own_orgs(tree):
    me = make_member(tree["branch_a1"])
    user = make_user(Role.BRANCH_SECRETARY, tree["branch_a1"], member=me)
    services.member_delete(member=me, actor=None, reason="误登记")
    assert policy.allows_path(_fresh(user), Perm.MEMBER_CHANGE, tree["branch_a1"].path)


def test_member_grant_without_a_member_record_keeps_its_org(tree):
    user = make_user(Role.MEMBER, tree["branch_a1"])
    assert policy.allows_path(user, Perm.ORG_VIEW, tree["branch_a1"].path)
