"""The one JSON API instance: core's conventions, the accounts app's authentication, and the
router of every app that has an ``api.py``."""

from __future__ import annotations

from importlib import import_module

from dangjian.accounts.api_auth import API_AUTH
from dangjian.core.api import build_api

API_APPS = ("accounts", "orgs", "activities", "requirements", "campaigns", "reports")

api = build_api(
    auth=API_AUTH,
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
