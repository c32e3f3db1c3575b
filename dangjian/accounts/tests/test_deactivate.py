"""Accounts are never deleted: deactivated instead; the audit trail keeps who acted."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from dangjian.accounts import services
from dangjian.accounts.models import ApiToken, User
from dangjian.accounts.tests.factories import make_user
from dangjian.core.audit import audit
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(client):
    user = make_user(Role.SYSTEM_ADMIN, None, is_staff=True, username="root_admin")
    client.force_login(user)
    return user


def test_the_admin_cannot_delete_users_or_tokens(client, sysadmin, tree):
    victim = make_user(Role.ORG_ADMIN, tree["county_a"], username="victim")
    token, _ = services.token_create(user=victim, name="脚本")
    assert client.get(reverse("admin:accounts_user_delete", args=[victim.pk])).status_code == 403
    assert client.get(reverse("admin:accounts_apitoken_delete", args=[token.pk])).status_code == 403
    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "delete_selected" not in page and "停用所选账号" in page
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [victim.pk]},
    )
    assert User.objects.filter(pk=victim.pk).exists() and ApiToken.objects.filter(pk=token.pk).exists()
    assert response.status_code in (200, 302)


def test_accounts_that_acted_cannot_be_deleted_even_in_code(tree):
    user = make_user(Role.ORG_ADMIN, tree["county_a"])
    services.token_create(user=user, name="脚本")  # writes an audit event with the user as actor
    with pytest.raises(ProtectedError):
        user.delete()
    assert AuditEvent.objects.filter(actor=user).exists() and ApiToken.objects.filter(user=user).exists()


def test_deactivate_action_revokes_tokens_and_is_audited(client, sysadmin, tree):
    victim = make_user(Role.ORG_ADMIN, tree["county_a"], username="victim")
    token, secret = services.token_create(user=victim, name="脚本")
    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "deactivate", "_selected_action": [victim.pk]}
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    token.refresh_from_db()
    assert not victim.is_active and token.revoked_at is not None
    event = AuditEvent.objects.get(verb="user.deactivate")
    assert event.actor == sysadmin and event.data["revoked_tokens"] == [token.prefix]
    api = client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 401


def test_an_admin_cannot_deactivate_themselves(sysadmin):
    with pytest.raises(Exception, match="不能停用自己"):
        services.user_deactivate(user=sysadmin, actor=sysadmin)


def test_audit_events_keep_the_username_and_name_of_the_time(tree):
    user = make_user(Role.ORG_ADMIN, tree["county_a"], username="zhang", display_name="张三")
    event = audit(actor=user, verb="test.event", target=tree["county_a"])
    user.username, user.display_name = "zhang2", "张三（已调离）"
    user.save()
    event.refresh_from_db()
    assert (event.actor_username, event.actor_name) == ("zhang", "张三")
