"""Site-wide pages: the placeholder for modules still to come (the 工作台 lives in reports)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def placeholder(request, *args, **kwargs):
    """Stands in for a page whose module is being built."""
    return render(request, "core/placeholder.html")
