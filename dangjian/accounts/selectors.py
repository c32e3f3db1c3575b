"""Reads on accounts: a user's own API tokens and the token behind a bearer secret."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import QuerySet

from dangjian.core import policy

from .models import ApiToken, User

TOKEN_PREFIX = "dj_"


def token_hash(secret: str) -> str:
    """SHA-256 of the whole secret; the only form in which a token is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (revoked ones included, marked by ``revoked_at``)."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def access_token(*, user: Any, pk: Any) -> ApiToken:
    """One of the user's own tokens; another user's token is as missing as a wrong id (404)."""
    try:
        return token_list(user=user).get(pk=int(pk))
    except (ApiToken.DoesNotExist, TypeError, ValueError):
        raise policy.not_found() from None


def token_lookup(*, secret: str) -> ApiToken | None:
    """The token matching a presented secret, with its user, or None (revoked ones included)."""
    secret = (secret or "").strip()
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(secret)).first()


def user_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()
