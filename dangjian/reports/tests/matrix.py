"""Permission matrix rows of the 工作台 (see dangjian/core/matrix.py).

The 工作台 shows every logged-in user the figures of their own scope; anonymous users are sent
to the login page.
"""

from __future__ import annotations

from dangjian.core.matrix import PAGE_ALL, Endpoint

ENDPOINTS = [
    Endpoint("home", lambda w, s: "/", PAGE_ALL),
]
