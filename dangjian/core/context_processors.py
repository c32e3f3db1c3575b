from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

from .permissions import Perm
from .policy import has_perm, is_self_only, is_system_admin

# Links and assets of the page frame (base.html), by URL name and static path.
_NAV_URL_NAMES = {
    "home": "home",
    "orgs": "orgs:tree",
    "members": "members:list",
    "org_search": "orgs:search",
    "activities": "activities:list",
    "compliance": "compliance:dashboard",
    "campaigns": "campaigns:list",
    "imports": "imports:index",
    "tokens": "accounts:tokens",
    "feedback": "feedback:index",
    "rectification": "rectification:list",
    "research": "research:list",
    "cases": "cases:list",
    "admin": "admin:index",
    "logout": "logout",
}
_ASSETS = {
    "tabler_css": "vendor/tabler-1.6.1/tabler.min.css",
    "app_css": "app/app.css",
    "favicon": "app/favicon.svg",
    "htmx_js": "vendor/htmx-2.0.11/htmx.min.js",
    "tabler_js": "vendor/tabler-1.6.1/tabler.min.js",
    "app_js": "app/app.js",
    "orgs_js": "app/orgs.js",
}


@lru_cache(maxsize=8)
def _frame_urls(script_prefix: str) -> dict[str, dict[str, str]]:
    """The frame's URLs, resolved once per process (and script prefix) instead of a dozen
    ``{% url %}``/``{% static %}`` tags on every page."""
    return {
        "urls": {key: reverse(name) for key, name in _NAV_URL_NAMES.items()},
        "assets": {key: static(path) for key, path in _ASSETS.items()},
    }


# The sidebar's module links: (flag in ``nav``, URL key, data-nav, title); None: always shown.
_NAV_LINKS = (
    (None, "home", "", "工作台"),
    ("orgs", "orgs", "orgs", "组织"),
    ("members", "members", "members", "党员"),
    ("activities", "activities", "activities", "组织生活"),
    ("compliance", "compliance", "compliance", "达标情况"),
    ("compliance", "campaigns", "campaigns", "主题教育"),
    ("import", "imports", "imports", "Excel 导入"),
    ("research", "research", "research", "调查研究"),
    ("cases", "cases", "cases", "典型案例"),
    ("rectification", "rectification", "rectification", "检视整改"),
)


@lru_cache(maxsize=64)
def _frame_nav(script_prefix: str, flags: tuple[tuple[str, bool], ...]) -> tuple[dict[str, str], ...]:
    """The sidebar's items (url, data-nav, title) for a set of visible modules; core/_sidebar.html
    writes them out."""
    urls, shown = _frame_urls(script_prefix)["urls"], dict(flags)
    items = [
        # A 党员's member page is their own record.
        {
            "url": urls[key],
            "data_nav": data_nav,
            "title": "我的信息" if key == "members" and shown.get("self_only") else title,
        }
        for flag, key, data_nav, title in _NAV_LINKS
        if flag is None or shown.get(flag)
    ]
    items.append({"url": urls["tokens"], "data_nav": "", "title": "API 令牌"})
    items.append({"url": urls["feedback"], "data_nav": "feedback", "title": "投诉建议"})
    if shown.get("admin"):
        items.append({"url": urls["admin"], "data_nav": "", "title": "后台管理"})
    return tuple(items)


def _render_sidebar(script_prefix: str, flags: tuple[tuple[str, bool], ...]) -> str:
    return render_to_string(
        "core/_sidebar.html",
        {"frame": _frame_urls(script_prefix), "frame_nav": _frame_nav(script_prefix, flags)},
    )


# The sidebar depends on nothing but the visible modules: rendered once per process for each set
# of them (a handful of roles), instead of its loop and links on every page. With DEBUG a
# changed template shows at once.
_cached_sidebar = lru_cache(maxsize=64)(_render_sidebar)


def _sidebar(script_prefix: str, flags: tuple[tuple[str, bool], ...]) -> str:
    return (_render_sidebar if settings.DEBUG else _cached_sidebar)(script_prefix, flags)


@receiver(setting_changed)
def _clear_frame_urls(**kwargs) -> None:
    _frame_urls.cache_clear()
    _frame_nav.cache_clear()
    _cached_sidebar.cache_clear()


def navigation(request):
    prefix = get_script_prefix()
    frame = _frame_urls(prefix)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"frame": frame, "frame_sidebar": ""}
    nav = {
        "orgs": has_perm(user, Perm.ORG_VIEW),
        "members": has_perm(user, Perm.MEMBER_VIEW),
        "import": has_perm(user, Perm.IMPORT),
        "activities": has_perm(user, Perm.ACTIVITY_VIEW),
        "compliance": has_perm(user, Perm.COMPLIANCE_VIEW),
        "admin": is_system_admin(user) and user.is_staff,
        "self_only": is_self_only(user),
        "rectification": has_perm(user, Perm.RECTIFICATION_VIEW),
        "research": has_perm(user, Perm.RESEARCH_VIEW),
        "cases": has_perm(user, Perm.CASE_VIEW),
    }
    return {"frame": frame, "nav": nav, "frame_sidebar": _sidebar(prefix, tuple(sorted(nav.items())))}
