from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject


class IdleTimeoutMiddleware:
    """Log out a session idle for longer than SESSION_IDLE_SECONDS.

    The last-seen time is written at most once a minute, so ordinary browsing does not rewrite
    the session on every request.

    The check reads the user, so the lazy ``request.user`` that AuthenticationMiddleware set is
    resolved here in any case; it is replaced by the user object itself, which spares the rest of
    the request (views, policy, templates) the wrapper's cost on every attribute read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if type(user) is SimpleLazyObject:
            bool(user)  # resolves the wrapper
            request.user = user = user._wrapped
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("_last_seen", now)
            if now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif now - last >= 60 or "_last_seen" not in request.session:
                request.session["_last_seen"] = now
        return self.get_response(request)


class VaryOnHtmxMiddleware:
    """Add ``Vary: HX-Request`` to every response.

    One URL answers a full page or, for an htmx request, only a fragment; without the header a
    browser's cache may replay the fragment on Back (an unstyled page) or the page into a swap.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response
