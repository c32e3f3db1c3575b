"""The JSON API under /api/v1/. Each app contributes a router from its ``api.py``."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="党建工作平台 API",
    version="1",
    description="组织、党员、组织生活与达标情况。认证：`Authorization: Bearer <令牌>` 或登录会话。",
    urls_namespace="api",
)
