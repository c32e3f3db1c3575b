"""The health check: a view that only answers "ok".

Load balancers and monitoring poll it; the page benchmark serves it beside every page as the
ceiling of what this machine can answer through the full middleware stack.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
