"""API tokens: services, the token page and ``manage.py create_token``."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from dangjian.accounts import selectors, services
from dangjian.accounts.models import ApiToken
from dangjian.accounts.tests.factories import make_user
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import Role

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- services and selectors


def test_token_create_stores_only_a_hash():
    user = make_user(username="alice")
    token, secret = services.token_create(user=user, name=" 对接 ")
    assert secret.startswith("dj_") and len(secret) >= 40
    assert token.name == "对接"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10]
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    event = AuditEvent.objects.get(verb="api_token.create")
    assert event.actor == user and event.target_id == str(token.pk)
    assert secret not in str(event.data)
    assert selectors.token_lookup(secret=secret) == token


def test_token_create_rejects_long_names_and_inactive_users():
    user = make_user(username="bob")
    with pytest.raises(ValidationError) as exc:
        services.token_create(user=user, name="长" * 101)
    assert "用途" in str(exc.value)
    user.is_active = False
    user.save()
    with pytest.raises(ValidationError):
        services.token_create(user=user, name="x")
    assert not ApiToken.objects.exists()


def test_token_lookup_rejects_unknown_and_malformed():
    assert selectors.token_lookup(secret="") is None
    assert selectors.token_lookup(secret="dj_nope") is None
    assert selectors.token_lookup(secret="nonsense") is None


def test_token_revoke_by_owner_is_audited_and_idempotent():
    user = make_user(username="carol")
    token, _ = services.token_create(user=user, name="")
    services.token_revoke(token=token, actor=user)
    token.refresh_from_db()
    first = token.revoked_at
    assert first is not None
    services.token_revoke(token=token, actor=user)
    token.refresh_from_db()
    assert token.revoked_at == first
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1


def test_token_revoke_by_someone_else_is_denied_but_system_admin_may():
    owner = make_user(username="dave")
    token, _ = services.token_create(user=owner, name="")
    with pytest.raises(PermissionDenied):
        services.token_revoke(token=token, actor=make_user(username="eve"))
    services.token_revoke(token=token, actor=make_user(Role.SYSTEM_ADMIN, None, username="root"))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_list_is_own_only():
    alice, bob = make_user(username="a1"), make_user(username="b1")
    mine, _ = services.token_create(user=alice, name="")
    services.token_create(user=bob, name="")
    assert list(selectors.token_list(user=alice)) == [mine]
    with pytest.raises(Exception) as exc:
        selectors.access_token(user=bob, pk=mine.pk)
    assert exc.type.__name__ == "Http404"


# ---------------------------------------------------------------- the page


@pytest.fixture
def logged_in():
    user = make_user(username="page_user")
    client = Client()
    client.force_login(user)
    return user, client


def test_token_page_lists_own_tokens(logged_in):
    user, client = logged_in
    services.token_create(user=user, name="旧令牌")
    services.token_create(user=make_user(username="other"), name="别人的令牌")
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "旧令牌" in text and "别人的令牌" not in text and "从未使用" in text


def test_token_page_creates_and_shows_the_secret_once(logged_in):
    user, client = logged_in
    response = client.post(reverse("accounts:tokens"), {"name": "财务系统对接"}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    text = response.content.decode()
    assert "新令牌已创建" in text
    shown = text.split("data-token>")[1].split("<")[0]
    assert selectors.token_lookup(secret=shown) == token
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert shown not in again and token.prefix in again
    # The shown secret works on the API.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {shown}")
    assert api.get("/api/v1/orgs").status_code == 200


def test_token_page_rejects_a_long_name(logged_in):
    _, client = logged_in
    response = client.post(reverse("accounts:tokens"), {"name": "长" * 101})
    assert response.status_code == 400
    assert "100" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_page_revokes(logged_in):
    user, client = logged_in
    token, secret = services.token_create(user=user, name="")
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    assert "已吊销" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/orgs").status_code == 401


def test_token_page_cannot_revoke_others(logged_in):
    _, client = logged_in
    token, _ = services.token_create(user=make_user(username="victim"), name="")
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_page_needs_csrf(logged_in):
    user, _ = logged_in
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("accounts:tokens"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_token_page_needs_login():
    response = Client().get(reverse("accounts:tokens"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---------------------------------------------------------------- the command


def test_create_token_prints_the_token_alone_on_the_last_line():
    user = make_user(username="cli_user")
    out, err = StringIO(), StringIO()
    call_command("create_token", "cli_user", "--name", "脚本", stdout=out, stderr=err)
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("dj_") and " " not in last
    token = selectors.token_lookup(secret=last)
    assert token is not None and token.user == user and token.name == "脚本"
    assert "cli_user" in err.getvalue()


def test_create_token_unknown_user_fails_in_chinese():
    with pytest.raises(CommandError) as exc:
        call_command("create_token", "nobody", stdout=StringIO(), stderr=StringIO())
    assert "用户不存在" in str(exc.value)
    assert not ApiToken.objects.exists()


def test_create_token_command_line_exit_codes(capsys, monkeypatch):
    """Through the real argv handling: exit 1 with a Chinese message, or the token on stdout."""
    from django.core.management import ManagementUtility
    from django.db import connections

    # run_from_argv closes all connections when done, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "create_token", "no_such_user"]).execute()
    assert exc.value.code == 1
    captured = capsys.readouterr()
    assert "用户不存在：no_such_user" in captured.err and captured.out == ""

    make_user(username="argv_user")
    ManagementUtility(["manage.py", "create_token", "argv_user"]).execute()
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines == [lines[-1]] and selectors.token_lookup(secret=lines[-1]).user.username == "argv_user"
