"""Demo accounts: each logs in with the printed password and sees what its role should."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from dangjian.accounts.models import User
from dangjian.core import policy
from dangjian.core.permissions import Perm
from dangjian.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from dangjian.orgs import selectors
from dangjian.orgs.models import Member, Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("gen_demo", shape="tiny", seed=1, no_activities=True, stdout=io.StringIO())
    return {u.username: u for u in User.objects.all()}


def subtree(org: Org) -> set[int]:
    """The live orgs of ``org``'s subtree (the demo's history removes some branches)."""
    return set(
        Org.objects.filter(path__startswith=org.path, deleted_at__isnull=True).values_list("pk", flat=True)
    )


def visible_orgs(user: User) -> set[int]:
    return set(selectors.org_visible(user=user).values_list("pk", flat=True))


def test_password_passes_the_validators_and_every_account_logs_in(client, demo):
    for account in DEMO_ACCOUNTS:
        user = demo[account.username]
        validate_password(DEMO_PASSWORD, user)
        assert client.login(username=account.username, password=DEMO_PASSWORD), account.username
        assert client.get("/").status_code == 200
        client.logout()
    assert not client.login(username="admin", password="wrong-Password-1")


def test_each_role_sees_its_scope(demo):
    all_orgs = set(Org.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    root = Org.objects.get(depth=1)

    admin = demo["admin"]
    assert admin.is_superuser and admin.is_staff
    assert visible_orgs(admin) == all_orgs

    city = demo["shiwei"]
    assert visible_orgs(city) == subtree(root) == all_orgs
    assert policy.has_perm(city, Perm.ORG_CHANGE)

    county_admin = demo["xianwei"]
    county = county_admin.grants.get().org
    assert county.depth == 2 and county.leadership_team and county.name.endswith(("市委", "县委"))
    assert visible_orgs(county_admin) == subtree(county)
    assert set(selectors.member_visible(user=county_admin).values_list("org_id", flat=True)) <= subtree(
        county
    )

    secretary = demo["zhishu"]
    branch = secretary.grants.get().org
    assert secretary.member.org == branch
    assert secretary.member.positions.filter(org=branch, title="secretary", ended_on__isnull=True).exists()
    assert visible_orgs(secretary) == subtree(branch)
    assert set(selectors.member_visible(user=secretary)) == set(
        Member.objects.filter(org_path__startswith=branch.path)
    )

    member = demo["dangyuan"]
    assert member.member.org == branch
    assert list(selectors.member_visible(user=member)) == [member.member]
    assert not policy.has_perm(member, Perm.MEMBER_CHANGE)

    supervisor = demo["dudao"]
    grants = list(supervisor.grants.select_related("org"))
    assert len(grants) == 3 and all(g.include_descendants and g.role == "supervisor" for g in grants)
    expected = set().union(*(subtree(g.org) for g in grants))
    assert visible_orgs(supervisor) == expected
    assert not policy.has_perm(supervisor, Perm.ORG_CHANGE)
    assert not policy.has_perm(supervisor, Perm.MEMBER_CHANGE)


def test_demo_logins_lists_every_role(demo):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for label in ("角色", "用户名", "密码", "范围"):
        assert label in text
    for account in DEMO_ACCOUNTS:
        assert account.role_label in text
        assert account.username in text
    assert DEMO_PASSWORD in text


def test_demo_logins_marks_a_changed_password(demo):
    user = demo["dudao"]
    user.set_password("Another#Secret-77")
    user.save()
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    line = next(row for row in out.getvalue().splitlines() if " dudao " in row)
    assert "已修改" in line and DEMO_PASSWORD not in line


def test_demo_logins_without_data_says_how_to_create_it():
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "gen_demo" in out.getvalue()
