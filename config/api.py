"""The one JSON API instance: core's conventions, the accounts app's authentication, and the
router of every app that has an ``api.py``."""

from __future__ import annotations

import functools
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError

from dangjian.accounts.api_auth import API_AUTH, BearerTokenAuth
from dangjian.core.api import MSG_NO_CREDENTIALS, build_api


def docs_access(view: Any) -> Any:
    """The docs page and the OpenAPI schema need a login when ``API_DOCS_REQUIRE_LOGIN`` (on in
    production): the schema maps every endpoint and field. A valid bearer token also opens them,
    so scripts can fetch the schema."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(settings, "API_DOCS_REQUIRE_LOGIN", False) and not request.user.is_authenticated:
            try:
                user = BearerTokenAuth()(request)
            except AuthenticationError:
                user = None
            if user is None:
                if request.path.endswith(".json"):
                    return JsonResponse(
                        {"detail": MSG_NO_CREDENTIALS}, status=401, json_dumps_params={"ensure_ascii": False}
                    )
                return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


API_APPS = (
    "accounts",
    "orgs",
    "activities",
    "requirements",
    "campaigns",
    "reports",
    "rectification",
    "research",
    "cases",
)

api = build_api(
    auth=API_AUTH,
    docs_decorator=docs_access,
    title="党建工作平台 API",
    description=(
        "组织、党员、组织生活与达标情况。认证：`Authorization: Bearer <令牌>` 或登录会话"
        "（写操作需带 X-CSRFToken）。列表用 `limit`/`offset` 分页，返回 `{items, count}`；"
        "组织生活记录等大列表另有 `cursor` 翻页，`count` 数到上限为止。"
        "错误返回 JSON，`detail` 为中文说明（422 时为逐字段的列表）。详见 docs/api.md。"
    ),
)

for _app in API_APPS:
    try:
        _module = import_module(f"dangjian.{_app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"dangjian.{_app}.api":
            raise
        continue
    api.add_router("", _module.router)
