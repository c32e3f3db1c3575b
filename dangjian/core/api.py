"""The JSON API under /api/v1/. Each app contributes ``router`` from its ``api.py``; the routers
declare their own paths (/orgs, /members, /activities, /compliance …)."""

from __future__ import annotations

from importlib import import_module

from ninja import NinjaAPI

api = NinjaAPI(
    title="党建工作平台 API",
    version="1",
    description="组织、党员、组织生活与达标情况。认证：`Authorization: Bearer <令牌>` 或登录会话。",
    urls_namespace="api",
)

API_APPS = ("accounts", "orgs", "activities", "requirements", "reports")

for _app in API_APPS:
    try:
        _module = import_module(f"dangjian.{_app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"dangjian.{_app}.api":
            raise
        continue
    api.add_router("", _module.router)
