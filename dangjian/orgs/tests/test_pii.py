"""身份证号 and 手机号: stored encrypted, shown masked, full only to allowed grants, every full view logged."""

from __future__ import annotations

import pytest

from dangjian.accounts.tests.factories import make_user
from dangjian.core import pii
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role
from dangjian.orgs import selectors
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db
ID_NUMBER = "222401198507071234"[:17]
ID_NUMBER += pii.id_check_digit(ID_NUMBER)


@pytest.fixture
def member(tree):
    return make_member(tree["branch_a1"], name="张三丰", id_number=ID_NUMBER, phone="13912345678", male=True)


def test_stored_encrypted_with_lookup_hash_and_mask(member):
    assert member.id_number_masked == "22" + "*" * 16
    assert member.phone_masked == "139****5678"
    assert ID_NUMBER not in member.id_number_encrypted
    assert pii.decrypt(member.id_number_encrypted) == ID_NUMBER
    assert member.id_number_hash == pii.lookup_hash(ID_NUMBER)


@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    [
        (Role.SYSTEM_ADMIN, None, True),
        (Role.ORG_ADMIN, "county_a", True),
        (Role.BRANCH_SECRETARY, "branch_a1", True),
        (Role.SUPERVISOR, "county_a", False),
        (Role.ORG_ADMIN, "county_b", False),
    ],
)
def test_full_view_only_for_allowed_grants(tree, member, role, where, allowed):
    user = make_user(role, tree[where] if where else None)
    assert selectors.member_can_view_pii(user=user, member=member) is allowed
    if allowed:
        values = selectors.member_pii(user=user, member=member)
        assert values == {"id_number": ID_NUMBER, "phone": "13912345678"}
        assert AuditEvent.objects.filter(verb="member.pii_view", actor=user).count() == 1
    else:
        with pytest.raises(Exception, match="未找到"):
            selectors.member_pii(user=user, member=member)
        assert AuditEvent.objects.count() == 0


def test_member_sees_own_full_numbers(tree, member):
    user = make_user(Role.MEMBER, tree["branch_a1"], member=member)
    assert selectors.member_pii(user=user, member=member)["id_number"] == ID_NUMBER


def test_each_page_view_is_logged_and_lists_stay_masked(client, tree, member):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    client.force_login(user)
    for path in ("/members/", f"/members/{member.pk}/", "/members/?q=zsf"):
        html = client.get(path).content.decode()
        assert ID_NUMBER not in html and "13912345678" not in html, path
    assert AuditEvent.objects.filter(verb="member.pii_view").count() == 0
    client.post(f"/members/{member.pk}/pii/")
    client.post(f"/members/{member.pk}/pii/")
    events = AuditEvent.objects.filter(verb="member.pii_view", target_id=str(member.pk))
    assert events.count() == 2 and {e.org_path for e in events} == {member.org_path}


def test_pii_view_is_post_only(client, tree, member):
    client.force_login(make_user(Role.SYSTEM_ADMIN))
    assert client.get(f"/members/{member.pk}/pii/").status_code == 405
    assert AuditEvent.objects.count() == 0
