"""Authentication for the JSON API: bearer tokens, and the browser session with a CSRF check.

Both are set on the NinjaAPI globally (``config/api.py``), so every router gets them. A
request is authenticated by the first scheme that accepts it; the authenticated user is
``request.auth`` (and ``request.user``, so history and audit rows name them).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from . import selectors, services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

MSG_BAD_TOKEN = "令牌无效，请检查 Authorization 请求头"
MSG_REVOKED_TOKEN = "令牌已吊销，请使用新的令牌"
MSG_INACTIVE_USER = "该令牌所属用户已停用"
MSG_CSRF = "CSRF 校验失败：用登录会话调用写操作时，请在 X-CSRFToken 请求头带上 csrftoken"


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``. A header that is present but wrong answers 401 at once,
    so a bad token is never silently replaced by a session cookie."""

    def __call__(self, request: HttpRequest) -> Any | None:
        value = request.headers.get(self.header)
        if not value:
            return None
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        api_token = selectors.token_lookup(secret=token)
        if api_token is None:
            raise AuthenticationError(401, MSG_BAD_TOKEN)
        if api_token.revoked_at is not None:
            raise AuthenticationError(401, MSG_REVOKED_TOKEN)
        user = api_token.user
        if not user.is_active:
            raise AuthenticationError(401, MSG_INACTIVE_USER)
        services.token_touch(token=api_token)
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session. Unsafe methods must carry the CSRF token, as in the pages."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise AuthorizationError(403, MSG_CSRF)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:  # pragma: no cover
        return self(request)


API_AUTH = [BearerTokenAuth(), SessionAuth()]
