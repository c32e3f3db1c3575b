from __future__ import annotations

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

from .permissions import Perm
from .policy import has_perm, is_system_admin

# Links and assets of the page frame (base.html), by URL name and static path.
_NAV_URL_NAMES = {
    "home": "home",
    "orgs": "orgs:tree",
    "members": "members:list",
    "activities": "activities:list",
    "compliance": "compliance:dashboard",
    "imports": "imports:index",
    "tokens": "accounts:tokens",
    "admin": "admin:index",
    "logout": "logout",
}
_ASSETS = {
    "tabler_css": "vendor/tabler-1.6.1/tabler.min.css",
    "app_css": "app/app.css",
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


@receiver(setting_changed)
def _clear_frame_urls(**kwargs) -> None:
    _frame_urls.cache_clear()


def navigation(request):
    frame = _frame_urls(get_script_prefix())
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"frame": frame}
    return {
        "frame": frame,
        "nav": {
            "orgs": has_perm(user, Perm.ORG_VIEW),
            "members": has_perm(user, Perm.MEMBER_VIEW),
            "import": has_perm(user, Perm.IMPORT),
            "activities": has_perm(user, Perm.ACTIVITY_VIEW),
            "compliance": has_perm(user, Perm.COMPLIANCE_VIEW),
            "admin": is_system_admin(user) and user.is_staff,
        },
    }
