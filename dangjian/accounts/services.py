"""Writes on accounts: API tokens. Each use case is atomic and leaves an audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import audit
from dangjian.core.policy import is_system_admin

from .models import ApiToken, User
from .selectors import TOKEN_PREFIX, token_hash

# last_used_at is rewritten at most this often, so every API call does not write a row.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
# Characters of the secret kept in clear to tell tokens apart ("dj_" + 7).
PREFIX_LEN = 10
NAME_MAX = ApiToken._meta.get_field("name").max_length or 100


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with the plain secret, which is never stored."""
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"用途不能超过 {NAME_MAX} 个字"})
    if not user.is_active:
        raise ValidationError({"user": "该用户已停用，不能创建令牌"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:PREFIX_LEN], key_hash=token_hash(secret)
    )
    audit(actor=user, verb="api_token.create", target=token, name=name, prefix=token.prefix)
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    """Revoke a token: its owner (or a system administrator) only; revoking twice is a no-op."""
    if token.user_id != getattr(actor, "pk", None) and not is_system_admin(actor):
        raise PermissionDenied("只能吊销自己的令牌")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit(actor=actor, verb="api_token.revoke", target=token, prefix=token.prefix, owner=token.user.username)
    return token


def token_touch(*, token: ApiToken) -> None:
    """Record a use of the token, at most once per TOUCH_INTERVAL (one UPDATE, no audit row)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


@transaction.atomic
def user_deactivate(*, user: User, actor: Any) -> User:
    """Deactivate an account: it can no longer log in or call the API (its tokens are revoked).

    Accounts are never deleted: audit events, history and tokens keep pointing at them."""
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError("不能停用自己正在使用的账号")
    now = timezone.now()
    revoked = list(user.api_tokens.filter(revoked_at__isnull=True).values_list("prefix", flat=True))
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
    was_active = user.is_active
    if was_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    audit(
        actor=actor,
        verb="user.deactivate",
        target=user,
        username=user.username,
        was_active=was_active,
        revoked_tokens=revoked,
    )
    return user
