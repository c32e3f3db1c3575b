from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout


class IdleTimeoutMiddleware:
    """Log out a session idle for longer than SESSION_IDLE_SECONDS.

    The last-seen time is written at most once a minute, so ordinary browsing does not rewrite
    the session on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("_last_seen", now)
            if now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif now - last >= 60 or "_last_seen" not in request.session:
                request.session["_last_seen"] = now
        return self.get_response(request)
